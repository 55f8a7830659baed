"""The project's copy of the reference data (nomenclature, départements, profils), as records.

The CSV files live in ``data/`` inside the package so that migrations, the API and workers find
them from any folder.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class TypeRecord:
    categorie_code: str
    categorie_libelle: str
    code: str
    libelle: str
    offre: str  # places | logements | mesures | prestations | aucune
    unite_capacite: str | None
    orientable: bool
    finess_categories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DepartementRecord:
    code: str
    nom: str
    region: str


@dataclass(frozen=True, slots=True)
class ProfilRecord:
    famille: str
    code: str
    libelle: str
    perimetre: str  # national | departement | entite | dispositif
    inclut: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProfilHistoriqueRecord:
    code: str
    libelle: str
    volet: str
    profil_cible: str
    rang: int


@dataclass(frozen=True, slots=True)
class CorrespondanceTypeRecord:
    """One reviewed pair legacy structure type → nomenclature type (data/types_historiques.csv)."""

    type_historique: int
    type_code: str
    principal: bool  # the usual successor; False: a successor met less often
    motif: str


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("service.referentiels").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines(), delimiter=";"))


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@cache
def types() -> tuple[TypeRecord, ...]:
    return tuple(
        TypeRecord(
            categorie_code=r["categorie_code"],
            categorie_libelle=r["categorie_libelle"],
            code=r["type_code"],
            libelle=r["type_libelle"],
            offre=r["offre"],
            unite_capacite=r["unite_capacite"] or None,
            orientable=r["orientable"] == "oui",
            finess_categories=_split(r["finess_categories"]),
        )
        for r in _rows("nomenclature.csv")
    )


@cache
def categories() -> tuple[tuple[str, str], ...]:
    """(code, libellé) of the catégories, in file order."""
    seen: dict[str, str] = {}
    for t in types():
        seen.setdefault(t.categorie_code, t.categorie_libelle)
    return tuple(seen.items())


@cache
def departements() -> tuple[DepartementRecord, ...]:
    return tuple(
        DepartementRecord(code=r["code"], nom=r["nom"], region=r["region"])
        for r in _rows("departements.csv")
    )


@cache
def profils() -> tuple[ProfilRecord, ...]:
    return tuple(
        ProfilRecord(
            famille=r["famille"],
            code=r["profil_code"],
            libelle=r["profil_libelle"],
            perimetre=r["perimetre"],
            inclut=_split(r["inclut"]),
        )
        for r in _rows("profils.csv")
    )


@cache
def profils_historiques() -> tuple[ProfilHistoriqueRecord, ...]:
    return tuple(
        ProfilHistoriqueRecord(
            code=r["profil_historique_code"],
            libelle=r["profil_historique_libelle"],
            volet=r["volet"],
            profil_cible=r["profil_cible_par_defaut"],
            rang=int(r["rang"]),
        )
        for r in _rows("profils_historiques.csv")
    )


@cache
def correspondances_types() -> tuple[CorrespondanceTypeRecord, ...]:
    return tuple(
        CorrespondanceTypeRecord(
            type_historique=int(r["type_historique"]),
            type_code=r["type_code"],
            principal=r["rang"] == "principal",
            motif=r["motif"],
        )
        for r in _rows("types_historiques.csv")
    )
