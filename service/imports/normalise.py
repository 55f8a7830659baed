"""Cell normalisation: one raw row (values as python-calamine reads them) → typed values + issues.

Values come out JSON-ready, as they are staged in Postgres: text, int, ISO date, lists.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from service.imports.anomalies import Anomalie, from_issue
from service.imports.columns import Column, Kind, Sheet
from service.referentiels import dates, departements, identifiers, nomenclature, text
from service.referentiels.checks import Checked, Issue, Severite, error
from service.referentiels.listes import FINANCEURS, FORMES_JURIDIQUES, PUBLICS
from service.referentiels.suggestions import KnownValues, did_you_mean
from service.referentiels.text import has_forbidden_chars

IDENTIFIANT = re.compile(r"DSP-([0-9]{2}|2[AB]|97[0-9])-([0-9]{6})")
_LIST_SEPARATORS = re.compile(r"[;,\r\n]+")
_ASCII_INT = re.compile(r"[0-9]{1,18}")


@dataclass(slots=True)
class NormalisedRow:
    feuille: str
    ligne: int
    values: dict[str, Any] = field(default_factory=dict)
    anomalies: list[Anomalie] = field(default_factory=list)

    @property
    def has_error(self) -> bool:
        return any(a.blocking for a in self.anomalies)

    def departement(self) -> str | None:
        value = self.values.get("departement")
        return value if isinstance(value, str) else None


def _text(raw: object, column: Column) -> Checked[str]:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, bool):
        raw = "Oui" if raw else "Non"
    if isinstance(raw, datetime | date | time):
        raw = raw.isoformat()
    if isinstance(raw, timedelta):  # a duration cell: keep what the user sees, not seconds
        raw = str(raw)
    value = str(raw).strip()
    if column.max_length and len(value) > column.max_length:
        return Checked(
            None,
            (
                error(
                    "TEXTE_TROP_LONG",
                    f"dépasse {column.max_length} caractères ({len(value)}) : raccourcissez-le.",
                ),
            ),
        )
    return Checked(value or None)


def _identifiant(raw: object) -> Checked[str]:
    value = str(raw).strip().upper().replace(" ", "")
    match = IDENTIFIANT.fullmatch(value)
    if match is None or match.group(1) not in departements.CODES:
        return Checked(
            None,
            (
                error(
                    "IDENTIFIANT_INVALIDE",
                    "n'est pas un identifiant de dispositif (forme DSP-75-000123). Laissez la "
                    "cellule vide pour un nouveau dispositif ou recopiez l'identifiant exporté.",
                ),
            ),
        )
    return Checked(value)


def _legacy_ids(raw: object) -> Checked[list[int]]:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    parts = [p.strip() for p in _LIST_SEPARATORS.split(str(raw)) if p.strip()]
    bad = [p for p in parts if not _ASCII_INT.fullmatch(p)]
    if bad:
        subject = f"contient « {bad[0]} », qui n'est" if len(parts) > 1 else "n'est"
        return Checked(
            None,
            (
                error(
                    "NOMBRE_INVALIDE",
                    f"{subject} pas un identifiant de structure SI SIAO (un nombre entier) : "
                    "séparez les identifiants par « ; ».",
                ),
            ),
        )
    return Checked(sorted({int(p) for p in parts}))


def _type(raw: object) -> Checked[str]:
    found = nomenclature.find_type(raw)
    return Checked(found.value.code if found.value else None, found.issues)


def _date(raw: object) -> Checked[str]:
    found = dates.check_date(raw)
    return Checked(found.value.isoformat() if found.value else None, found.issues)


_CHECKS: dict[Kind, Callable[[object], Checked[Any]]] = {
    Kind.SIREN: identifiers.check_siren,
    Kind.SIRET: identifiers.check_siret,
    Kind.FINESS: identifiers.check_finess,
    Kind.FINESS_LIST: identifiers.check_finess_list,
    Kind.RNA: identifiers.check_rna,
    Kind.CODE_POSTAL: identifiers.check_code_postal,
    Kind.CODE_COMMUNE: identifiers.check_code_commune,
    Kind.TELEPHONE: identifiers.check_telephone,
    Kind.EMAIL: lambda raw: identifiers.check_email(raw, nominative=False),
    Kind.EMAIL_NOMINATIVE: lambda raw: identifiers.check_email(raw, nominative=True),
    Kind.DEPARTEMENT: departements.check_departement,
    Kind.TYPE: _type,
    Kind.FORME_JURIDIQUE: lambda raw: nomenclature.check_choice(raw, FORMES_JURIDIQUES),
    Kind.FINANCEURS: lambda raw: nomenclature.check_list(raw, FINANCEURS, "Financeurs"),
    Kind.PUBLICS: lambda raw: nomenclature.check_list(raw, PUBLICS, "Publics accueillis"),
    Kind.INTEGER: dates.check_integer,
    Kind.DATE: _date,
    Kind.IDENTIFIANT: _identifiant,
    Kind.LEGACY_IDS: _legacy_ids,
}

_EMPTY_LISTS = frozenset((Kind.FINESS_LIST, Kind.FINANCEURS, Kind.PUBLICS, Kind.LEGACY_IDS))
# Values that repeat across rows (the same SIREN on every dispositif of an entité, a few hundred
# codes postaux, the closed lists, the dates) are checked once each. Mostly unique ones are
# checked every time: caching them would cost memory for almost no hit.
_UNIQUE = frozenset(
    (
        Kind.SIRET,
        Kind.TELEPHONE,
        Kind.CODE_COMMUNE,
        Kind.EMAIL_NOMINATIVE,
        Kind.RNA,
        Kind.IDENTIFIANT,
        Kind.LEGACY_IDS,
    )
)
# Per kind; a cache that is full is emptied, so that a long-lived worker keeps little.
_CACHE_SIZE = 1 << 14
_CACHES: dict[tuple[Kind, int | None], dict[object, Checked[Any]]] = {}
_FORBIDDEN: Checked[Any] = Checked(
    None,
    (
        error(
            "CARACTERE_INTERDIT",
            "contient un caractère de contrôle invisible (NUL, saut de page…) : "
            "retapez la valeur au clavier.",
        ),
    ),
)
_REQUIRED = Issue(
    "VALEUR_OBLIGATOIRE",
    Severite.ERREUR,
    "la cellule est vide, or cette colonne est obligatoire : renseignez-la.",
)


def clear_caches() -> None:
    """Forget the values checked so far (and the folded texts): what an analysis calls when it
    ends, so that an idle worker does not keep the last file's values."""
    for cache in _CACHES.values():
        cache.clear()
    text.clear_caches()


