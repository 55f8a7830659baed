"""The life of a job, whatever its kind: creation, start of the application, end of units and of
the job (counted in Postgres, never with Celery chords), failures, cancellation, waves.

Services here flush, never commit; what must reach workers or watchers is queued with
:mod:`service.jobs.publication` and leaves the process after the caller's commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from service.auth.accounts import identity_for_id
from service.auth.permissions import Identity, can, holds
from service.auth.tables import Utilisateur
from service.jobs import audit, kinds, publication
from service.jobs.enums import FINAL, Etape, Statut
from service.jobs.errors import JobStateError
from service.jobs.kinds import JobKind, KindOptions
from service.jobs.limits import check_active_jobs
from service.jobs.queries import job_departements
from service.jobs.tables import Job, JobDepartement, JobPartie
from service.jobs.transitions import end_parts, transition, transition_rows
from service.jobs.units import ready_units

NOT_FINAL = frozenset(Statut) - FINAL
NON_LANCE = "Non lancé : arrêt après {n} échec(s) (« arret_apres_echecs »)."


def submitter_refusal(session: Session, job: Job, departement: str | None) -> str | None:
    """Rights are never inherited from having submitted: before a job writes, its submitter
    must still be active and allowed to submit such a job (for ``departement``). The French
    reason when not."""
    identity = identity_for_id(session, job.soumis_par)
    action = kinds.of(job).action_for(session, job)
    # A job-level stage writes for the whole job: every one of its départements.
    departements = [departement] if departement else sorted(job_departements(session, job.id))
    allowed = identity is not None and (
        all(can(identity, action, d) for d in departements)
        if departements
        else holds(identity.profil, action)
    )
    if allowed:
        return None
    who = session.get(Utilisateur, job.soumis_par)
    return (
        f"Le compte {who.courriel if who else job.soumis_par} n'a plus le droit d'appliquer ce job"
        + (f" pour le département {departement}" if departement else "")
        + " (compte désactivé ou profil modifié depuis la soumission) : rien n'a été appliqué."
    )


def schedule(session: Session, job_id: int) -> None:
    """After the caller's commit: wake up the units this transaction made ready, and tell the
    watchers of the job."""
    publication.publish_units(session, ready_units(session, job_id))
    publication.publish_progress(session, job_id)


def create_job(
    session: Session,
    identity: Identity,
    kind: JobKind[Any],
    options: KindOptions,
    *,
    departements: Sequence[str] = (),
    job_source_id: int | None = None,
    parallele: int | None = None,
    arret_apres_echecs: int | None = None,
    audit_details: dict[str, object] | None = None,
) -> Job:
    """A new job of ``kind``, its units in the given order, audited, published after commit."""
    check_active_jobs(session, identity.utilisateur_id)
    job = Job(
        type=kind.name,
        soumis_par=identity.utilisateur_id,
        options=kind.options_model.model_validate(options.model_dump()).model_dump(mode="json"),
        job_source_id=job_source_id,
        parallele=parallele,
        arret_apres_echecs=arret_apres_echecs,
    )
    session.add(job)
    session.flush()
    session.add_all(
        JobDepartement(job_id=job.id, departement=d, ordre=n) for n, d in enumerate(departements)
    )
    audit.record(
        session,
        identity.utilisateur_id,
        job.id,
        "job.soumis",
        "job",
        str(job.id),
        details={**job.options, **(audit_details or {})},
    )
    session.flush()
    schedule(session, job.id)
    return job


def fan_out(session: Session, job: Job, parties: Sequence[str]) -> None:
    """Split the job's analysis into ``parties`` that any worker may take (published after the
    caller's commit); the job-level unit runs the kind's analysis again once none is left."""
    session.execute(
        insert(JobPartie)
        .values([{"job_id": job.id, "partie": p} for p in parties])
        .on_conflict_do_nothing()
    )


def parts_done(session: Session, job_id: int) -> list[str]:
    """The parts of the job's analysis already done, in name order."""
    return list(
        session.scalars(
            select(JobPartie.partie)
            .where(JobPartie.job_id == job_id, JobPartie.statut == Statut.TERMINE)
            .order_by(JobPartie.partie)
        )
    )


