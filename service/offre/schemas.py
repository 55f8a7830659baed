"""Screen entry: what the API accepts and answers for one entité or one dispositif.

Fields are named like the workbook's columns (service/imports/columns.py). Values are taken as
loosely as a spreadsheet cell (text or number, lists or « ; »-separated text): the import's own
rules judge them and answer with their codes, never a validation error of this model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Scalar = str | int | float | None
Liste = list[str] | str | None


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def given(self) -> dict[str, Any]:
        """The fields the caller sent (a PATCH changes those only; null empties a field)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class EntitePatch(_Body):
    raison_sociale: Scalar = None
    sigle: Scalar = None
    forme_juridique: Scalar = None
    adresse: Scalar = None
    code_postal: Scalar = None
    commune: Scalar = None
    code_commune: Scalar = None
    departement_siege: Scalar = None
    courriel: Scalar = None
    telephone: Scalar = None
    finess_ej: Scalar = None
    rna: Scalar = None


class EntiteIn(EntitePatch):
    siren: Scalar = Field(description="9 chiffres, clé de contrôle valide.")


class DispositifPatch(_Body):
    siren: Scalar = Field(None, description="SIREN de l'entité gestionnaire.")
    nom: Scalar = None
    type_code: Scalar = Field(None, description="Code (HEB_CHRS) ou libellé (« CHRS ») du type.")
    departement: Scalar = None
    siret: Scalar = None
    finess_et: Liste = None
    adresse: Scalar = None
    code_postal: Scalar = None
    commune: Scalar = None
    code_commune: Scalar = None
    capacite_financee: Scalar = Field(None, description="Réservée aux services de l'État.")
    financeurs: Liste = Field(None, description="Réservés aux services de l'État.")
    date_ouverture: Scalar = Field(None, description="JJ/MM/AAAA ou AAAA-MM-JJ.")
    date_fermeture: Scalar = Field(None, description="Fermer = renseigner cette date.")
    publics: Liste = None
    courriel_responsable: Scalar = None
    structures_historiques: list[int] | str | None = None


class DispositifIn(DispositifPatch):
    pass


class AnomalieSaisie(BaseModel):
    colonne: str = Field(description="Le champ concerné (nom du champ JSON).")
    valeur: str
    code: str = Field(description="Le code stable de l'import (IMPORT-FORMAT.md).")
    severite: str = Field(description="« erreur » ou « avertissement ».")
    message: str


class EntiteOut(BaseModel):
    siren: str
    raison_sociale: str
    sigle: str | None = None
    forme_juridique: str | None = None
    adresse: str | None = None
    code_postal: str | None = None
    commune: str | None = None
    code_commune: str | None = None
    departement_siege: str
    courriel: str | None = None
    telephone: str | None = None
    finess_ej: str | None = None
    rna: str | None = None
    modifie_le: datetime | None = None
    job_id: int | None = Field(None, description="Le job « saisie_offre » de cette écriture.")
    avertissements: list[AnomalieSaisie] = Field(default_factory=list)


class DispositifOut(BaseModel):
    identifiant: str = Field(description="DSP-<département>-<6 chiffres>, attribué par le service.")
    siren: str = Field(description="SIREN de l'entité gestionnaire.")
    nom: str
    type_code: str
    departement: str
    siret: str | None = None
    finess_et: list[str] = Field(default_factory=list)
    adresse: str | None = None
    code_postal: str | None = None
    commune: str | None = None
    code_commune: str | None = None
    capacite_financee: int | None = None
    financeurs: list[str] = Field(default_factory=list)
    date_ouverture: str | None = None
    date_fermeture: str | None = None
    publics: list[str] = Field(default_factory=list)
    courriel_responsable: str | None = None
    structures_historiques: list[int] = Field(default_factory=list)
    modifie_le: datetime | None = None
    job_id: int | None = Field(None, description="Le job « saisie_offre » de cette écriture.")
    avertissements: list[AnomalieSaisie] = Field(default_factory=list)


class Changement(BaseModel):
    avant: Any = None
    apres: Any = None


class HistoriqueEntree(BaseModel):
    date: datetime
    job_id: int
    type: str
    libelle_type: str
    action: str = Field(description="creation, modification, inchange ou fermeture.")
    par: str | None = Field(None, description="Courriel de la personne.")
    changements: dict[str, Changement] = Field(default_factory=dict)
    annule_par: int | None = Field(None, description="Le retour arrière qui l'a annulé.")


class GroupePlacesOut(BaseModel):
    """A groupe de places of the module (moved from SI SIAO by the bascule, Temps 3)."""

    id: int = Field(description="L'identifiant SI SIAO du groupe, gardé à la bascule.")
    dispositif: str = Field(description="L'identifiant du dispositif qui le porte.")
    libelle: str
    nb_places: int = Field(description="Places (ou logements pour un type de logement).")
    places_occupees: int = Field(description="Tenues à jour par les autres modules de SI SIAO.")
    type_place: str
    publics: list[str] = Field(default_factory=list)
    equipements: list[str] = Field(default_factory=list)
    configuration: str | None = None
    adresse: str | None = None
    code_postal: str | None = None
    commune: str | None = None
    actif: bool = True


class DispositifDetail(DispositifOut):
    historique: list[HistoriqueEntree] = Field(default_factory=list)
    groupes: list[GroupePlacesOut] = Field(
        default_factory=list, description="Ses groupes de places (départements basculés)."
    )


class EntiteDetail(EntiteOut):
    dispositifs: list[DispositifOut] = Field(description="Ses dispositifs dans votre périmètre.")
