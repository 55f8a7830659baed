"""The services the task shells call: a job's own stages, and one département's apply."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.imports import apply
from service.imports.analysis import analyse
from service.imports.live import departement_digest, entites_digest
from service.imports.revert import run_revert
from service.jobs.failures import finish_if_done
from service.jobs.leases import Lease
from service.jobs.locks import active_job
from service.jobs.service import JobStateError
from service.jobs.tables import Job, JobDepartement, JobPlan
from service.logging import get_logger

log = get_logger(__name__)

PLAN_PERIME = (
    "Le plan n'est plus à jour : l'offre a été modifiée depuis l'analyse de ce fichier. "
    "Déposez-le à nouveau pour obtenir un aperçu à jour."
)

CONFLIT_CLE = (
    "Deux dispositifs auraient la même clé (SIREN, département, type et nom) : vérifiez les "
    "renommages du fichier puis déposez-le à nouveau. Rien n'a été appliqué pour ce département."
)


def run_job(session: Session, lease: Lease) -> Iterator[None] | None:
    job = session.scalar(select(Job).where(Job.id == lease.job_id).with_for_update(key_share=True))
    if job is None:
        return None
    if job.type == "retour_arriere":
        if job.statut == "en_attente":
            run_revert(session, job)
        return None
    if job.statut in ("en_attente", "analyse"):
        if job.annulation_demandee:
            job.statut, job.fin = "annule", func.now()
            return None
        return _analyse_then_maybe_apply(session, job)
    if job.statut == "application" and job.etape == "entites":
        _apply_entites(session, job)
    return None


def _analyse_then_maybe_apply(session: Session, job: Job) -> Iterator[None]:
    yield from analyse(session, job)
    if job.statut == "valide" and job.options.get("application") == "automatique":
        start_apply(session, job, confirmed_closures=None, automatic=True)


def _apply_entites(session: Session, job: Job) -> None:
    if job.annulation_demandee:
        job.statut, job.fin = "annule", func.now()
        session.execute(
            update(JobDepartement)
            .where(JobDepartement.job_id == job.id, JobDepartement.statut == "application")
            .values(statut="annule")
        )
        return
    try:
        counts = apply.apply_entites(session, job)
    except apply.StalePlan:
        job.statut, job.message, job.fin = "echec", PLAN_PERIME, func.now()
        return
    log.info("import.apply.entites_done", **counts)
    job.etape = "departements"
    finish_if_done(session, job)


def run_departement(session: Session, lease: Lease) -> None:
    job = session.get(Job, lease.job_id)
    row = session.get(JobDepartement, (lease.job_id, lease.departement))
    if job is None or row is None or row.statut != "application" or job.etape != "departements":
        return
    row.debut = func.clock_timestamp()
    if job.annulation_demandee:
        row.statut = "annule"
    else:
        # A savepoint: a stale plan leaves nothing of this département behind.
        savepoint = session.begin_nested()
        try:
            apply.apply_departement(session, job, row)
            savepoint.commit()
            row.statut = "termine"
        except apply.StalePlan:
            savepoint.rollback()
            row.statut, row.message = "echec", PLAN_PERIME
        except IntegrityError:
            savepoint.rollback()
            row.statut, row.message = "echec", CONFLIT_CLE
        log.info("import.apply.departement_done", statut=row.statut)
    # clock_timestamp(): now() is the transaction's start, which would make fin == debut.
    row.fin = func.clock_timestamp()
    # FOR NO KEY UPDATE: this transaction already holds a KEY SHARE lock on the job row (its
    # undo journal references it); a plain FOR UPDATE would deadlock two départements closing
    # together, each waiting for the other's KEY SHARE.
    locked = session.scalar(select(Job).where(Job.id == job.id).with_for_update(key_share=True))
    assert locked is not None
    finish_if_done(session, locked)


def closures_planned(session: Session, job: Job) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(JobPlan)
            .where(JobPlan.job_id == job.id, JobPlan.action == "fermeture")
        )
        or 0
    )


def start_apply(
    session: Session, job: Job, confirmed_closures: int | None, automatic: bool = False
) -> None:
    """Confirmation: refuse a stale plan, a held département, or closures not acknowledged."""
    if job.statut != "valide":
        raise JobStateError(
            "JOB_NON_VALIDE",
            f"Le job {job.id} ne peut pas être appliqué (statut « {job.statut} »).",
        )
    if job.options.get("mode") == "miroir" and not automatic:
        planned = closures_planned(session, job)
        if confirmed_closures != planned:
            raise JobStateError(
                "CONFIRMATION_FERMETURES",
                f"Le mode miroir fermera {planned} dispositif(s) : confirmez en indiquant "
                f"« fermetures » = {planned}.",
            )
    rows = session.scalars(
        select(JobDepartement).where(
            JobDepartement.job_id == job.id, JobDepartement.statut == "valide"
        )
    ).all()
    for row in rows:
        # A one-département job waits for nobody; a national file's départements take their
        # lock at apply time and wait their turn.
        holder = active_job(session, row.departement, excluding=job.id) if len(rows) == 1 else None
        if holder is not None:
            raise JobStateError(
                "DEPARTEMENT_OCCUPE",
                f"Le département {row.departement} est en cours de traitement par le job "
                f"{holder} : réessayez après sa fin.",
            )
        if departement_digest(session, row.departement) != row.empreinte:
            raise JobStateError("PLAN_PERIME", PLAN_PERIME)
    sirens = session.scalars(
        select(JobPlan.cle).where(JobPlan.job_id == job.id, JobPlan.feuille == "Entités")
    ).all()
    if entites_digest(session, sirens) != job.empreinte:
        raise JobStateError("PLAN_PERIME", PLAN_PERIME)
    for row in rows:
        row.statut = "application"
    job.statut, job.etape = "application", "entites"
    session.flush()
