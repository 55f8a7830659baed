"""Leases with a fencing token on units of work (ARCHITECTURE.md §4).

Claiming a unit bumps its token and attempts counter; every write of the unit's transaction is
then checked against the token, so that a stale worker (lease expired, unit re-claimed by
another) has its commit rejected instead of applying twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from service.config import get_settings
from service.jobs.tables import Job, JobDepartement, JobPartie


class LeaseLost(Exception):
    """Our lease was taken over: this worker must stop and roll back."""


class TooManyAttempts(Exception):
    """A poison unit: it failed or was redelivered too often."""


@dataclass(frozen=True, slots=True)
class Lease:
    job_id: int
    departement: str | None
    token: int
    attempt: int
    partie: str | None = None


def _unit(job_id: int, departement: str | None, partie: str | None = None):
    if partie is not None:
        return JobPartie, and_(JobPartie.job_id == job_id, JobPartie.partie == partie)
    if departement is None:
        return Job, Job.id == job_id
    return JobDepartement, and_(
        JobDepartement.job_id == job_id, JobDepartement.departement == departement
    )


def claim(
    session: Session, job_id: int, departement: str | None = None, partie: str | None = None
) -> Lease | None:
    """Take the unit's lease if it is free or expired; None if another worker holds it."""
    table, where = _unit(job_id, departement, partie)
    seconds = get_settings().lease_seconds
    row = session.execute(
        update(table)
        .where(where, or_(table.bail_expire.is_(None), table.bail_expire < func.now()))
        .values(
            bail_jeton=table.bail_jeton + 1,
            bail_expire=func.now() + func.make_interval(0, 0, 0, 0, 0, 0, seconds),
            tentatives=table.tentatives + 1,
        )
        .returning(table.bail_jeton, table.tentatives)
    ).one_or_none()
    if row is None:
        return None
    lease = Lease(job_id, departement, row[0], row[1], partie)
    if lease.attempt > get_settings().max_attempts:
        raise TooManyAttempts(lease.attempt)
    return lease


def check(session: Session, lease: Lease, *, extend: bool = True) -> None:
    """Fence: lock the unit row and verify our token still holds it (and extend the lease)."""
    table, where = _unit(lease.job_id, lease.departement, lease.partie)
    token = session.scalar(select(table.bail_jeton).where(where).with_for_update(key_share=True))
    if token != lease.token:
        raise LeaseLost(
            f"job {lease.job_id} {lease.partie or lease.departement or ''}: jeton {token}"
        )
    if extend:
        seconds = get_settings().lease_seconds
        session.execute(
            update(table)
            .where(where)
            .values(bail_expire=func.now() + func.make_interval(0, 0, 0, 0, 0, 0, seconds))
        )


def release(session: Session, lease: Lease, *, done: bool = True) -> None:
    """Free the lease. When the stage is ``done``, the unit's next stage starts afresh: no
    attempts yet, not yet published."""
    table, where = _unit(lease.job_id, lease.departement, lease.partie)
    values: dict[str, object] = {"bail_expire": None}
    if done:
        values.update(tentatives=0, publie_le=None)
    session.execute(update(table).where(where, table.bail_jeton == lease.token).values(**values))
