"""Reading jobs within the caller's scope (DOMAIN.md §4): the read side of the engine, used by
the API routes and the console. Every query here applies the scope filter."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from service.auth.permissions import Action, Identity, can, can_read_job
from service.jobs import kinds
from service.jobs.tables import Job, JobAnomalie, JobDepartement, JobPlan


def job_departements(session: Session, job_id: int) -> frozenset[str]:
    return frozenset(
        session.scalars(select(JobDepartement.departement).where(JobDepartement.job_id == job_id))
    )


def get_visible_job(session: Session, identity: Identity, job_id: int) -> Job | None:
    """The job if the caller may read it; None (→ 404) otherwise."""
    job = session.get(Job, job_id)
    if job is None:
        return None
    action = kinds.of(job).action
    if not can_read_job(identity, action, job.soumis_par, job_departements(session, job_id)):
        return None
    return job


def _readable(identity: Identity) -> ColumnElement[bool] | None:
    """Mine, and those of my scope: per kind, those who could submit such a job for one of its
    départements, and ANALYSTE for the reports of its départements."""
    if identity.national:
        return None
    readable = [Job.soumis_par == identity.utilisateur_id]
    for kind in kinds.registered():
        deps = [
            d
            for d in identity.departements
            if can(identity, kind.action, d) or can(identity, Action.LIRE_RAPPORTS, d)
        ]
        if deps:
            readable.append(
                and_(
                    Job.type == kind.name,
                    exists().where(
                        JobDepartement.job_id == Job.id, JobDepartement.departement.in_(deps)
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


def anomaly_values(session: Session, job_id: int, column: str) -> list[str]:
    """The distinct values of one anomaly column (code, feuille…) of a job, for its filters."""
    field = getattr(JobAnomalie, column)
    return list(
        session.scalars(
            select(field).where(JobAnomalie.job_id == job_id).distinct().order_by(field)
        )
    )
