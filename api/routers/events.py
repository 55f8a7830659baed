"""Live progress of a job as server-sent events (ARCHITECTURE.md §4).

The stream holds no database connection while it waits: the caller's rights and the first
snapshot are read by a sync dependency (its session closes before streaming starts), then
Redis pub/sub carries the committed figures. Rights are checked again periodically, in a
short session of their own, so that a deactivated account's stream closes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.deps import IdentityDep, SessionDep
from api.pagination import JobId
from api.permissions import visible_job_or_404
from api.schemas import ERRORS
from service.auth.accounts import identity_for
from service.auth.permissions import Identity
from service.config import get_settings
from service.db.engine import session_scope
from service.jobs.enums import FINAL, Statut
from service.jobs.figures import encode_event, job_figures
from service.jobs.publication import channel
from service.jobs.queries import get_visible_job
from service.jobs.tables import Job
from service.redis_client import get_async_redis

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"], responses=ERRORS)

# The stream ends with the job, or when it waits for a corrected file; a validated job goes on
# to its application once confirmed.
_END = FINAL | {Statut.INVALIDE}


def _opening(job_id: JobId, identity: IdentityDep, session: SessionDep) -> tuple[Identity, str]:
    return identity, encode_event(
        job_figures(session, visible_job_or_404(session, identity, job_id))
    )


def _visible(session: Session, courriel: str, job_id: JobId) -> Job | None:
    identity = identity_for(session, courriel)
    return None if identity is None else get_visible_job(session, identity, job_id)


def _still_allowed(courriel: str, job_id: JobId) -> bool:
    with session_scope() as session:
        return _visible(session, courriel, job_id) is not None


def _current(courriel: str, job_id: JobId) -> str | None:
    """The job's figures now, in a short session of their own (None: no longer visible)."""
    with session_scope() as session:
        job = _visible(session, courriel, job_id)
        return None if job is None else encode_event(job_figures(session, job))


@router.get(
    "/{job_id}/evenements",
    summary="Progression en direct (server-sent events)",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Des événements « progression » dont les données sont les chiffres "
            "du job (le même objet que GET /api/v1/jobs/{job_id}).",
        }
    },
)
async def events(
    job_id: JobId,
    opening: Annotated[tuple[Identity, str], Depends(_opening)],
    attente: Annotated[float, Query(ge=1, le=3600, description="Durée maximale (s).")] = 600,
) -> StreamingResponse:
    """Un événement « progression » par étape validée, avec les chiffres du job."""
    identity, snapshot = opening
    return StreamingResponse(
        event_stream(job_id, identity.courriel, snapshot, attente),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )


def _event(data: str) -> str:
    return f"event: progression\ndata: {data}\n\n"


async def event_stream(
    job_id: JobId, courriel: str, snapshot: str, attente: float
) -> AsyncIterator[str]:
    yield _event(snapshot)
    if json.loads(snapshot)["statut"] in _END:
        return
    recheck = get_settings().events_recheck_seconds
    redis = get_async_redis()
    pubsub = redis.pubsub()
    await pubsub.subscribe(channel(job_id))
    try:
        # What was committed between the snapshot and the subscription reached no subscriber:
        # read the figures once more now that no later event can be missed (a job ending in
        # that gap left its page waiting for an end already past).
        current = await run_in_threadpool(_current, courriel, job_id)
        if current is None:
            yield 'event: fin\ndata: {"message": "Accès retiré : flux fermé."}\n\n'
            return
        if current != snapshot:
            yield _event(current)
            if json.loads(current)["statut"] in _END:
                return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + attente
        next_check = loop.time() + recheck
        while loop.time() < deadline:
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=min(15, recheck)
            )
            if loop.time() >= next_check:
                next_check = loop.time() + recheck
                if not await run_in_threadpool(_still_allowed, courriel, job_id):
                    yield 'event: fin\ndata: {"message": "Accès retiré : flux fermé."}\n\n'
                    return
            if message is None:
                yield ": en attente\n\n"  # keeps proxies from closing an idle stream
                continue
            data = message["data"]
            data = data.decode() if isinstance(data, bytes) else data
            yield _event(data)
            if json.loads(data).get("statut") in _END:
                return
    finally:
        await pubsub.unsubscribe()
        await pubsub.aclose()
        await redis.aclose()
