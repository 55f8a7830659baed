"""Row rules of workbook 1 beyond single cells (IMPORT-FORMAT.md): pure, no database."""

from __future__ import annotations

from dataclasses import dataclass

from service.imports.anomalies import Anomalie, anomaly
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


def _header(field: str) -> str:
    return DISPOSITIFS.column(field).header


def dispositif_rules(row: NormalisedRow, ctx: RuleContext) -> list[Anomalie]:
    v = row.values
    found: list[Anomalie] = []

    def add(field: str, code: str, severite: Severite, detail: str) -> None:
        found.append(
            anomaly(
                row.feuille,
                row.ligne,
                _header(field),
                v.get(field),
                code,
                severite,
                detail,
                row.departement(),
            )
        )

    dep = v.get("departement")
    if dep and ctx.scope is not None and dep not in ctx.scope:
        add(
            "departement",
            "HORS_PERIMETRE",
            _E,
            f"vous ne pouvez importer que pour le {ctx.scope_label()}.",
        )
    type_code = v.get("type_code")
    record = nomenclature.TYPES_BY_CODE.get(type_code) if type_code else None
    if (
        record
        and v.get("capacite_financee") is not None
        and not nomenclature.carries_capacity(record)
    ):
        add(
            "capacite_financee",
            "CAPACITE_INTERDITE",
            _E,
            f"un dispositif de {record.categorie_libelle} ({record.libelle}) n'a pas de "
            "capacité : videz la cellule.",
        )
    opening, closing = v.get("date_ouverture"), v.get("date_fermeture")
    if opening and closing and closing < opening:  # ISO dates compare as text
        add(
            "date_fermeture",
            "DATES_INCOHERENTES",
            _E,
            "la date de fermeture précède la date d'ouverture : corrigez l'une des deux.",
        )
    siret, siren = v.get("siret"), v.get("siren")
    if siret and siren and not siret.startswith(siren):
        add(
            "siret",
            "SIRET_AUTRE_ENTITE",
            _W,
            f"ce SIRET n'appartient pas à l'entité {siren} (ses 9 premiers chiffres "
            "diffèrent) : vérifiez qu'il s'agit bien de l'établissement du dispositif.",
        )
    identifiant = v.get("identifiant")
    match = IDENTIFIANT.fullmatch(identifiant) if identifiant else None
    if match and dep and match.group(1) != dep:
        add(
            "identifiant",
            "IDENTIFIANT_INVALIDE",
            _E,
            f"cet identifiant appartient au département {match.group(1)}, pas au {dep} : "
            "un dispositif ne change pas de département ; créez-en un nouveau (identifiant vide).",
        )
    return found
