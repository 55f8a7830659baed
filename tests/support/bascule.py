"""Builders of the Temps 2 matching's plain inputs, with plausible defaults."""

from __future__ import annotations

from typing import Any

from service.bascule.model import LegacyAccount, LegacyGroupe, LegacyStructure, OffreDispositif

SIREN = "732829320"
SIRET = "73282932000074"


def structure(id: int = 1, **kw: Any) -> LegacyStructure:
    values: dict[str, Any] = {
        "nom": "CHRS Le Relais",
        "departement": "93",
        "type_code": 400,
        "siret": SIRET,
        "finess": None,
        "adresse": "12 rue Jean Jaurès",
        "code_postal": "93000",
        "commune": "Bobigny",
        "entite_id": 1,
        "entite_nom": "Association Le Relais",
        "entite_siren": SIREN,
    }
    return LegacyStructure(id=id, **{**values, **kw})


def groupe(id: int = 10, structure_id: int = 1, **kw: Any) -> LegacyGroupe:
    values: dict[str, Any] = {
        "libelle": "Places d'insertion – Homme seul",
        "type_place": "insertion",
        "public": "Homme seul",
        "nb_places": 10,
    }
    return LegacyGroupe(id=id, structure_id=structure_id, **{**values, **kw})


def dispositif(identifiant: str = "DSP-93-000001", **kw: Any) -> OffreDispositif:
    values: dict[str, Any] = {
        "siren": SIREN,
        "nom": "CHRS Le Relais",
        "type_code": "HEB_CHRS",
        "departement": "93",
        "siret": None,
        "adresse": None,
        "code_postal": None,
        "commune": None,
    }
    return OffreDispositif(identifiant=identifiant, **{**values, **kw})


def account(id: int = 100, *profils: str, **kw: Any) -> LegacyAccount:
    values: dict[str, Any] = {
        "email": f"agent{id}@siao93.fr",
        "nom": f"Nom{id}",
        "prenom": "Camille",
        "departement": "93",
        "structure_id": None,
        "actif": True,
    }
    return LegacyAccount(id=id, profils=profils or ("ECOUTANT",), **{**values, **kw})
