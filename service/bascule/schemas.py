"""What the API answers about the bascule (French field names, ASCII machine values)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from service.bascule.preflight import LIBELLES, Preparation

ITEMS_SHOWN = 200  # items of one blocker in the detail (the count says how many in all)


class PreparationDepartement(BaseModel):
    departement: str
    nom: str
    statut: Literal["pret", "bloque", "bascule"] = Field(
        description="« pret » : rien ne bloque ; « bloque » : voir « bloquants » ; "
        "« bascule » : déjà basculé."
    )
    bloquants: dict[str, int] = Field(description="Nombre d'éléments bloquants, par code.")
    groupes: int = Field(
        description="Groupes de places historiques actifs (basculé : groupes dans le module)."
    )
    utilisateurs: int = Field(
        description="Comptes historiques actifs (basculé : comptes migrés ou liés)."
    )
    bascule_le: datetime | None = None
    job_id: int | None = Field(None, description="Le job de bascule, une fois basculé.")


class PreparationNationale(BaseModel):
    items: list[PreparationDepartement]
    total: int
    resume: dict[str, int] = Field(description="Départements par statut.")


class ElementBloquant(BaseModel):
    id: int | None = Field(description="Groupe de places, compte historique ou job concerné.")
    message: str


class Bloquant(BaseModel):
    code: str
    libelle: str
    total: int
    elements: list[ElementBloquant] = Field(
        description=f"Les {ITEMS_SHOWN} premiers éléments (« total » les compte tous)."
    )


class PreparationDetail(PreparationDepartement):
    details: list[Bloquant]
    detail_groupes: dict[str, int] = Field(
        description="Groupes actifs, rattachés, exclus, à décider ; inactifs."
    )
    detail_utilisateurs: dict[str, int] = Field(
        description="Comptes actifs, migrés, liés, désactivés, à décider ; inactifs."
    )


def item_out(p: Preparation, nom: str, counts: tuple[int, int] | None = None) -> dict:
    """``counts``: (groupes, comptes) in the module, for a switched département."""
    groupes, utilisateurs = counts or (p.groupes.get("actifs", 0), p.utilisateurs.get("actifs", 0))
    return {
        "departement": p.departement,
        "nom": nom,
        "statut": p.statut,
        "bloquants": p.comptes_bloquants,
        "groupes": groupes,
        "utilisateurs": utilisateurs,
        "bascule_le": p.bascule.le if p.bascule else None,
        "job_id": p.bascule.job_id if p.bascule else None,
    }


def detail_out(p: Preparation, nom: str, counts: tuple[int, int] | None = None) -> dict:
    return {
        **item_out(p, nom, counts),
        "details": [
            {
                "code": code,
                "libelle": LIBELLES[code],
                "total": len(items),
                "elements": [{"id": e.id, "message": e.message} for e in items[:ITEMS_SHOWN]],
            }
            for code, items in p.bloquants.items()
        ],
        "detail_groupes": p.groupes,
        "detail_utilisateurs": p.utilisateurs,
    }
