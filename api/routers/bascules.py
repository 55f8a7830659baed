"""Temps 3: readiness of the départements, waves of bascule (the national team only), and the
groupes de places a switched département holds. Each route checks the caller's rights, then
calls one service of service/bascule or service/offre. The revert of a wave is the generic
``POST /api/v1/jobs/{id}/revenir``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field, StringConstraints

from api.deps import SessionDep
from api.errors import ApiError
from api.pagination import PageDep
from api.permissions import Basculeur, OffreReader, not_found
from api.routers.jobs import JobOut
from api.schemas import ERRORS, Page
from service.auth.permissions import Action, Identity, can
from service.bascule.queries import preparation_departement, preparation_nationale
from service.bascule.schemas import PreparationDetail, PreparationNationale
from service.bascule.submission import WaveRefused, submit_bascule
from service.jobs.errors import JobConflict
from service.jobs.figures import job_figures
from service.jobs.schemas import JobFigures
from service.logging import get_logger
from service.offre.queries import departement_groupes
from service.offre.schemas import GroupePlacesOut
from service.referentiels.departements import CODES

router = APIRouter(prefix="/api/v1", tags=["bascule"], responses=ERRORS)
log = get_logger(__name__)
READERS = (Action.IMPORTER_OFFRE, Action.RATTACHER, Action.LIRE_RAPPORTS)

DepartementCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,3}$|^2[AaBb]$")]


class Vague(BaseModel):
    departements: list[DepartementCode] = Field(
        min_length=1, max_length=len(CODES), description="Dans l'ordre de passage voulu."
    )
    simulation: bool = Field(
        False, description="Tous les contrôles et ce qui bougerait, sans rien écrire."
    )
    arret_apres_echecs: int | None = Field(
        None, ge=1, le=len(CODES), description="Après K échecs, ceux non commencés ne partent pas."
    )
    parallele: int | None = Field(
        None, ge=1, le=len(CODES), description="N départements à la fois (tous par défaut)."
    )


def _code(code: str) -> str:
    code = code.upper()
    if code not in CODES:
        raise not_found("Département")
    return code


@router.get(
    "/bascules/preparation",
    response_model=PreparationNationale,
    summary="Les 101 départements : prêts, bloqués (par code) ou basculés",
)
def national(identity: Basculeur, session: SessionDep) -> dict[str, Any]:
    """Un seul appel pour le tableau national ; le détail d'un département :
    ``GET /api/v1/departements/{code}/bascule/preparation``."""
    return preparation_nationale(session)


@router.get(
    "/departements/{code}/bascule/preparation",
    response_model=PreparationDetail,
    summary="Ce qui bloque la bascule d'un département, élément par élément",
)
def departement(code: str, identity: Basculeur, session: SessionDep) -> dict[str, Any]:
    return preparation_departement(session, _code(code))


@router.post(
    "/bascules",
    status_code=202,
    response_model=JobOut,
    summary="Basculer un département ou une vague (ou la simuler)",
)
def launch(identity: Basculeur, session: SessionDep, body: Annotated[Vague, Body()]) -> JobFigures:
    """Un job « bascule » : une unité par département, N à la fois dans l'ordre donné, chacune
    tout ou rien ; suivez-le (``GET /api/v1/jobs/{id}``, ``/evenements``), annulez-le par
    département avec ``POST /api/v1/jobs/{id}/revenir``."""
    try:
        job = submit_bascule(
            session,
            identity,
            body.departements,
            simulation=body.simulation,
            parallele=body.parallele,
            arret_apres_echecs=body.arret_apres_echecs,
        )
    except WaveRefused as exc:
        raise ApiError(422, exc.code, exc.message) from exc
    except JobConflict as exc:
        raise ApiError(
            409, exc.code, exc.message, {"departement": exc.departement, "job_actif": exc.job_id}
        ) from exc
    log.info("bascule.submitted", job_id=job.id, departements=len(body.departements))
    return job_figures(session, job)


def _may_read(identity: Identity, departement: str) -> bool:
    return any(can(identity, a, departement) for a in READERS)


@router.get(
    "/departements/{code}/groupes-places",
    response_model=Page[GroupePlacesOut],
    summary="Les groupes de places d'un département basculé, sous leurs dispositifs",
)
def groupes(code: str, identity: OffreReader, session: SessionDep, page: PageDep) -> dict[str, Any]:
    """Par identifiant (celui de SI SIAO, gardé) ; liste vide tant que le département n'a pas
    basculé."""
    code = _code(code)
    if not _may_read(identity, code):
        raise not_found("Département")
    items, total = departement_groupes(session, code, page.offset, page.taille)
    return page.envelope(items, total)
