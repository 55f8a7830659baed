"""Publication after commit, as a mechanism that cannot be forgotten.

Code that makes units ready or moves a job calls :func:`publish_units` / :func:`publish_progress`
on its session; nothing leaves the process until that session's transaction commits, and a
rollback drops it (like warehouse's after-commit hooks). A worker must never be told about a
job it cannot see yet, and an event must never announce figures that were rolled back.

Progress figures are computed just before the commit, in the same transaction, so that the
event carries exactly what was committed without opening another connection afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from service import failpoints
from service.config import get_settings
from service.jobs.figures import job_event
from service.jobs.units import Unit
from service.logging import get_logger
from service.redis_client import get_redis

log = get_logger(__name__)

_KEY = "offre.publication"
# The unit whose last commit this is (set by the runner), for the fault tests' failpoint.
UNIT_CONTEXT = "offre.unit"

# How units reach the workers: the Celery app registers its send_task (set_sender); service/
# never imports Celery.
Sender = Callable[[str, list[Any]], None]
_sender: Sender | None = None


def set_sender(sender: Sender | None) -> None:
    global _sender
    _sender = sender


@dataclass(slots=True)
class _Pending:
    tasks: list[tuple[str, list[Any]]] = field(default_factory=list)
    progress: set[int] = field(default_factory=set)
    events: dict[int, str] = field(default_factory=dict)


def _pending(session: Session) -> _Pending:
    pending = session.info.get(_KEY)
    if pending is None:
        pending = session.info[_KEY] = _Pending()
    return pending


def publish_units(session: Session, units: Iterable[Unit]) -> None:
    _pending(session).tasks.extend((u.task, u.args) for u in units)


def publish_task(session: Session, task: str, args: list[Any]) -> None:
    """Any other task of the engine (an export to build…), sent after commit too."""
    _pending(session).tasks.append((task, args))


def publish_progress(session: Session, job_id: int) -> None:
    _pending(session).progress.add(job_id)


def channel(job_id: int) -> str:
    return f"{get_settings().redis_prefix}offre:job:{job_id}"


@event.listens_for(Session, "before_commit")
def _snapshot(session: Session) -> None:
    pending: _Pending | None = session.info.get(_KEY)
    if pending is None or not pending.progress:
        return
    for job_id in sorted(pending.progress):
        payload = job_event(session, job_id)
        if payload is not None:
            pending.events[job_id] = payload
    pending.progress.clear()


@event.listens_for(Session, "after_commit")
def _send(session: Session) -> None:
    pending: _Pending | None = session.info.pop(_KEY, None)
    unit = session.info.pop(UNIT_CONTEXT, None)
    if unit is not None:
        failpoints.failpoint("unit.apres_commit", **unit)
    if pending is None:
        return
    _send_tasks(pending.tasks)
    _send_events(pending.events)


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop(_KEY, None)


def _send_tasks(tasks: list[tuple[str, list[Any]]]) -> None:
    if tasks and _sender is None:
        log.warning("publication.no_sender", tasks=len(tasks))
        return
    for task, args in tasks:
        # A lost message is recovered by the reconciler: Postgres says what is ready.
        try:
            assert _sender is not None
            _sender(task, args)
        except Exception:
            log.exception("publication.failed", task=task, args=args)


def _send_events(events: dict[int, str]) -> None:
    if not events:
        return
    try:
        redis = get_redis()
        for job_id, payload in events.items():
            redis.publish(channel(job_id), payload)
    except Exception:
        # Progress events are a convenience: polling gives the same figures from Postgres.
        log.warning("progress.publication_failed", exc_info=True)
