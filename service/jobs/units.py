"""Units of work and which of them are ready to run.

A job has one job-level unit (its row in ``offre.job``: analysis, ``prealable``, ``cloture``),
the parts its analysis may be split into (``offre.job_partie``: the job-level unit resumes once
none is left) and one unit per département (``offre.job_departement``). The same queries serve
the normal path (:func:`schedule_ready`: publish what the last commit made ready) and the beat
reconciler (:func:`stalled_units`: re-publish what was lost or stalled). Postgres is the source
of truth, Redis only carries wake-ups.

Waves: when the job sets ``parallele`` = N, at most N départements are in flight (published and
not finished), published in ``ordre`` then code order; each finished one lets the next go.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from service.jobs.enums import Etape, Statut
from service.jobs.tables import Job, JobDepartement, JobPartie

TASK_JOB = "offre.run_job"
TASK_DEPARTEMENT = "offre.run_departement"
TASK_PARTIE = "offre.run_partie"


@dataclass(frozen=True, slots=True)
class Unit:
    task: str
    job_id: int
    departement: str | None = None
    partie: str | None = None

    @property
    def args(self) -> list[object]:
        key = self.partie if self.partie is not None else self.departement
        return [self.job_id] if key is None else [self.job_id, key]


def _parts_pending() -> ColumnElement[bool]:
    return (
        select(JobPartie.job_id)
        .where(JobPartie.job_id == Job.id, JobPartie.statut == Statut.ANALYSE)
        .exists()
    )


def job_unit_ready() -> ColumnElement[bool]:
    return or_(
        and_(Job.statut.in_((Statut.EN_ATTENTE, Statut.ANALYSE)), ~_parts_pending()),
        and_(Job.statut == Statut.APPLICATION, Job.etape.in_((Etape.PREALABLE, Etape.CLOTURE))),
    )


def partie_unit_ready() -> ColumnElement[bool]:
    return and_(Job.statut == Statut.ANALYSE, JobPartie.statut == Statut.ANALYSE)


def _next_parties(session: Session, job_id: int) -> list[str]:
    return list(
        session.scalars(
            select(JobPartie.partie)
            .join(Job, Job.id == JobPartie.job_id)
            .where(
                JobPartie.job_id == job_id,
                partie_unit_ready(),
                JobPartie.bail_expire.is_(None),
                JobPartie.publie_le.is_(None),
            )
            .order_by(JobPartie.partie)
        )
    )


def departement_unit_ready() -> ColumnElement[bool]:
    return and_(
        Job.statut == Statut.APPLICATION,
        Job.etape == Etape.DEPARTEMENTS,
        JobDepartement.statut == Statut.APPLICATION,
    )


def _in_flight(session: Session, job_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(JobDepartement)
            .where(
                JobDepartement.job_id == job_id,
                JobDepartement.statut == Statut.APPLICATION,
                or_(JobDepartement.publie_le.is_not(None), JobDepartement.bail_expire.is_not(None)),
            )
        )
        or 0
    )


def _next_departements(session: Session, job_id: int) -> list[str]:
    """Départements of ``job_id`` ready and never published, within the wave's width."""
    parallele = session.scalar(select(Job.parallele).where(Job.id == job_id))
    query = (
        select(JobDepartement.departement)
        .join(Job, Job.id == JobDepartement.job_id)
        .where(
            JobDepartement.job_id == job_id,
            departement_unit_ready(),
            JobDepartement.bail_expire.is_(None),
            JobDepartement.publie_le.is_(None),
        )
        .order_by(JobDepartement.ordre, JobDepartement.departement)
    )
    if parallele is not None:
        room = parallele - _in_flight(session, job_id)
        if room <= 0:
            return []
        query = query.limit(room)
    return list(session.scalars(query))


def ready_units(session: Session, job_id: int) -> list[Unit]:
    """Units of ``job_id`` that just became ready (free lease, not yet published for their
    stage), marked published. Those already on the queue are left alone, so that a national
    file's 101 départements are published once each, not once per finished one."""
    units: list[Unit] = []
    job_free = session.scalar(
        select(Job.id).where(
            Job.id == job_id, job_unit_ready(), Job.bail_expire.is_(None), Job.publie_le.is_(None)
        )
    )
    if job_free is not None:
        units.append(Unit(TASK_JOB, job_id))
    units.extend(Unit(TASK_PARTIE, job_id, partie=p) for p in _next_parties(session, job_id))
    units.extend(Unit(TASK_DEPARTEMENT, job_id, d) for d in _next_departements(session, job_id))
    mark_published(session, units)
    return units


def mark_published(session: Session, units: list[Unit]) -> None:
    for unit in units:
        if unit.partie is not None:
            session.execute(
                update(JobPartie)
                .where(JobPartie.job_id == unit.job_id, JobPartie.partie == unit.partie)
                .values(publie_le=func.now())
            )
        elif unit.departement is None:
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
    """Units in flight whose lease expired or that were published long ago and never claimed,
    plus the ready units never published (a wave's next départements included)."""
    cutoff = func.now() - grace

    def lost(table: type[Job] | type[JobDepartement] | type[JobPartie]) -> ColumnElement[bool]:
        return or_(
            table.bail_expire < func.now(),
            and_(table.bail_expire.is_(None), table.publie_le < cutoff),
        )

    jobs = session.scalars(
        select(Job.id)
        .where(
            job_unit_ready(),
            or_(lost(Job), and_(Job.bail_expire.is_(None), Job.publie_le.is_(None))),
        )
        .limit(500)
    ).all()
    deps = session.execute(
        select(JobDepartement.job_id, JobDepartement.departement)
        .join(Job, Job.id == JobDepartement.job_id)
        .where(departement_unit_ready(), lost(JobDepartement))
        .limit(2000)
    ).all()
    parts = session.execute(
        select(JobPartie.job_id, JobPartie.partie)
        .join(Job, Job.id == JobPartie.job_id)
        .where(
            partie_unit_ready(),
            or_(
                lost(JobPartie),
                and_(JobPartie.bail_expire.is_(None), JobPartie.publie_le.is_(None)),
            ),
        )
        .limit(2000)
    ).all()
    units = (
        [Unit(TASK_JOB, j) for j in jobs]
        + [Unit(TASK_PARTIE, j, partie=p) for j, p in parts]
        + [Unit(TASK_DEPARTEMENT, j, d) for j, d in deps]
    )
    mark_published(session, units)
    never_published = session.scalars(
        select(JobDepartement.job_id)
        .join(Job, Job.id == JobDepartement.job_id)
        .where(
            departement_unit_ready(),
            JobDepartement.bail_expire.is_(None),
            JobDepartement.publie_le.is_(None),
        )
        .distinct()
        .limit(500)
    ).all()
    for job_id in never_published:
        waiting = [Unit(TASK_DEPARTEMENT, job_id, d) for d in _next_departements(session, job_id)]
        mark_published(session, waiting)
        units.extend(waiting)
    return units
