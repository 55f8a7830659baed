"""Row rules of workbook 1 beyond single cells (IMPORT-FORMAT.md): pure, no database.

One function per rule, each returning its anomaly or None; `check_dispositif_row` runs them
all on a « Dispositifs » row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from service.imports.anomalies import Anomalie, anomaly, display
from service.imports.columns import DISPOSITIFS
from service.imports.normalise import IDENTIFIANT, NormalisedRow
from service.referentiels import nomenclature
from service.referentiels.checks import Severite

_E, _W = Severite.ERREUR, Severite.AVERTISSEMENT


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What the rules need to know of the submitter."""

    scope: frozenset[str] | None  # départements the submitter may write; None: national
    state_profile: bool  # may write capacité financée and financeurs

    def scope_label(self) -> str:
        return ", ".join(sorted(self.scope or ())) or "aucun département"


def _found(
    row: NormalisedRow, field: str, code: str, severite: Severite, detail: str, shown: object = None
) -> Anomalie:
    return anomaly(
        row.feuille,
        row.ligne,
        DISPOSITIFS.column(field).header,
        row.values.get(field) if shown is None else shown,
        code,
        severite,
        detail,
        row.departement(),
    )


def out_of_scope(row: NormalisedRow, ctx: RuleContext) -> Anomalie | None:
    dep = row.values.get("departement")
    if not dep or ctx.scope is None or dep in ctx.scope:
        return None
    return _found(
        row,
        "departement",
        "HORS_PERIMETRE",
        _E,
        f"est hors de votre périmètre : vous ne pouvez importer que pour le {ctx.scope_label()}.",
    )


def capacity_forbidden(row: NormalisedRow, ctx: RuleContext) -> Anomalie | None:
    type_code = row.values.get("type_code")
    record = nomenclature.TYPES_BY_CODE.get(type_code) if type_code else None
    if record is None or row.values.get("capacite_financee") is None:
        return None
    if nomenclature.carries_capacity(record):
        return None
    return _found(
        row,
        "capacite_financee",
        "CAPACITE_INTERDITE",
        _E,
        f"n'est pas permise : un dispositif de {record.categorie_libelle} ({record.libelle}) "
        "n'a pas de capacité ; videz la cellule.",
    )


def closing_before_opening(row: NormalisedRow, ctx: RuleContext) -> Anomalie | None:
    opening, closing = row.values.get("date_ouverture"), row.values.get("date_fermeture")
    if not (opening and closing and closing < opening):  # ISO dates compare as text
        return None
    return _found(
        row,
        "date_fermeture",
        "DATES_INCOHERENTES",
        _E,
        f"précède la date d'ouverture ({display(date.fromisoformat(opening))}) : corrigez l'une "
        "des deux.",
        date.fromisoformat(closing),
    )


def siret_of_another_entite(row: NormalisedRow, ctx: RuleContext) -> Anomalie | None:
    siret, siren = row.values.get("siret"), row.values.get("siren")
    if not (siret and siren) or siret.startswith(siren):
        return None
    return _found(
        row,
        "siret",
        "SIRET_AUTRE_ENTITE",
        _W,
        f"n'appartient pas à l'entité {siren} (ses 9 premiers chiffres diffèrent) : vérifiez "
        "qu'il s'agit bien de l'établissement du dispositif.",
    )


def identifiant_of_another_departement(row: NormalisedRow, ctx: RuleContext) -> Anomalie | None:
    identifiant, dep = row.values.get("identifiant"), row.values.get("departement")
    match = IDENTIFIANT.fullmatch(identifiant) if identifiant else None
    if not (match and dep) or match.group(1) == dep:
        return None
    return _found(
        row,
        "identifiant",
        "IDENTIFIANT_INVALIDE",
        _E,
        f"appartient au département {match.group(1)}, pas au {dep} : un dispositif ne change "
        "pas de département ; créez-en un nouveau (identifiant vide).",
    )


DISPOSITIF_ROW_RULES: tuple[Callable[[NormalisedRow, RuleContext], Anomalie | None], ...] = (
    out_of_scope,
    capacity_forbidden,
    closing_before_opening,
    siret_of_another_entite,
    identifiant_of_another_departement,
)


def check_dispositif_row(row: NormalisedRow, ctx: RuleContext) -> list[Anomalie]:
    return [found for rule in DISPOSITIF_ROW_RULES if (found := rule(row, ctx)) is not None]
