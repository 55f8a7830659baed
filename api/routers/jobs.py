"""Jobs of every kind: list, detail, anomalies, preview, confirmation, cancel, revert, live
events. Each route checks the caller's rights, then calls one service function."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.orm import Session

from api.deps import IdentityDep, SessionDep
from api.errors import ApiError
from api.pagination import JobId, PageDep
from api.permissions import visible_job_or_404
from api.schemas import ERRORS, Page, job_out, page_of
from service.auth.permissions import Action, Identity, holds
from service.jobs import engine, kinds
from service.jobs.errors import JobConflict, JobStateError
from service.jobs.figures import job_figures
from service.jobs.queries import (
    anomalies_page,
    may_act,
    plan_page,
    visible_departements,
    visible_jobs,
)
from service.jobs.schemas import AnomalieOut, JobFigures, PlanItem, RetourApercu
from service.jobs.tables import Job
from service.reverts.requests import request_revert, revert_preview

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"], responses=ERRORS)

JobOut = job_out()


def _may_act(session: Session, identity: Identity, job: Job) -> None:
    """Readers who may not act get 403."""
    if not may_act(session, identity, job):
        raise ApiError(
            403,
            "INTERDIT",
            "Votre profil ou votre périmètre actuel ne permet pas d'agir sur ce job "
            "(vous pouvez peut-être le consulter).",
        )


def _conflict(exc: JobStateError) -> ApiError:
    details: dict[str, object] = {}
    if isinstance(exc, JobConflict):
        details = {"departement": exc.departement, "job_actif": exc.job_id}
    return ApiError(409, exc.code, exc.message, details)


@router.get("", response_model=page_of(JobOut), summary="Mes jobs et ceux de mon périmètre")
def list_jobs(identity: IdentityDep, session: SessionDep, page: PageDep) -> dict[str, Any]:
    """Du plus récent au plus ancien."""
    jobs, total = visible_jobs(session, identity, page.page, page.taille)
    return page.envelope([job_figures(session, j) for j in jobs], total)


@router.get("/{job_id}", response_model=JobOut, summary="Un job et sa progression par département")
def get_job(job_id: JobId, identity: IdentityDep, session: SessionDep) -> JobFigures:
    return job_figures(session, visible_job_or_404(session, identity, job_id))


@router.get(
    "/{job_id}/anomalies", response_model=Page[AnomalieOut], summary="Les anomalies d'un job"
)
def list_anomalies(
    job_id: JobId,
    identity: IdentityDep,
    session: SessionDep,
    page: PageDep,
    severite: Literal["erreur", "avertissement"] | None = None,
    code: str | None = None,
    feuille: str | None = None,
    departement: str | None = None,
) -> dict[str, Any]:
    """Par feuille et par ligne ; filtres par sévérité, code, feuille, département."""
    job = visible_job_or_404(session, identity, job_id)
    filters = {"severite": severite, "code": code, "feuille": feuille, "departement": departement}
    rows, total = anomalies_page(
        session,
        job_id,
        filters,
        page.offset,
        page.taille,
        visible_departements(session, identity, job),
    )
    return page.envelope([AnomalieOut.model_validate(a) for a in rows], total)


class Apercu(Page[PlanItem]):
    resume: Any = Field(description="Le job et ses compteurs.")


@router.get("/{job_id}/apercu", response_model=Apercu, summary="Le plan : ce qui va changer")
def preview(
    job_id: JobId,
    identity: IdentityDep,
    session: SessionDep,
    page: PageDep,
    action: str | None = None,
    departement: str | None = None,
    feuille: str | None = None,
) -> dict[str, Any]:
    """Créations, modifications (ancien → nouveau), fermetures ; les lignes inchangées sont
    comptées dans le résumé (« inchanges »), sans être listées."""
    job = visible_job_or_404(session, identity, job_id)
    kind = kinds.of(job)
    filters = {"action": action, "departement": departement, "feuille": feuille}
    rows, total = plan_page(
        session,
        job_id,
        filters,
        page.offset,
        page.taille,
        visible_departements(session, identity, job),
    )
    items = [kind.plan_item(p) for p in rows]
    return {**page.envelope(items, total), "resume": job_figures(session, job)}


class Confirmation(BaseModel):
    fermetures: int | None = Field(
        None, description="Mode miroir : le nombre de fermetures annoncé par l'aperçu."
    )


@router.post(
    "/{job_id}/appliquer",
    status_code=202,
    response_model=JobOut,
    summary="Confirmer l'application du plan",
)
def confirm(
    job_id: JobId,
    identity: IdentityDep,
    session: SessionDep,
    body: Annotated[Confirmation | None, Body()] = None,
) -> JobFigures:
    """En mode miroir, indiquez le nombre de fermetures annoncé par l'aperçu."""
    job = visible_job_or_404(session, identity, job_id)
    _may_act(session, identity, job)
    try:
        kinds.of(job).confirm(session, job, identity, (body or Confirmation()).model_dump())
    except JobStateError as exc:
        raise _conflict(exc) from exc
    return job_figures(session, job)


