"""A job's downloads (its report, its anomalies as CSV…), built by a worker on first request.

The route asks for the export and commits at once (so that a worker can take it), then waits
without holding a database connection, and streams the stored chunks; a build that takes
longer answers 202 « en préparation » with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.deps import IdentityDep, SessionDep
from api.errors import ApiError, error_body
from api.pagination import JobId
from api.permissions import visible_job_or_404
from api.schemas import ERRORS, XLSX, file_response
from service.auth.permissions import Identity
from service.config import get_settings
from service.jobs import exports
from service.jobs.queries import visible_departements
from service.jobs.tables import Job

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"], responses=ERRORS)

NO_STORE = {"Cache-Control": "no-store"}


Requested = tuple[int, str, str, str]


def request_export(session: Session, identity: Identity, job: Job, nom: str) -> Requested:
    """Ask for the export of ``job`` that ``identity`` may read, and commit at once: the worker
    must see the request while the caller waits (raises ApiError)."""
    spec = exports.spec(job, nom)
    if spec is None:
        raise ApiError(404, "INTROUVABLE", f"Le job {job.id} n'a pas de fichier « {nom} ».")
    key = exports.perimetre(visible_departements(session, identity, job))
    try:
        exports.request(session, job, nom, key)
    except exports.ExportUnavailable as exc:
        raise ApiError(
            409,
            "RAPPORT_INDISPONIBLE",
            f"L'analyse du job {job.id} est en cours : ce fichier sera disponible à sa fin.",
        ) from exc
    session.commit()
    return job.id, nom, key, spec.media_type


def _requested(nom: str) -> object:
    def dependency(job_id: JobId, identity: IdentityDep, session: SessionDep) -> Requested:
        return request_export(session, identity, visible_job_or_404(session, identity, job_id), nom)

    return dependency


_WAIT: dict[int | str, dict[str, Any]] = {
    202: {"description": "En préparation : réessayez après « Retry-After » secondes."}
}


@router.get(
    "/{job_id}/rapport.xlsx",
    summary="Le rapport annoté d'un job",
    response_class=StreamingResponse,
    responses={**file_response("Le classeur, restreint à vos départements.", XLSX), **_WAIT},
)
async def report(requested: Annotated[Requested, Depends(_requested("rapport.xlsx"))]) -> Response:
    """Vos feuilles, cellules en erreur en rouge et avertissements en orange, commentées ; une
    première feuille « Anomalies »."""
    return await serve_export(requested)


@router.get(
    "/{job_id}/anomalies.csv",
    summary="Les anomalies d'un job en CSV",
    response_class=StreamingResponse,
    responses={**file_response("Point-virgule, UTF-8.", "text/csv"), **_WAIT},
)
async def anomalies_csv(
    requested: Annotated[Requested, Depends(_requested("anomalies.csv"))],
) -> Response:
    """Point-virgule, UTF-8 avec BOM, sans formule possible."""
    return await serve_export(requested)


async def serve_export(requested: Requested) -> Response:
    """Wait for the export without holding a connection, then stream its chunks (202 past
    ``export_wait_seconds``)."""
    job_id, nom, key, media_type = requested
    loop = asyncio.get_running_loop()
    deadline = loop.time() + get_settings().export_wait_seconds
    while True:
        export = await run_in_threadpool(exports.state, job_id, nom, key)
        if export is not None and export.statut == "pret":
            filename = f"{nom.rsplit('.', 1)[0]}-job-{job_id}.{nom.rsplit('.', 1)[1]}"
            return StreamingResponse(
                exports.chunks(job_id, nom, key),
                media_type=media_type,
                headers={
                    "Content-Disposition": f'attachment; filename="{filename}"',
                    **NO_STORE,
                },
            )
        if export is not None and export.statut == "echec":
            raise ApiError(
                503,
                "RAPPORT_EN_ECHEC",
                f"La préparation de « {nom} » a échoué ({export.message}) : réessayez.",
            )
        if loop.time() >= deadline:
            return JSONResponse(
                error_body(
                    "EN_PREPARATION",
                    f"« {nom} » est en préparation : réessayez dans quelques secondes.",
                ),
                status_code=202,
                headers={"Retry-After": "5", **NO_STORE},
            )
        await asyncio.sleep(0.2)
