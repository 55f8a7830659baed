"""Cell normalisation: one raw row (values as python-calamine reads them) → typed values + issues.

Values come out JSON-ready, as they are staged in Postgres: text, int, ISO date, lists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from service.imports.anomalies import Anomalie, anomaly, from_issue
from service.imports.columns import Column, Kind, Sheet
from service.referentiels import dates, departements, identifiers, nomenclature
from service.referentiels.checks import Checked, Severite, error
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

_EMPTY_LISTS = (Kind.FINESS_LIST, Kind.FINANCEURS, Kind.PUBLICS, Kind.LEGACY_IDS)


def _is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


@lru_cache(maxsize=1 << 14)
def _checked(kind: Kind, raw_type: str, raw: object) -> Checked[Any]:
    """Identifiers and closed-list values repeat across rows (the same SIREN on every
    dispositif of an entité): each distinct value is checked once. List results are frozen
    as tuples here and thawed by the caller, so that no row shares a list with another."""
    checked = _CHECKS[kind](raw)
    if isinstance(checked.value, list):
        return Checked(tuple(checked.value), checked.issues)
    return checked


def normalise_cell(column: Column, raw: object) -> Checked[Any]:
    if _is_blank(raw):
        return Checked([] if column.kind in _EMPTY_LISTS else None)
    if isinstance(raw, str) and has_forbidden_chars(raw):
        return Checked(
            None,
            (
                error(
                    "CARACTERE_INTERDIT",
                    "contient un caractère de contrôle invisible (NUL, saut de page…) : "
                    "retapez la valeur au clavier.",
                ),
            ),
        )
    if column.kind is Kind.TEXT:
        return _text(raw, column)
    # The type is part of the key: True == 1 == 1.0 would otherwise share a result.
    checked = _checked(column.kind, type(raw).__name__, raw)
    if isinstance(checked.value, tuple):
        checked = Checked(list(checked.value), checked.issues)
    if (
        isinstance(checked.value, str)
        and column.max_length
        and len(checked.value) > column.max_length
    ):
        return _text(checked.value, column)
    return checked


def normalise_row(
    sheet: Sheet, ligne: int, cells: Mapping[str, object], known: KnownValues | None = None
) -> NormalisedRow:
    """``cells`` holds the columns present in the file only: absent columns stay untouched.
    ``known``: SIRENs and e-mails already known, to suggest the one a typo was meant to be."""
    row = NormalisedRow(sheet.name, ligne)
    for column in sheet.columns:
        if column.field not in cells:
            continue
        raw = cells[column.field]
        checked = normalise_cell(column, raw)
        row.values[column.field] = checked.value
        row.anomalies.extend(
            from_issue(sheet.name, ligne, column.header, raw, issue) for issue in checked.issues
        )
        if column.required and _is_blank(raw):
            row.anomalies.append(
                anomaly(
                    sheet.name,
                    ligne,
                    column.header,
                    raw,
                    "VALEUR_OBLIGATOIRE",
                    Severite.ERREUR,
                    "la cellule est vide, or cette colonne est obligatoire : renseignez-la.",
                )
            )
    if known is not None:
        row.anomalies = [_with_suggestion(a, known) for a in row.anomalies]
    dep = row.departement()
    if dep:
        row.anomalies = [replace(a, departement=dep) for a in row.anomalies]
    return row


def _with_suggestion(found: Anomalie, known: KnownValues) -> Anomalie:
    if found.code == "SIREN_INVALIDE":
        meant = known.siren(found.valeur)
    elif found.code == "COURRIEL_INVALIDE":
        meant = known.email(found.valeur)
    else:
        return found
    return replace(found, message=found.message + did_you_mean(meant)) if meant else found
