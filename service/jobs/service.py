"""Submitting, reading and cancelling jobs. Services flush; the caller commits and publishes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session

from service.auth.permissions import JOB_ACTIONS, Action, Identity, can, can_read_job
from service.auth.tables import Utilisateur
from service.jobs import audit
from service.jobs.locks import active_job, lock_departement
from service.jobs.tables import Job, JobDepartement, JobFichier


class JobConflict(Exception):
    """Another write job holds the département (409)."""

    def __init__(self, departement: str, job_id: int) -> None:
        super().__init__(
            f"Le département {departement} est déjà en cours de traitement par le job "
            f"{job_id} : attendez sa fin ou annulez-le."
        )
        self.departement = departement
        self.job_id = job_id


class JobStateError(Exception):
    """The action does not fit the job's state (409), with a French message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class ImportOptions:
    application: str = "manuelle"  # manuelle | automatique
    mode: str = "complement"  # complement | miroir
    par_departement: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "application": self.application,
            "mode": self.mode,
            "par_departement": self.par_departement,
        }


def submit_import(
    session: Session, identity: Identity, filename: str, data: bytes, options: ImportOptions
) -> Job:
    """A new import job with its file. A submitter scoped to one département holds it now."""
    single = None
    if not identity.national and len(identity.departements) == 1:
        (single,) = identity.departements
        lock_departement(session, single)
        holder = active_job(session, single)
        if holder is not None:
            raise JobConflict(single, holder)
    job = Job(type="import_offre", soumis_par=identity.utilisateur_id, options=options.as_json())
    session.add(job)
    session.flush()
    session.add(
        JobFichier(
            job_id=job.id,
            nom=filename,
            taille=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            contenu=data,
        )
    )
    if single is not None:
        session.add(JobDepartement(job_id=job.id, departement=single))
    audit.record(
        session,
        identity.utilisateur_id,
        job.id,
        "job.soumis",
        "job",
        str(job.id),
        details={"fichier": filename, "taille": len(data), **options.as_json()},
    )
    session.flush()
    return job


def job_departements(session: Session, job_id: int) -> frozenset[str]:
    return frozenset(
        session.scalars(select(JobDepartement.departement).where(JobDepartement.job_id == job_id))
    )


def get_visible_job(session: Session, identity: Identity, job_id: int) -> Job | None:
    """The job if the caller may read it; None (→ 404) otherwise."""
    job = session.get(Job, job_id)
    if job is None:
        return None
    if not can_read_job(identity, job.type, job.soumis_par, job_departements(session, job_id)):
        return None
    return job


def visible_jobs(
    session: Session, identity: Identity, page: int, taille: int
) -> tuple[list[Job], int]:
    """Mine, and those of my scope (DOMAIN.md §4)."""
    query = select(Job)
    if not identity.national:
        # The same rule as can_read_job, per kind of job: those who could submit such a job
        # for one of its départements, and ANALYSTE for the reports of its départements.
        readable = [Job.soumis_par == identity.utilisateur_id]
        for job_type, action in JOB_ACTIONS.items():
            deps = [
                d
                for d in identity.departements
                if can(identity, action, d) or can(identity, Action.LIRE_RAPPORTS, d)
            ]
            if deps:
                readable.append(
                    and_(
                        Job.type == job_type,
                        exists().where(
                            JobDepartement.job_id == Job.id, JobDepartement.departement.in_(deps)
                        ),
                    )
                )
        query = query.where(or_(*readable))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    jobs = session.scalars(
        query.order_by(Job.id.desc()).offset((page - 1) * taille).limit(taille)
    ).all()
    return list(jobs), total


def submitter_email(session: Session, job: Job) -> str | None:
    return session.scalar(select(Utilisateur.courriel).where(Utilisateur.id == job.soumis_par))


def request_cancel(session: Session, identity: Identity, job: Job) -> None:
    """Cancel now if nothing runs; otherwise raise the flag that workers check between units."""
    if job.statut in ("termine", "echec", "annule"):
        raise JobStateError(
            "JOB_TERMINE", f"Le job {job.id} est déjà terminé (statut « {job.statut} »)."
        )
    job.annulation_demandee = True
    if job.statut in ("en_attente", "valide", "invalide"):
        job.statut = "annule"
        job.fin = func.now()
        session.execute(
            update(JobDepartement)
            .where(JobDepartement.job_id == job.id, JobDepartement.statut.not_in(("termine",)))
            .values(statut="annule")
        )
    audit.record(session, identity.utilisateur_id, job.id, "job.annulation", "job", str(job.id))
    session.flush()
