"""What the API and the live events say about a job: the same figures for JSON polling and for
server-sent events. Field names are French, like the API (ARCHITECTURE.md §5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.jobs.enums import Etape, Statut


class Compteurs(BaseModel):
    lignes: int = Field(0, description="Lignes lues (fichier entier pour le job).")
    traitees: int = Field(0, description="Lignes déjà analysées.")
    erreurs: int = 0
    avertissements: int = 0
    creations: int = 0
    modifications: int = 0
    inchanges: int = 0
    fermetures: int = 0


class DepartementFigures(Compteurs):
    """One département's unit: what users watch as a progress bar."""

    model_config = ConfigDict(from_attributes=True)

    departement: str
    statut: Statut
    debut: datetime | None = None
    fin: datetime | None = None
    message: str | None = None
    retour_arriere_job_id: int | None = Field(
        None, description="Le job qui a annulé ce département, s'il y en a un."
    )


class JobFigures(Compteurs):
    """A job and its per-département units. Kinds extend it with their own figures."""

    id: int
    type: str
    libelle_type: str = Field(description="Le type de job, en clair.")
    statut: Statut
    libelle_statut: str = Field(description="Le statut, en clair (avec ses accents).")
    etape: Etape
    soumis_par: str | None = Field(None, description="Courriel de la personne qui l'a soumis.")
    cree_le: datetime
    debut: datetime | None = None
    fin: datetime | None = None
    message: str | None = None
    options: dict[str, Any]
    job_source_id: int | None = Field(None, description="Le job que celui-ci annule.")
    retour_arriere_job_id: int | None = Field(None, description="Le job qui a annulé celui-ci.")
    departements: list[DepartementFigures]


class AnomalieOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    feuille: str
    ligne: int = Field(description="Ligne du tableur (en-tête = ligne 1 ; 0 : le fichier).")
    colonne: str
    valeur: str
    code: str
    severite: str = Field(description="« erreur » ou « avertissement ».")
    message: str
    departement: str | None = None


class Changement(BaseModel):
    avant: Any = None
    apres: Any = None


class PlanItem(BaseModel):
    """One planned change: created (``valeurs``), updated (``changements``: ancien → nouveau),
    closed… (an import's unchanged rows are only counted)."""

    feuille: str
    ligne: int | None
    departement: str | None
    action: str
    cle: str
    identifiant: str | None = None
    changements: dict[str, Changement] = Field(default_factory=dict)
    valeurs: dict[str, Any] | None = None


class RetourPartie(BaseModel):
    departement: str | None = Field(description="None : la partie nationale (les entités).")
    a_restaurer: int = Field(description="Lignes remises dans leur état d'avant le job.")
    a_supprimer: int = Field(description="Lignes créées par le job, supprimées.")


class RetourApercu(BaseModel):
    """What a revert of a job would restore, and what changed since (refused unless forced)."""

    job_source_id: int
    job_entier: bool
    parties: list[RetourPartie]
    modifications_depuis: list[str] = Field(
        description="Ce que d'autres jobs ont modifié depuis : le retour est alors refusé, "
        "sauf s'il est forcé par l'administration nationale."
    )
    retour_arriere_job_id: int | None = Field(
        None, description="Le retour arrière déjà demandé pour cette partie, s'il existe."
    )
