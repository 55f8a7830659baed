"""Entités and dispositifs as the API shows them: the fields users describe, French names."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


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
    modifie_le: datetime


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
    date_ouverture: date | None = None
    date_fermeture: date | None = None
    publics: list[str] = Field(default_factory=list)
    courriel_responsable: str | None = None
    structures_historiques: list[int] = Field(default_factory=list)
    modifie_le: datetime


class EntiteDetail(EntiteOut):
    dispositifs: list[DispositifOut] = Field(description="Ses dispositifs dans votre périmètre.")
