"""Units of work and which of them are ready to run.

The same query serves the normal path (publish what the last commit made ready) and the beat
reconciler (re-publish what was lost or stalled): Postgres is the source of truth, Redis only
carries wake-ups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from service.jobs.tables import Job, JobDepartement

TASK_JOB = "offre.executer_job"
TASK_DEPARTEMENT = "offre.appliquer_departement"


@dataclass(frozen=True, slots=True)
class Unit:
    task: str
    job_id: int
    departement: str | None = None

    @property
    def args(self) -> list[object]:
        return [self.job_id] if self.departement is None else [self.job_id, self.departement]


def _job_ready():
    return or_(
        Job.statut.in_(("en_attente", "analyse")),
        and_(Job.statut == "application", Job.etape == "entites"),
    )


def _departement_ready():
    return and_(
        Job.statut == "application",
        Job.etape == "departements",
        JobDepartement.statut == "application",
    )


def ready_units(session: Session, job_id: int) -> list[Unit]:
    """Units of ``job_id`` that just became ready (free lease, not yet published for their
    stage): publish them after commit. Those already on the queue are left alone, so that a
    national file's 101 départements are published once each, not once per finished one."""
    units: list[Unit] = []
    job_free = session.scalar(
        select(Job.id).where(
            Job.id == job_id, _job_ready(), Job.bail_expire.is_(None), Job.publie_le.is_(None)
        )
    )
    if job_free is not None:
        units.append(Unit(TASK_JOB, job_id))
    deps = session.scalars(
        select(JobDepartement.departement)
        .join(Job, Job.id == JobDepartement.job_id)
        .where(
            JobDepartement.job_id == job_id,
            _departement_ready(),
            JobDepartement.bail_expire.is_(None),
            JobDepartement.publie_le.is_(None),
        )
        .order_by(JobDepartement.departement)
    ).all()
    units.extend(Unit(TASK_DEPARTEMENT, job_id, d) for d in deps)
    mark_published(session, units)
    return units


def mark_published(session: Session, units: list[Unit]) -> None:
    for unit in units:
        if unit.departement is None:
            session.execute(update(Job).where(Job.id == unit.job_id).values(publie_le=func.now()))
        else:
            session.execute(
                update(JobDepartement)
                .where(
                    JobDepartement.job_id == unit.job_id,
                    JobDepartement.departement == unit.departement,
                )
                .values(publie_le=func.now())
            )


def stalled_units(session: Session, grace: timedelta) -> list[Unit]:
    """Ready units whose lease expired, or that were published long ago and never claimed."""
    cutoff = func.now() - grace

    def lost(table):
        return or_(
            table.bail_expire < func.now(),
            and_(
                table.bail_expire.is_(None),
                or_(table.publie_le.is_(None), table.publie_le < cutoff),
            ),
        )

    jobs = session.scalars(select(Job.id).where(_job_ready(), lost(Job)).limit(500)).all()
    deps = session.execute(
        select(JobDepartement.job_id, JobDepartement.departement)
        .join(Job, Job.id == JobDepartement.job_id)
        .where(_departement_ready(), lost(JobDepartement))
        .limit(2000)
    ).all()
    units = [Unit(TASK_JOB, j) for j in jobs] + [Unit(TASK_DEPARTEMENT, j, d) for j, d in deps]
    mark_published(session, units)
    return units
