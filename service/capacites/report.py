"""The capacity report of one département or of a scope of départements, from the queries of
service/capacites/queries.py: taux d'occupation and écart computed here, levels in the order of
the nomenclature."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from service.capacites import queries
from service.capacites.queries import EtatDepartement, Niveau
from service.capacites.schemas import (
    LIBELLES_STATUT,
    CapaciteCategorie,
    CapaciteDepartement,
    CapaciteDispositif,
    CapaciteType,
    Chiffres,
    RapportDepartement,
    RapportNational,
)
from service.referentiels.nomenclature import TYPES_BY_CODE
from service.referentiels.reference_data import categories, types

MESURES = "mesures"  # their types have no groupes de places
_TYPE_ORDER = {t.code: i for i, t in enumerate(types())}
_CATEGORIES = dict(categories())
_CATEGORIE_ORDER = {code: i for i, code in enumerate(_CATEGORIES)}
_UNIT_ORDER = {"places": 0, "logements": 1, MESURES: 2}


def taux(occupees: int, installees: int) -> float | None:
    """Places occupées / places installées, None when nothing is installed."""
    return round(occupees / installees, 4) if installees else None


def chiffres(n: Niveau) -> dict[str, Any]:
    sans_objet = n.unite == MESURES
    return {
        "unite": n.unite,
        "dispositifs": n.dispositifs,
        "capacite_financee": n.financee,
        "capacite_non_renseignee": n.non_renseignees,
        "places_installees": None if sans_objet else n.installees,
        "places_occupees": None if sans_objet else n.occupees,
        "taux_occupation": None if sans_objet else taux(n.occupees, n.installees),
        "ecart": None if sans_objet else n.financee - n.installees,
        "sans_objet": sans_objet,
    }


def dispositif(row: dict[str, Any]) -> CapaciteDispositif:
    record = TYPES_BY_CODE[row["type_code"]]
    sans_objet = row["unite"] == MESURES
    financee = row["capacite_financee"]
    return CapaciteDispositif(
        identifiant=row["identifiant"],
        nom=row["nom"],
        departement=row["departement"],
        type_code=record.code,
        type_libelle=record.libelle,
        categorie_code=record.categorie_code,
        categorie_libelle=record.categorie_libelle,
        unite=row["unite"],
        capacite_financee=financee,
        groupes=row["groupes"],
        places_installees=None if sans_objet else row["installees"],
        places_occupees=None if sans_objet else row["occupees"],
        taux_occupation=None if sans_objet else taux(row["occupees"], row["installees"]),
        ecart=None if sans_objet or financee is None else financee - row["installees"],
        sans_objet=sans_objet,
    )


def _types(levels: Sequence[Niveau]) -> list[CapaciteType]:
    found = []
    for n in sorted(
        (n for n in levels if n.type_code), key=lambda n: _TYPE_ORDER[n.type_code or ""]
    ):
        record = TYPES_BY_CODE[n.type_code or ""]
        found.append(
            CapaciteType(
                **chiffres(n),
                type_code=record.code,
                type_libelle=record.libelle,
                categorie_code=record.categorie_code,
                categorie_libelle=record.categorie_libelle,
            )
        )
    return found


def _categories(levels: Sequence[Niveau]) -> list[CapaciteCategorie]:
    rows = [n for n in levels if n.categorie_code and not n.type_code]
    return [
        CapaciteCategorie(
            **chiffres(n),
            categorie_code=n.categorie_code or "",
            categorie_libelle=_CATEGORIES[n.categorie_code or ""],
        )
        for n in sorted(rows, key=lambda n: _CATEGORIE_ORDER[n.categorie_code or ""])
    ]


def _totaux(levels: Sequence[Niveau], departement: str | None = None) -> list[Chiffres]:
    rows = [
        n
        for n in levels
        if n.departement == departement and n.categorie_code is None and n.type_code is None
    ]
    return [Chiffres(**chiffres(n)) for n in sorted(rows, key=lambda n: _UNIT_ORDER[n.unite])]


def _state(etat: EtatDepartement) -> dict[str, Any]:
    statut = "bascule" if etat.bascule else "non_bascule"
    return {
        "departement": etat.code,
        "nom": etat.nom,
        "statut": statut,
        "libelle_statut": LIBELLES_STATUT[statut],
        "bascule_le": etat.bascule_le,
    }


def rapport_departement(
    session: Session, code: str, today: date | None = None
) -> RapportDepartement:
    today = today or date.today()
    (etat,) = queries.departements(session, [code])
    if not etat.bascule:
        return RapportDepartement(
            **_state(etat), dispositifs=[], types=[], categories=[], totaux=[]
        )
    levels = queries.niveaux(session, [code], today)
    return RapportDepartement(
        **_state(etat),
        dispositifs=[dispositif(r) for r in queries.dispositifs(session, [code], today)],
        types=_types(levels),
        categories=_categories(levels),
        totaux=_totaux(levels),
    )


def rapport_national(
    session: Session, codes: Sequence[str], today: date | None = None
) -> RapportNational:
    """The report of ``codes`` (the caller's scope): every level but the dispositifs."""
    today = today or date.today()
    etats = queries.departements(session, codes)
    levels = queries.niveaux(session, [e.code for e in etats if e.bascule], today)
    return RapportNational(
        departements_bascules=sum(1 for e in etats if e.bascule),
        departements=[
            CapaciteDepartement(**_state(e), totaux=_totaux(levels, e.code) if e.bascule else [])
            for e in etats
        ],
        types=_types(levels),
        categories=_categories(levels),
        totaux=_totaux(levels),
    )


def dispositifs_du_perimetre(
    session: Session, codes: Sequence[str], today: date | None = None
) -> list[CapaciteDispositif]:
    """The open dispositifs of the switched départements among ``codes`` (national workbook)."""
    return [dispositif(r) for r in queries.dispositifs(session, codes, today or date.today())]
