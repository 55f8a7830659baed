"""The offre as it stands: a département's dispositifs, an entité."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import SessionDep
from api.pagination import PageDep
from api.permissions import OffreReader, not_found
from api.schemas import ERRORS, Page
from service.auth.permissions import Action, Identity, can
from service.offre.queries import (
    departement_dispositifs,
    dispositif_out,
    entite_by_siren,
    entite_dispositifs,
    entite_out,
)
from service.offre.schemas import DispositifOut, EntiteDetail
from service.referentiels.departements import CODES

router = APIRouter(prefix="/api/v1", tags=["offre"], responses=ERRORS)

READERS = (Action.IMPORTER_OFFRE, Action.RATTACHER, Action.LIRE_RAPPORTS)


def _may_read(identity: Identity, departement: str) -> bool:
    return any(can(identity, a, departement) for a in READERS)


@router.get(
    "/departements/{code}/dispositifs",
    response_model=Page[DispositifOut],
    summary="Les dispositifs d'un département",
)
def list_dispositifs(
    code: str, session: SessionDep, page: PageDep, identity: OffreReader
) -> dict[str, Any]:
    """Par identifiant ; liste vide s'il n'y en a pas."""
    code = code.upper()
    if code not in CODES or not _may_read(identity, code):
        raise not_found("Département")
    items, total = departement_dispositifs(session, code, page.offset, page.taille)
    return page.envelope([DispositifOut.model_validate(d) for d in items], total)


@router.get("/entites/{siren}", response_model=EntiteDetail, summary="Une entité gestionnaire")
def entite(siren: str, session: SessionDep, identity: OffreReader) -> EntiteDetail:
    """Avec ses dispositifs dans votre périmètre."""
    found = entite_by_siren(session, siren.replace(" ", ""))
    if found is None:
        raise not_found("Entité")
    return EntiteDetail(
        **entite_out(found).model_dump(),
        dispositifs=[
            dispositif_out(d, found.siren)
            for d in entite_dispositifs(session, found)
            if _may_read(identity, d.departement)
        ],
    )
