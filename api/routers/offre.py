"""The offre as it stands: a département's dispositifs, an entité."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import func, select

from api.deps import SessionDep
from api.pagination import PageDep
from api.permissions import OffreReader, not_found
from service.auth.permissions import Action, Identity, can
from service.offre.queries import dispositif_dict, entite_dict
from service.offre.tables import Dispositif, Entite
from service.referentiels.departements import CODES

router = APIRouter(prefix="/api/v1", tags=["offre"])

READERS = (Action.IMPORTER_OFFRE, Action.RATTACHER, Action.LIRE_RAPPORTS)


def _may_read(identity: Identity, departement: str) -> bool:
    return any(can(identity, a, departement) for a in READERS)


@router.get("/departements/{code}/dispositifs")
def departement_dispositifs(
    code: str, session: SessionDep, page: PageDep, identity: OffreReader
) -> dict[str, Any]:
    """Les dispositifs du département (liste vide s'il n'y en a pas)."""
    code = code.upper()
    if code not in CODES or not _may_read(identity, code):
        raise not_found("Département")
    where = Dispositif.departement == code
    total = session.scalar(select(func.count()).select_from(Dispositif).where(where)) or 0
    rows = session.execute(
        select(Dispositif, Entite.siren)
        .join(Entite, Entite.id == Dispositif.entite_id)
        .where(where)
        .order_by(Dispositif.identifiant)
        .offset(page.offset)
        .limit(page.taille)
    )
    return page.envelope([dispositif_dict(d, siren) for d, siren in rows], total)


@router.get("/entites/{siren}")
def entite(siren: str, session: SessionDep, identity: OffreReader) -> dict[str, Any]:
    """Une entité gestionnaire et ses dispositifs dans votre périmètre."""
    found = session.scalar(select(Entite).where(Entite.siren == siren.replace(" ", "")))
    if found is None:
        raise not_found("Entité")
    dispositifs = session.scalars(
        select(Dispositif).where(Dispositif.entite_id == found.id).order_by(Dispositif.identifiant)
    ).all()
    return {
        **entite_dict(found),
        "dispositifs": [
            dispositif_dict(d, found.siren)
            for d in dispositifs
            if _may_read(identity, d.departement)
        ],
    }
