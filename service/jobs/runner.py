"""The shell around every unit of work, for every kind: lease, session scope, commit, publication
after commit, retries.

A stage may be a generator: the runner commits after each ``yield`` (one batch), checking the
lease's fencing token first, and publishes progress after each commit. Whole units are retried on
transient database failures only (RELIABILITY-NOTES.md); any other exception fails the unit with
its reason, never a hot loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import structlog
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from service import failpoints
from service.db.engine import session_scope
from service.jobs import engine, kinds, leases, publication
from service.jobs.enums import Etape, Statut
from service.jobs.kinds import UnitRefused
from service.jobs.locks import lock_departement
from service.jobs.tables import Job, JobDepartement, JobPartie
from service.jobs.transitions import transition
from service.logging import get_logger

log = get_logger(__name__)

TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "57P01"})

Stage = Callable[[Session, leases.Lease], Iterator[Any] | None]


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        return getattr(exc.orig, "sqlstate", None) in TRANSIENT_SQLSTATES
    return False


def run_job_unit(job_id: int) -> None:
    run_unit(job_id, None, _job_stage)


def run_departement_unit(job_id: int, departement: str) -> None:
    run_unit(job_id, departement, _departement_stage)


def run_partie_unit(job_id: int, partie: str) -> None:
    run_unit(job_id, None, _partie_stage, partie=partie)


def _locked_job(session: Session, job_id: int) -> Job | None:
    # FOR NO KEY UPDATE: a département's transaction holds a KEY SHARE lock on the job row (its
    # undo journal references it); a plain FOR UPDATE would deadlock two units closing together.
    return session.scalar(select(Job).where(Job.id == job_id).with_for_update(key_share=True))


def _job_stage(session: Session, lease: leases.Lease) -> Iterator[None] | None:
    job = _locked_job(session, lease.job_id)
    if job is None:
        return None
    kind = kinds.of(job)
    structlog.contextvars.bind_contextvars(job_type=job.type)
    if job.statut in (Statut.EN_ATTENTE, Statut.ANALYSE):
        if job.annulation_demandee:
            engine.cancel_now(session, job)
            return None
        transition(job, Statut.ANALYSE)
        return _analysis(session, kind, job)
    if job.statut != Statut.APPLICATION or job.etape not in (Etape.PREALABLE, Etape.CLOTURE):
        return None
    if job.annulation_demandee and job.etape == Etape.PREALABLE:
        engine.cancel_now(session, job)
        return None
    refusal = engine.submitter_refusal(session, job, None)
    if refusal is not None:
        engine.fail_job(session, job, refusal)
        return None
    savepoint = session.begin_nested()
    try:
        if job.etape == Etape.PREALABLE:
            kind.apply_job(session, job)
        else:
            kind.close(session, job)
        savepoint.commit()
    except UnitRefused as exc:
        savepoint.rollback()
        engine.fail_job(session, job, exc.message)
        return None
    if job.etape == Etape.PREALABLE:
        engine.departements_done(session, job)
    else:
        engine.finish_if_done(session, job)
    return None


def _analysis(session: Session, kind: kinds.JobKind[Any], job: Job) -> Iterator[None]:
    yield from kind.analyse(session, job) or ()
    if job.statut in (Statut.VALIDE, Statut.INVALIDE, Statut.APPLICATION):
        engine.supersede_older(session, job)


def _partie_stage(session: Session, lease: leases.Lease) -> Iterator[None] | None:
    job = session.get(Job, lease.job_id)
    part = session.get(JobPartie, (lease.job_id, lease.partie))
    if job is None or part is None or part.statut != Statut.ANALYSE:
        return None
    if job.statut != Statut.ANALYSE:
        return None
    structlog.contextvars.bind_contextvars(job_type=job.type)
    if job.annulation_demandee:
        locked = _locked_job(session, job.id)
        assert locked is not None
        engine.cancel_now(session, locked)
        return None
    return _partie(session, kinds.of(job), job, part)


def _partie(
    session: Session, kind: kinds.JobKind[Any], job: Job, part: JobPartie
) -> Iterator[None]:
    part.debut = func.coalesce(part.debut, func.clock_timestamp())
    yield from kind.analyse_part(session, job, part.partie) or ()
    locked = _locked_job(session, job.id)
    assert locked is not None
    if locked.statut == Statut.ANALYSE:  # not cancelled nor failed meanwhile
        engine.part_done(session, locked, part.partie)


def _departement_stage(session: Session, lease: leases.Lease) -> None:
    job = session.get(Job, lease.job_id)
    row = session.get(JobDepartement, (lease.job_id, lease.departement))
    if job is None or row is None:
        return
    if row.statut != Statut.APPLICATION or job.etape != Etape.DEPARTEMENTS:
        return
    kind = kinds.of(job)
    structlog.contextvars.bind_contextvars(job_type=job.type)
    refused: str | None = None
    if job.annulation_demandee:
        transition(row, Statut.ANNULE)
    else:
        refused = engine.submitter_refusal(session, job, row.departement) or _apply(
            session, kind, job, row
        )
        log.info("job.departement.done", refused=refused)
    locked = _locked_job(session, job.id)
    assert locked is not None
    if refused is not None:
        engine.unit_failed(session, locked, row, refused)
        return
    if row.statut == Statut.APPLICATION:
        transition(row, Statut.TERMINE)
    engine.unit_done(session, locked)


def _apply(session: Session, kind: kinds.JobKind[Any], job: Job, row: JobDepartement) -> str | None:
    """The département's writes in a savepoint: a refusal leaves nothing of them (its reason)."""
    row.debut = func.clock_timestamp()  # its apply starts now, not when it was confirmed
    # One write lock per département for every kind: never two writers interleaved.
    lock_departement(session, row.departement)
    savepoint = session.begin_nested()
    try:
        kind.apply_departement(session, job, row)
    except UnitRefused as exc:
        savepoint.rollback()
        return exc.message
    savepoint.commit()
    return None


