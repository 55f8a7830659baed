"""What the capacity report says (API, CLI, console, workbook): French field names, ASCII machine
values. Each figure is in the unit of the type's capacity (places, logements, mesures); mesures
types have no groupes de places, so their places installées, occupées, taux and écart are
« sans objet » (null)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Unite = Literal["places", "logements", "mesures"]
StatutBascule = Literal["bascule", "non_bascule"]

LIBELLES_STATUT = {"bascule": "basculé", "non_bascule": "non basculé"}
SANS_OBJET = "sans objet"


class Chiffres(BaseModel):
    """The figures of a set of open dispositifs of one unit."""

    unite: Unite = Field(description="L'unité de la capacité du type : places, logements, mesures.")
    dispositifs: int = Field(description="Dispositifs ouverts comptés.")
    capacite_financee: int = Field(description="Somme des capacités financées renseignées.")
    capacite_non_renseignee: int = Field(
        description="Dispositifs dont la capacité financée n'est pas renseignée (comptés 0)."
    )
    places_installees: int | None = Field(
        description="Somme des places des groupes de places actifs ; null : sans objet (mesures)."
    )
    places_occupees: int | None = Field(
        description="Somme des places occupées de ces groupes ; null : sans objet (mesures)."
    )
    taux_occupation: float | None = Field(
        description="Places occupées / places installées (0.87 = 87 %) ; null : sans objet, ou "
        "aucune place installée."
    )
    ecart: int | None = Field(
        description="Capacité financée − places installées ; null : sans objet (mesures)."
    )
    sans_objet: bool = Field(description="Type de mesures : pas de groupes de places.")


class CapaciteDispositif(BaseModel):
    identifiant: str
    nom: str
    departement: str
    type_code: str
    type_libelle: str
    categorie_code: str
    categorie_libelle: str
    unite: Unite
    capacite_financee: int | None = Field(description="Null : non renseignée.")
    groupes: int = Field(description="Groupes de places actifs du dispositif.")
    places_installees: int | None
    places_occupees: int | None
    taux_occupation: float | None
    ecart: int | None = Field(description="Null : sans objet, ou capacité non renseignée.")
    sans_objet: bool


class CapaciteType(Chiffres):
    type_code: str
    type_libelle: str
    categorie_code: str
    categorie_libelle: str


class CapaciteCategorie(Chiffres):
    categorie_code: str
    categorie_libelle: str


class CapaciteDepartement(BaseModel):
    """One département of the scope: its totals per unit, none when it is not switched."""

    departement: str
    nom: str
    statut: StatutBascule
    libelle_statut: str = Field(description="« basculé » ou « non basculé ».")
    bascule_le: datetime | None
    totaux: list[Chiffres]


class RapportDepartement(BaseModel):
    """Capacité financée vs occupation of one département (empty while it is not switched)."""

    departement: str
    nom: str
    statut: StatutBascule
    libelle_statut: str
    bascule_le: datetime | None
    dispositifs: list[CapaciteDispositif]
    types: list[CapaciteType]
    categories: list[CapaciteCategorie]
    totaux: list[Chiffres] = Field(description="Le département, par unité.")


class RapportNational(BaseModel):
    """Capacité financée vs occupation of the caller's scope (the 101 départements for the
    national team): the switched ones count, the others are listed « non basculé »."""

    departements_bascules: int
    departements: list[CapaciteDepartement]
    types: list[CapaciteType]
    categories: list[CapaciteCategorie]
    totaux: list[Chiffres] = Field(description="Le périmètre entier, par unité.")