@router.post("/{job_id}/annuler", status_code=202, response_model=JobOut, summary="Annuler")
def cancel(job_id: JobId, identity: IdentityDep, session: SessionDep) -> JobFigures:
    """S'il est en cours, le job s'arrête entre deux lots ou deux départements."""
    job = visible_job_or_404(session, identity, job_id)
    _may_act(session, identity, job)
    try:
        engine.request_cancel(session, identity, job)
    except JobStateError as exc:
        raise _conflict(exc) from exc
    return job_figures(session, job)


# A département code as users type it (1, 01, 2a, 971): checked against the 101 codes later.
DepartementCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,3}$|^2[AaBb]$")]


class RetourArriere(BaseModel):
    forcer: bool = Field(
        False, description="Écraser les modifications postérieures (administration nationale)."
    )
    departements: list[DepartementCode] | None = Field(
        None, description="Départements à rétablir (tous ceux du job par défaut)."
    )


@router.get(
    "/{job_id}/revenir/apercu",
    response_model=RetourApercu,
    summary="Ce qu'un retour arrière rétablirait",
)
def revert_preview_route(
    job_id: JobId,
    identity: IdentityDep,
    session: SessionDep,
    departement: Annotated[list[str] | None, Query()] = None,
) -> RetourApercu:
    """Par département (et la partie nationale), les lignes remises dans leur état d'avant et
    celles supprimées ; ce que d'autres jobs ont modifié depuis."""
    source = visible_job_or_404(session, identity, job_id)
    _may_act(session, identity, source)
    departements = tuple(d.upper() for d in departement) if departement else None
    try:
        return revert_preview(session, source, departements)
    except JobStateError as exc:
        raise _conflict(exc) from exc


@router.post("/{job_id}/revenir", status_code=202, response_model=JobOut, summary="Retour arrière")
def revert(
    job_id: JobId,
    identity: IdentityDep,
    session: SessionDep,
    body: Annotated[RetourArriere | None, Body()] = None,
) -> JobFigures:
    """Un job « retour_arriere » rétablit ce que le job avait modifié ; refusé
    (``MODIFIE_DEPUIS``) si un job ultérieur a modifié les mêmes lignes."""
    body = body or RetourArriere()
    source = visible_job_or_404(session, identity, job_id)
    _may_act(session, identity, source)
    if body.forcer and not holds(identity.profil, Action.FORCER_RETOUR):
        raise ApiError(403, "INTERDIT", "Seule l'administration nationale peut forcer un retour.")
    departements = tuple(d.upper() for d in body.departements) if body.departements else None
    try:
        job = request_revert(
            session, identity, source, departements=departements, force=body.forcer
        )
    except JobStateError as exc:
        raise _conflict(exc) from exc
    return job_figures(session, job)