def run_unit(
    job_id: int, departement: str | None, stage: Stage, *, partie: str | None = None
) -> None:
    """Claim the unit's lease, run ``stage`` in a session scope, commit it (fenced), publish."""
    structlog.contextvars.bind_contextvars(job_id=job_id, departement=departement)
    if partie is not None:
        structlog.contextvars.bind_contextvars(partie=partie)
    try:
        _attempt(job_id, departement, stage, partie)
    except leases.LeaseLost as exc:
        log.warning("unit.lease_lost", reason=str(exc))
    except leases.TooManyAttempts as exc:
        _fail(job_id, departement, f"abandonné après {exc} tentatives (voir les journaux)")
    except Exception as exc:
        log.exception("unit.failed")
        reason = (
            "le service de base de données est indisponible"
            if is_transient(exc)
            else f"erreur interne ({type(exc).__name__})"
        )
        _fail(job_id, departement, reason)


def _fail(job_id: int, departement: str | None, reason: str) -> None:
    with session_scope() as session:
        engine.fail_unit(session, job_id, departement, reason)


@retry(
    retry=retry_if_exception(is_transient),
    stop=stop_after_attempt(4),
    wait=wait_exponential(multiplier=0.25, max=4),
    reraise=True,
)
def _attempt(job_id: int, departement: str | None, stage: Stage, partie: str | None) -> None:
    with session_scope() as session:
        lease = leases.claim(session, job_id, departement, partie)
    if lease is None:
        log.info("unit.already_taken")
        return
    context = {"job": job_id, "departement": departement}
    if partie is not None:
        context["partie"] = partie
    try:
        with session_scope() as session:
            steps = stage(session, lease)
            for step, _ in enumerate(steps or (), start=1):
                leases.check(session, lease)
                publication.publish_progress(session, job_id)
                session.commit()
                failpoints.failpoint("unit.lot_valide", job=job_id, lot=step)
            if failpoints.enabled():
                failpoints.failpoint(
                    "unit.avant_commit", **context, backend_pid=_backend_pid(session)
                )
            leases.check(session, lease, extend=False)
            leases.release(session, lease)
            engine.schedule(session, job_id)
            # Named after the last commit only: the fault tests kill the worker between this
            # unit's commit and the publication of the next units.
            session.info[publication.UNIT_CONTEXT] = context
    except Exception:
        # Free our lease so that the retry (or the failure record) is not kept waiting.
        with session_scope() as session:
            leases.release(session, lease, done=False)
        raise


def _backend_pid(session: Session) -> int:
    return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())