def part_done(session: Session, job: Job, partie: str) -> None:
    """One part of the analysis finished. The caller holds the job row lock, so that the last
    two parts finishing together cannot both miss that the job-level unit may resume."""
    end_parts(session, job.id, Statut.TERMINE, partie=partie)
    schedule(session, job.id)


def supersede_older(session: Session, job: Job) -> None:
    """A new file for the same départements replaces the submitter's older plans still waiting
    for a confirmation (they end « annule »), so that validated jobs do not pile up."""
    departements = job_departements(session, job.id)
    if not departements:
        return
    older = session.scalars(
        select(Job).where(
            Job.soumis_par == job.soumis_par,
            Job.type == job.type,
            Job.id < job.id,
            Job.statut == Statut.VALIDE,
        )
    ).all()
    for previous in older:
        covered = job_departements(session, previous.id)
        if covered and covered <= departements:
            transition(previous, Statut.ANNULE, f"Remplacé par le job {job.id}.")
            previous.etape = Etape.FIN
            transition_rows(
                session,
                previous.id,
                Statut.ANNULE,
                sources={Statut.VALIDE, Statut.INVALIDE},
                message=f"Remplacé par le job {job.id}.",
            )
            publication.publish_progress(session, previous.id)
    session.flush()


def start_application(
    session: Session, job: Job, *, from_statuts: frozenset[Statut] = frozenset({Statut.VALIDE})
) -> None:
    """The job goes to ``application``, with its units now in ``from_statuts``."""
    kind = kinds.of(job)
    transition_rows(session, job.id, Statut.APPLICATION, sources=from_statuts)
    transition(job, Statut.APPLICATION)
    job.etape = Etape.PREALABLE if kind.has_prealable else Etape.DEPARTEMENTS
    session.flush()
    if job.etape == Etape.DEPARTEMENTS:
        finish_if_done(session, job)
    schedule(session, job.id)


def departements_done(session: Session, job: Job) -> None:
    """The job-level ``prealable`` stage is done: the départements may go."""
    job.etape = Etape.DEPARTEMENTS
    finish_if_done(session, job)
    schedule(session, job.id)


def _statuts(session: Session, job_id: int) -> dict[str, list[str]]:
    rows = session.execute(
        select(JobDepartement.statut, JobDepartement.departement)
        .where(JobDepartement.job_id == job_id)
        .order_by(JobDepartement.departement)
    ).all()
    by_statut: dict[str, list[str]] = {}
    for statut, departement in rows:
        by_statut.setdefault(statut, []).append(departement)
    return by_statut


def finish_if_done(session: Session, job: Job) -> bool:
    """Close the job (or move it to its ``cloture`` stage) when no unit is left to run. The
    caller holds the job row lock (SELECT … FOR NO KEY UPDATE), so that two départements
    finishing together cannot both miss it."""
    session.flush()
    if job.statut in FINAL:
        return True
    by_statut = _statuts(session, job.id)
    if by_statut.get(Statut.APPLICATION):
        return False
    kind = kinds.of(job)
    failed = by_statut.get(Statut.ECHEC, [])
    done = by_statut.get(Statut.TERMINE, [])
    if failed and not (kind.partial_failure_is_done and done):
        transition(
            job,
            Statut.ECHEC,
            job.message or f"Échec pour le(s) département(s) {', '.join(failed)}.",
        )
    elif job.annulation_demandee:
        transition(job, Statut.ANNULE)
    elif kind.has_cloture and job.etape != Etape.CLOTURE:
        job.etape = Etape.CLOTURE
        schedule(session, job.id)
        return False
    else:
        message = (
            f"Terminé ; échec pour le(s) département(s) {', '.join(failed)}." if failed else None
        )
        transition(job, Statut.TERMINE, message)
    job.etape = Etape.FIN
    session.flush()
    return True