def _is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _check(column: Column, raw: object) -> Checked[Any]:
    """A cell that is not blank."""
    # isprintable() is false for every forbidden character and cheaper than the search.
    if isinstance(raw, str) and not raw.isprintable() and has_forbidden_chars(raw):
        return _FORBIDDEN
    if column.kind is Kind.TEXT:
        return _text(raw, column)
    checked = _CHECKS[column.kind](raw)
    if (
        isinstance(checked.value, str)
        and column.max_length
        and len(checked.value) > column.max_length
    ):
        return _text(checked.value, column)
    return checked


def _remember(cache: dict[object, Checked[Any]], key: object, column: Column, raw: object) -> Any:
    """Check a value not cached yet, and cache it. Lists are kept as tuples: the result is
    shared by every row with that value, and each row gets its own list (normalise_row)."""
    checked = _check(column, raw)
    if isinstance(checked.value, list):
        checked = Checked(tuple(checked.value), checked.issues)
    if len(cache) >= _CACHE_SIZE:
        cache.clear()
    cache[key] = checked
    return checked


# One per column: (field, column, cache of checked values or None, blank value is a list,
# longest free text or 0 for a column that is not free text, required).
_Step = tuple[str, Column, dict[object, Checked[Any]] | None, bool, int, bool]
_PLANS: dict[int, tuple[Sheet, tuple[_Step, ...]]] = {}
_ABSENT = object()


def _plan(sheet: Sheet) -> tuple[_Step, ...]:
    # By identity: hashing a Sheet hashes all its columns, on every row.
    known = _PLANS.get(id(sheet))
    if known is None or known[0] is not sheet:
        steps = tuple(
            (
                c.field,
                c,
                None
                if c.kind is Kind.TEXT or c.kind in _UNIQUE
                else _CACHES.setdefault((c.kind, c.max_length), {}),
                c.kind in _EMPTY_LISTS,
                (c.max_length or sys.maxsize) if c.kind is Kind.TEXT else 0,
                c.required,
            )
            for c in sheet.columns
        )
        known = _PLANS[id(sheet)] = (sheet, steps)
    return known[1]


def normalise_row(
    sheet: Sheet, ligne: int, cells: Mapping[str, object], known: KnownValues | None = None
) -> NormalisedRow:
    """``cells`` holds the columns present in the file only: absent columns stay untouched.
    ``known``: SIRENs and e-mails already known, to suggest the one a typo was meant to be."""
    values: dict[str, Any] = {}
    # (column, raw, issue): anomalies are built at the end, once the row's département is known,
    # and only for the rows that have any.
    found: list[tuple[Column, object, Issue]] | None = None
    for name, column, cache, is_list, text_max, required in _plan(sheet):
        raw = cells.get(name, _ABSENT)
        if raw is _ABSENT:
            continue
        if raw is None or (isinstance(raw, str) and (not raw or raw.isspace())):
            values[name] = [] if is_list else None
            if required:
                found = [*(found or ()), (column, raw, _REQUIRED)]
            continue
        if cache is not None:
            # The type is part of the key: True == 1 == 1.0 would otherwise share a result.
            key = raw if raw.__class__ is str else (raw.__class__, raw)
            checked = cache.get(key) or _remember(cache, key, column, raw)
        elif text_max and raw.__class__ is str and raw.isprintable():
            # Free text whose characters are all printable (no control character, no lone
            # surrogate): only its length is checked, the common case.
            text_value: str = raw.strip()
            if len(text_value) <= text_max:
                values[name] = text_value
                continue
            checked = _check(column, raw)
        else:
            checked = _check(column, raw)
        value = checked.value
        values[name] = list(value) if value.__class__ is tuple else value
        if checked.issues:
            found = [*(found or ()), *((column, raw, issue) for issue in checked.issues)]
    row = NormalisedRow(sheet.name, ligne, values)
    if found:
        row.anomalies = _anomalies(row, found, known)
    return row


def _anomalies(
    row: NormalisedRow, found: list[tuple[Column, object, Issue]], known: KnownValues | None
) -> list[Anomalie]:
    dep = row.departement() or None
    anomalies = [
        from_issue(row.feuille, row.ligne, column.header, raw, issue, dep)
        for column, raw, issue in found
    ]
    if known is not None:
        anomalies = [_with_suggestion(a, known) for a in anomalies]
    return anomalies


def _with_suggestion(found: Anomalie, known: KnownValues) -> Anomalie:
    if found.code == "SIREN_INVALIDE":
        meant = known.siren(found.valeur)
    elif found.code == "COURRIEL_INVALIDE":
        meant = known.email(found.valeur)
    else:
        return found
    return replace(found, message=found.message + did_you_mean(meant)) if meant else found
