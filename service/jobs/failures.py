"""Closing units and jobs: failures with their reason, and the job's end counted in Postgres."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service.jobs.tables import Job, JobDepartement

FINAL = ("termine", "echec", "annule")


def fail_unit(session: Session, job_id: int, departement: str | None, reason: str) -> None:
    job = session.scalar(select(Job).where(Job.id == job_id).with_for_update(key_share=True))
    if job is None or job.statut in FINAL:
        return
    if departement is None:
        job.statut, job.message, job.fin = "echec", reason, func.now()
        job.bail_expire = None
        session.execute(
            update(JobDepartement)
            .where(JobDepartement.job_id == job_id, JobDepartement.statut.not_in(FINAL))
            .values(statut="echec", message=reason, bail_expire=None)
        )
        session.flush()
        return
    session.execute(
        update(JobDepartement)
        .where(JobDepartement.job_id == job_id, JobDepartement.departement == departement)
        .values(statut="echec", message=reason, fin=func.now(), bail_expire=None)
    )
    finish_if_done(session, job)


def finish_if_done(session: Session, job: Job) -> bool:
    """Close the job when no département is left to apply. The caller holds the job row lock
    (SELECT … FOR UPDATE), so that two départements finishing together cannot both miss it."""
    session.flush()
    pending = session.scalar(
        select(func.count())
        .select_from(JobDepartement)
        .where(JobDepartement.job_id == job.id, JobDepartement.statut == "application")
    )
    if pending:
        return False
    statuts = set(
        session.scalars(select(JobDepartement.statut).where(JobDepartement.job_id == job.id))
    )
    if "echec" in statuts:
        job.statut = "echec"
        job.message = job.message or "Un ou plusieurs départements n'ont pas pu être appliqués."
    elif job.annulation_demandee:
        job.statut = "annule"
    else:
        job.statut = "termine"
    job.fin = func.now()
    session.flush()
    return True
