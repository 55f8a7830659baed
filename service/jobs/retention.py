"""Purge of what a job no longer needs after the retention period: the uploaded file, the staged
rows, the plan and the built downloads. The job, its per-département figures, its anomalies, its
audit and its undo journal stay (what was done, by whom, and how to revert it)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.jobs.enums import FINAL, Statut
from service.jobs.tables import Job, JobExport, JobFichier, JobLigne, JobPlan
from service.jobs.transitions import transition, transition_rows

EXPIRE = "Expiré : non confirmé dans les {jours} jours, son fichier a été supprimé."


def purge(session: Session) -> int:
    """Purge the jobs older than the retention period; returns how many."""
    days = get_settings().retention_days
    cutoff = func.now() - timedelta(days=days)
    old = select(Job).where(
        Job.cree_le < cutoff,
        Job.statut.in_([*FINAL, Statut.VALIDE, Statut.INVALIDE]),
        Job.id.in_(select(JobFichier.job_id).union(select(JobLigne.job_id).distinct())),
    )
    jobs = session.scalars(old.with_for_update(skip_locked=True)).all()
    for job in jobs:
        if job.statut not in FINAL:
            # A plan waiting for a confirmation cannot be applied once its file is gone.
            message = EXPIRE.format(jours=days)
            transition(job, Statut.ANNULE, message)
            transition_rows(
                session, job.id, Statut.ANNULE, sources={Statut.VALIDE, Statut.INVALIDE}
            )
        for table in (JobFichier, JobLigne, JobPlan, JobExport):
            session.execute(delete(table).where(table.job_id == job.id))
    session.flush()
    return len(jobs)
