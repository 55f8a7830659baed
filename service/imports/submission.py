"""Submitting a Temps 1 workbook: the job, its file (in Postgres, so that workers on any
machine can read it) and, for a submitter scoped to one département, that département's hold."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from service.auth.permissions import Identity
from service.imports.kind import KIND
from service.imports.options import ImportOptions
from service.jobs import engine
from service.jobs.errors import JobConflict
from service.jobs.locks import active_job, lock_departement
from service.jobs.tables import Job, JobFichier


def submit_import(
    session: Session, identity: Identity, filename: str, data: bytes, options: ImportOptions
) -> Job:
    single = None
    if not identity.national and len(identity.departements) == 1:
        (single,) = identity.departements
        lock_departement(session, single)
        holder = active_job(session, single)
        if holder is not None:
            raise JobConflict(single, holder)
    job = engine.create_job(
        session,
        identity,
        KIND,
        options,
        departements=[single] if single else [],
        audit_details={"fichier": filename, "taille": len(data)},
    )
    session.add(
        JobFichier(
            job_id=job.id,
            nom=filename,
            taille=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            contenu=data,
        )
    )
    session.flush()
    return job
