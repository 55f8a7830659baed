"""A job's figures as its kind shapes them: the same for JSON polling and live events."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.tables import Utilisateur
from service.jobs import kinds
from service.jobs.schemas import JobFigures
from service.jobs.tables import Job, JobDepartement


def job_figures(session: Session, job: Job) -> JobFigures:
    # populate_existing: units are also moved by set-based UPDATEs the identity map never saw.
    rows = session.scalars(
        select(JobDepartement)
        .where(JobDepartement.job_id == job.id)
        .order_by(JobDepartement.departement)
        .execution_options(populate_existing=True)
    ).all()
    submitter = session.get(Utilisateur, job.soumis_par)
    return kinds.of(job).figures(job, rows, submitter.courriel if submitter else None)


def job_event(session: Session, job_id: int) -> str | None:
    """The committed figures of ``job_id`` as one JSON event (None if the job is gone)."""
    session.flush()
    job = session.get(Job, job_id, populate_existing=True)
    if job is None:
        return None
    return encode_event(job_figures(session, job))


def encode_event(figures: JobFigures) -> str:
    return json.dumps(figures.model_dump(mode="json"), ensure_ascii=False)
