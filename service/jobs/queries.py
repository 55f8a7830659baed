"""Reading jobs within the caller's scope (DOMAIN.md §4): the read side of the engine, used by
the API routes and the console. Every query here applies the scope filter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from service.auth.permissions import Action, Identity, can, can_read_job, holds
from service.jobs import kinds
from service.jobs.enums import Statut
from service.jobs.tables import Job, JobAnomalie, JobDepartement, JobPlan


def job_departements(session: Session, job_id: int) -> frozenset[str]:
    return frozenset(
        session.scalars(select(JobDepartement.departement).where(JobDepartement.job_id == job_id))
    )


def visible_departements(session: Session, identity: Identity, job: Job) -> frozenset[str] | None:
    """The départements whose rows the caller sees in a job (None: every row). The national
    team and the submitter see the whole file; another reader sees its own départements'
    rows and the rows that belong to none (entités, the file as a whole)."""
    if identity.national or identity.utilisateur_id == job.soumis_par:
        return None
    return frozenset(identity.departements) & job_departements(session, job.id)


def get_visible_job(session: Session, identity: Identity, job_id: int) -> Job | None:
    """The job if the caller may read it; None (→ 404) otherwise."""
    job = session.get(Job, job_id)
    if job is None:
        return None
    action = kinds.of(job).action_for(session, job)
    if not can_read_job(identity, action, job.soumis_par, job_departements(session, job_id)):
        return None
    return job


def may_act(session: Session, identity: Identity, job: Job) -> bool:
    """Confirm, cancel or revert: whoever may submit such a job, now, for all its départements
    (the national team included) — never inherited from having submitted it."""
    if identity.national:
        return True
    action = kinds.of(job).action_for(session, job)
    deps = job_departements(session, job.id)
    if deps:
        return all(can(identity, action, d) for d in deps)
    return identity.utilisateur_id == job.soumis_par and holds(identity.profil, action)


def _readable(
    identity: Identity, job: Any = Job, *, inherited: bool = True
) -> ColumnElement[bool] | None:
    """Mine, and those of my scope: per kind, those who could submit such a job for one of its
    départements, and ANALYSTE for the reports of its départements; a kind whose rights are
    its source job's (a revert) is readable with its source. ``job``: the table or an alias."""
    if identity.national:
        return None
    readable = [job.soumis_par == identity.utilisateur_id]
    for kind in kinds.registered():
        if kind.rights_from_source:
            if inherited:
                source = aliased(Job)
                of_source = _readable(identity, source, inherited=False)
                readable.append(
                    and_(
                        job.type == kind.name,
                        exists().where(
                            source.id == job.job_source_id,
                            *([] if of_source is None else [of_source]),
                        ),
                    )
                )
            continue
        deps = [
            d
            for d in identity.departements
            if can(identity, kind.action, d) or can(identity, Action.LIRE_RAPPORTS, d)
        ]
        if deps:
            readable.append(
                and_(
                    job.type == kind.name,
                    exists().where(
                        JobDepartement.job_id == job.id, JobDepartement.departement.in_(deps)
                    ),
                )
            )
    return or_(*readable)


def visible_jobs_query(identity: Identity) -> Select[Job]:
    query = select(Job)
    where = _readable(identity)
    return query if where is None else query.where(where)


def visible_jobs(
    session: Session, identity: Identity, page: int, taille: int
) -> tuple[Sequence[Job], int]:
    query = visible_jobs_query(identity)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    jobs = session.scalars(
        query.order_by(Job.id.desc()).offset((page - 1) * taille).limit(taille)
    ).all()
    return jobs, total


def anomalies_page(
    session: Session,
    job_id: int,
    filters: dict[str, str | None],
    offset: int,
    limit: int,
    departements: frozenset[str] | None = None,
) -> tuple[Sequence[JobAnomalie], int]:
    """The job's anomalies, sheet and line order, ``filters`` on severite, code, feuille,
    departement; only ``departements`` (and rows of no département) when given."""
    query = select(JobAnomalie).where(JobAnomalie.job_id == job_id)
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(JobAnomalie, name) == value)
    if departements is not None:
        query = query.where(
            or_(JobAnomalie.departement.is_(None), JobAnomalie.departement.in_(departements))
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(JobAnomalie.feuille, JobAnomalie.ligne, JobAnomalie.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return rows, total


def plan_page(
    session: Session,
    job_id: int,
    filters: dict[str, str | None],
    offset: int,
    limit: int,
    departements: frozenset[str] | None = None,
) -> tuple[Sequence[JobPlan], int]:
    """The job's planned changes in plan order, ``filters`` on action, departement, feuille."""
    query = select(JobPlan).where(JobPlan.job_id == job_id)
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(JobPlan, name) == value)
    if departements is not None:
        query = query.where(
            or_(JobPlan.departement.is_(None), JobPlan.departement.in_(departements))
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(JobPlan.id).offset(offset).limit(limit)).all()
    return rows, total


@dataclass(frozen=True, slots=True)
class JobMetrics:
    """What /metrics exposes, read from PostgreSQL at scrape time (every API process reports
    the same numbers whatever worker did the work)."""

    jobs: list[tuple[str, str, int]]  # (type, statut, count)
    applied: dict[str, int]  # creation / modification / fermeture → rows
    durations: list[tuple[str, float]]  # (type, mean seconds of jobs done in the last 24 h)


def job_metrics(session: Session) -> JobMetrics:
    jobs = [
        (t, s, int(n))
        for t, s, n in session.execute(
            select(Job.type, Job.statut, func.count()).group_by(Job.type, Job.statut)
        )
    ]
    done = JobDepartement.statut == Statut.TERMINE
    totals = session.execute(
        select(
            func.coalesce(func.sum(JobDepartement.creations), 0),
            func.coalesce(func.sum(JobDepartement.modifications), 0),
            func.coalesce(func.sum(JobDepartement.fermetures), 0),
        ).where(done)
    ).one()
    durations = [
        (t, float(seconds or 0))
        for t, seconds in session.execute(
            select(Job.type, func.avg(func.extract("epoch", Job.fin - Job.debut)))
            .where(Job.statut == Statut.TERMINE, Job.fin > func.now() - timedelta(days=1))
            .group_by(Job.type)
        )
    ]
    return JobMetrics(
        jobs=jobs,
        applied=dict(zip(("creation", "modification", "fermeture"), map(int, totals), strict=True)),
        durations=durations,
    )


def anomaly_values(session: Session, job_id: int, column: str) -> list[str]:
    """The distinct values of one anomaly column (code, feuille…) of a job, for its filters."""
    field = getattr(JobAnomalie, column)
    return list(
        session.scalars(
            select(field).where(JobAnomalie.job_id == job_id).distinct().order_by(field)
        )
    )
