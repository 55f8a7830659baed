"""Jobs: list, detail, anomalies, preview, confirmation, cancel, live events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.deps import IdentityDep, SessionDep
from api.errors import ApiError
from api.pagination import PageDep
from api.permissions import not_found
from service.auth.permissions import JOB_ACTIONS, Action, Identity, can, holds
from service.db.engine import session_scope
from service.imports.revert import request_revert
from service.imports.steps import start_apply
from service.jobs.progress import channel, job_figures
from service.jobs.service import (
    JobStateError,
    get_visible_job,
    job_departements,
    request_cancel,
    submitter_email,
    visible_jobs,
)
from service.jobs.tables import Job, JobAnomalie, JobPlan
from service.jobs.units import ready_units
from service.redis_client import get_async_redis
from tasks.publish import publish_progress, publish_units

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])

FINAL = ("termine", "echec", "annule", "invalide")


def job_or_404(session: Session, identity: Identity, job_id: int) -> Job:
    job = get_visible_job(session, identity, job_id)
    if job is None:
        raise not_found("Job")
    return job


def _may_act(session: Session, identity: Identity, job: Job) -> None:
    """Confirm or cancel: the submitter, or whoever may submit such a job for all its
    départements (the national team included); readers get 403."""
    if identity.utilisateur_id == job.soumis_par or identity.national:
        return
    action = JOB_ACTIONS[job.type]
    deps = job_departements(session, job.id)
    if not deps or not all(can(identity, action, d) for d in deps):
        raise ApiError(403, "INTERDIT", "Vous pouvez consulter ce job mais pas agir dessus.")


@router.get("")
def list_jobs(identity: IdentityDep, session: SessionDep, page: PageDep) -> dict[str, Any]:
    """Mes jobs et ceux de mon périmètre, du plus récent au plus ancien."""
    jobs, total = visible_jobs(session, identity, page.page, page.taille)
    return page.envelope(
        [job_figures(session, j, submitter_email(session, j)) for j in jobs], total
    )


@router.get("/{job_id}")
def get_job(job_id: int, identity: IdentityDep, session: SessionDep) -> dict[str, Any]:
    job = job_or_404(session, identity, job_id)
    return job_figures(session, job, submitter_email(session, job))


@router.get("/{job_id}/anomalies")
def list_anomalies(
    job_id: int,
    identity: IdentityDep,
    session: SessionDep,
    page: PageDep,
    severite: Literal["erreur", "avertissement"] | None = None,
    code: str | None = None,
    feuille: str | None = None,
    departement: str | None = None,
) -> dict[str, Any]:
    job_or_404(session, identity, job_id)
    query = select(JobAnomalie).where(JobAnomalie.job_id == job_id)
    for column, value in (
        (JobAnomalie.severite, severite),
        (JobAnomalie.code, code),
        (JobAnomalie.feuille, feuille),
        (JobAnomalie.departement, departement),
    ):
        if value is not None:
            query = query.where(column == value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(JobAnomalie.feuille, JobAnomalie.ligne, JobAnomalie.id)
        .offset(page.offset)
        .limit(page.taille)
    )
    items = [
        {
            "feuille": a.feuille,
            "ligne": a.ligne,
            "colonne": a.colonne,
            "valeur": a.valeur,
            "code": a.code,
            "severite": a.severite,
            "message": a.message,
            "departement": a.departement,
        }
        for a in rows
    ]
    return page.envelope(items, total)


def _changes(plan: JobPlan) -> dict[str, dict[str, Any]]:
    before = plan.avant or {}
    after = plan.apres or {}
    return {f: {"avant": old, "apres": after.get(f)} for f, old in before.items()}


@router.get("/{job_id}/apercu")
def preview(
    job_id: int,
    identity: IdentityDep,
    session: SessionDep,
    page: PageDep,
    action: Literal["creation", "modification", "inchange", "fermeture"] | None = None,
    departement: str | None = None,
    feuille: str | None = None,
) -> dict[str, Any]:
    """Le plan : créations, modifications (ancien → nouveau), inchangés, fermetures."""
    job = job_or_404(session, identity, job_id)
    query = select(JobPlan).where(JobPlan.job_id == job_id)
    for column, value in (
        (JobPlan.action, action),
        (JobPlan.departement, departement),
        (JobPlan.feuille, feuille),
    ):
        if value is not None:
            query = query.where(column == value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(JobPlan.id).offset(page.offset).limit(page.taille))
    items = [
        {
            "feuille": p.feuille,
            "ligne": p.ligne,
            "departement": p.departement,
            "action": p.action,
            "cle": p.cle,
            "identifiant": (p.apres or {}).get("identifiant")
            or (p.cle if p.feuille == "Dispositifs" and p.action != "creation" else None),
            "changements": _changes(p),
            "valeurs": p.apres if p.action == "creation" else None,
        }
        for p in rows
    ]
    figures = job_figures(session, job)
    return {**page.envelope(items, total), "resume": figures}


@router.post("/{job_id}/appliquer", status_code=202)
def confirm(
    job_id: int,
    identity: IdentityDep,
    fermetures: Annotated[
        int | None,
        Body(embed=True, description="Mode miroir : le nombre de fermetures annoncé."),
    ] = None,
) -> dict[str, Any]:
    """Confirme l'application du plan (en mode miroir, avec le nombre de fermetures)."""
    with session_scope() as session:
        job = job_or_404(session, identity, job_id)
        _may_act(session, identity, job)
        try:
            start_apply(session, job, confirmed_closures=fermetures)
        except JobStateError as exc:
            raise ApiError(409, exc.code, exc.message) from exc
        units = ready_units(session, job.id)
        figures = job_figures(session, job, submitter_email(session, job))
    publish_units(units)
    publish_progress(job_id)
    return figures


