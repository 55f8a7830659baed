"""The 101 départements of data/departements.csv: codes, names and advisory-lock keys."""

from __future__ import annotations

import re

from service.referentiels import reference_data
from service.referentiels.checks import Checked, error
from service.referentiels.text import normalise_name

_NAMES: dict[str, str] = {d.code: d.nom for d in reference_data.departements()}
CODES: frozenset[str] = frozenset(_NAMES)
_BY_NAME: dict[str, str] = {normalise_name(nom): code for code, nom in _NAMES.items()}
# « 75 - Paris », « 2A – Corse-du-Sud »: the form of many drop-down lists users copy from.
_CODE_AND_NAME = re.compile(r"([0-9]{1,3}|2[AB])\s*[-–—:]?\s+(.+)", re.DOTALL)

# PostgreSQL advisory locks take integers. Numeric codes keep their value (01 → 1, 971 → 971);
# Corsica, the only non-numeric codes, takes 201 and 202, which no numeric code uses.
_CORSICA_LOCK_KEYS = {"2A": 201, "2B": 202}
_LOCK_KEYS: dict[str, int] = {code: _CORSICA_LOCK_KEYS.get(code) or int(code) for code in CODES}


def _code(text: str) -> str | None:
    candidate = text.upper()
    if re.fullmatch(r"[0-9]", candidate):
        candidate = "0" + candidate
    return candidate if candidate in CODES else None


def _from_text(text: str) -> str | None:
    if code := _code(text):
        return code
    if (match := _CODE_AND_NAME.fullmatch(text.upper())) and (code := _code(match[1])):
        return code if normalise_name(match[2]) == normalise_name(_NAMES[code]) else None
    return _BY_NAME.get(normalise_name(text))


def check_departement(raw: object) -> Checked[str]:
    """A code (`1` → `01`, `2a` → `2A`, `971`), « code - nom » or the name alone."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Checked(None)
    text: str | None = None
    if isinstance(raw, str):
        text = raw.strip()
    elif isinstance(raw, int | float) and not isinstance(raw, bool) and abs(raw) < 1000:
        # An Excel numeric cell: 1.0 is « 01 », 1.5 is nothing.
        text = str(int(raw)) if float(raw).is_integer() else None
    code = _from_text(text) if text is not None else None
    if code is not None:
        return Checked(code)
    hint = " (la Corse s'écrit 2A ou 2B)" if text == "20" else ""
    detail = (
        f"n'est pas un code de département connu{hint} : choisissez l'un des 101 codes de la "
        "liste déroulante (01 à 95, 2A, 2B, 971 à 974, 976)."
    )
    return Checked(None, (error("DEPARTEMENT_INCONNU", detail),))


def departement_name(code: str) -> str:
    """Name of a département code of :data:`CODES` (KeyError otherwise)."""
    return _NAMES[code]


def advisory_lock_key(code: str) -> int:
    """Distinct, stable integer of a département code, for pg advisory locks (KeyError if
    the code is not one of :data:`CODES`)."""
    return _LOCK_KEYS[code]