def _apply_failure_budget(session: Session, job: Job) -> None:
    """After ``arret_apres_echecs`` failed units, those not yet started are not launched."""
    budget = job.arret_apres_echecs
    if budget is None:
        return
    failed = session.scalar(
        select(func.count())
        .select_from(JobDepartement)
        .where(JobDepartement.job_id == job.id, JobDepartement.statut == Statut.ECHEC)
    )
    if (failed or 0) < budget:
        return
    transition_rows(
        session,
        job.id,
        Statut.ANNULE,
        sources={Statut.APPLICATION},
        message=NON_LANCE.format(n=budget),
        where=(JobDepartement.tentatives == 0) & JobDepartement.bail_expire.is_(None),
    )


def unit_failed(session: Session, job: Job, row: JobDepartement, reason: str) -> None:
    """One département failed (its own transaction rolled back): the others go on, unless the
    wave's failure budget is spent. The caller holds the job row lock."""
    transition(row, Statut.ECHEC, reason)
    row.bail_expire = None
    _apply_failure_budget(session, job)
    finish_if_done(session, job)
    schedule(session, job.id)


def unit_done(session: Session, job: Job) -> None:
    """One département finished. The caller holds the job row lock."""
    finish_if_done(session, job)
    schedule(session, job.id)


def fail_job(session: Session, job: Job, reason: str) -> None:
    """The job as a whole fails: its units not yet finished fail with the same reason."""
    if job.statut in FINAL:
        return
    transition(job, Statut.ECHEC, reason)
    job.bail_expire = None
    job.etape = Etape.FIN
    transition_rows(session, job.id, Statut.ECHEC, sources=NOT_FINAL, message=reason)
    end_parts(session, job.id, Statut.ECHEC)
    session.flush()
    publication.publish_progress(session, job.id)


def fail_unit(session: Session, job_id: int, departement: str | None, reason: str) -> None:
    """A unit that cannot be run (poison, internal error), from the runner's own transaction.
    A part of the analysis (``departement`` None) fails its whole job, as its analysis would."""
    job = session.scalar(select(Job).where(Job.id == job_id).with_for_update(key_share=True))
    if job is None or job.statut in FINAL:
        return
    if departement is None:
        fail_job(session, job, reason)
        return
    row = session.get(JobDepartement, (job_id, departement))
    if row is None or row.statut in FINAL:
        return
    unit_failed(session, job, row, reason)


def cancelled(session: Session, job: Job) -> bool:
    """Cooperative cancel, checked between batches and between stages: True when the job was
    asked to stop (it is then ``annule``, with its units not yet finished)."""
    session.refresh(job, ["annulation_demandee"])
    if not job.annulation_demandee:
        return False
    cancel_now(session, job)
    return True


def cancel_now(session: Session, job: Job) -> None:
    transition(job, Statut.ANNULE)
    job.etape = Etape.FIN
    transition_rows(session, job.id, Statut.ANNULE, sources=NOT_FINAL)
    end_parts(session, job.id, Statut.ANNULE)
    session.flush()
    publication.publish_progress(session, job.id)


def request_cancel(session: Session, identity: Identity, job: Job) -> None:
    """Cancel now if nothing runs; otherwise raise the flag that workers check between units."""
    if job.statut in FINAL:
        raise JobStateError(
            "JOB_TERMINE",
            f"Le job {job.id} est déjà terminé (statut « {Statut(job.statut).libelle} »).",
        )
    job.annulation_demandee = True
    if job.statut in (Statut.EN_ATTENTE, Statut.VALIDE, Statut.INVALIDE):
        cancel_now(session, job)
    audit.record(session, identity.utilisateur_id, job.id, "job.annulation", "job", str(job.id))
    session.flush()
    publication.publish_progress(session, job.id)