@router.post("/{job_id}/annuler", status_code=202)
def cancel(job_id: int, identity: IdentityDep) -> dict[str, Any]:
    """Annule le job ; s'il est en cours, il s'arrête entre deux lots ou deux départements."""
    with session_scope() as session:
        job = job_or_404(session, identity, job_id)
        _may_act(session, identity, job)
        try:
            request_cancel(session, identity, job)
        except JobStateError as exc:
            raise ApiError(409, exc.code, exc.message) from exc
        figures = job_figures(session, job, submitter_email(session, job))
    publish_progress(job_id)
    return figures


@router.post("/{job_id}/revenir", status_code=202)
def revert(
    job_id: int,
    identity: IdentityDep,
    forcer: Annotated[
        bool, Body(embed=True, description="Écraser les modifications postérieures (national).")
    ] = False,
) -> dict[str, Any]:
    """Retour arrière d'un import appliqué : un job « retour_arriere » rejoue son journal."""
    with session_scope() as session:
        source = job_or_404(session, identity, job_id)
        _may_act(session, identity, source)
        if forcer and not holds(identity.profil, Action.FORCER_RETOUR):
            raise ApiError(
                403, "INTERDIT", "Seule l'administration nationale peut forcer un retour."
            )
        try:
            job = request_revert(session, identity, source, forcer)
        except JobStateError as exc:
            raise ApiError(409, exc.code, exc.message) from exc
        units = ready_units(session, job.id)
        figures = job_figures(session, job, submitter_email(session, job))
    publish_units(units)
    return figures


@router.get("/{job_id}/evenements")
async def events(
    job_id: int,
    identity: IdentityDep,
    session: SessionDep,
    attente: Annotated[float, Query(ge=1, le=3600, description="Durée maximale (s).")] = 600,
) -> StreamingResponse:
    """Progression en direct (server-sent events) : un événement par étape validée."""
    job = job_or_404(session, identity, job_id)
    snapshot = job_figures(session, job)

    async def stream() -> AsyncIterator[str]:
        yield f"event: progression\ndata: {json.dumps(snapshot, ensure_ascii=False)}\n\n"
        if snapshot["statut"] in FINAL:
            return
        redis = get_async_redis()
        pubsub = redis.pubsub()
        await pubsub.subscribe(channel(job_id))
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + attente
            while loop.time() < deadline:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=15)
                if message is None:
                    yield ": en attente\n\n"  # keeps proxies from closing an idle stream
                    continue
                data = (
                    message["data"].decode()
                    if isinstance(message["data"], bytes)
                    else message["data"]
                )
                yield f"event: progression\ndata: {data}\n\n"
                if json.loads(data).get("statut") in FINAL:
                    break
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )
