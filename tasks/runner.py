"""The shell around every unit of work: lease, session scope, commit, publish after commit.

Services only flush. A service may be a generator: the shell commits after each step (one
batch), checking the lease's fencing token first, and publishes progress after each commit.
Whole units are retried on transient database failures only (RELIABILITY-NOTES.md); any other
exception fails the unit with its reason, never a hot loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import structlog
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from service import failpoints
from service.db.engine import session_scope
from service.jobs import leases
from service.jobs.failures import fail_unit
from service.jobs.units import Unit, ready_units
from service.logging import get_logger
from tasks.publish import publish_progress, publish_units

log = get_logger(__name__)

TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "57P01"})

Service = Callable[[Session, leases.Lease], Iterator[Any] | None]


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        return getattr(exc.orig, "sqlstate", None) in TRANSIENT_SQLSTATES
    return False


def run_unit(job_id: int, departement: str | None, service: Service) -> None:
    structlog.contextvars.bind_contextvars(job_id=job_id, departement=departement)
    try:
        _attempt(job_id, departement, service)
    except leases.LeaseLost as exc:
        log.warning("unit.bail_perdu", raison=str(exc))
    except leases.TooManyAttempts as exc:
        _fail(job_id, departement, f"abandonné après {exc} tentatives (voir les journaux)")
    except Exception as exc:
        log.exception("unit.echec")
        reason = (
            "le service de base de données est indisponible"
            if is_transient(exc)
            else (f"erreur interne ({type(exc).__name__})")
        )
        _fail(job_id, departement, reason)


def _fail(job_id: int, departement: str | None, reason: str) -> None:
    with session_scope() as session:
        fail_unit(session, job_id, departement, reason)
    publish_progress(job_id)


@retry(
    retry=retry_if_exception(is_transient),
    stop=stop_after_attempt(4),
    wait=wait_exponential(multiplier=0.25, max=4),
    reraise=True,
)
def _attempt(job_id: int, departement: str | None, service: Service) -> None:
    with session_scope() as session:
        lease = leases.claim(session, job_id, departement)
    if lease is None:
        log.info("unit.deja_pris")
        return
    next_units: list[Unit] = []
    try:
        with session_scope() as session:
            steps = service(session, lease)
            for step, _ in enumerate(steps or (), start=1):
                leases.check(session, lease)
                session.commit()
                publish_progress(job_id)
                failpoints.failpoint("unit.lot_valide", job=job_id, lot=step)
            if failpoints.enabled():
                failpoints.failpoint(
                    "unit.avant_commit",
                    job=job_id,
                    departement=departement,
                    backend_pid=_backend_pid(session),
                )
            leases.check(session, lease, extend=False)
            leases.release(session, lease)
            next_units = ready_units(session, job_id)
    except Exception:
        # Free our lease so that the retry (or the failure record) is not kept waiting.
        with session_scope() as session:
            leases.release(session, lease, done=False)
        raise
    failpoints.failpoint("unit.apres_commit", job=job_id, departement=departement)
    publish_progress(job_id)
    publish_units(next_units)


def _backend_pid(session: Session) -> int:
    return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())
