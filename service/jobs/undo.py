"""The undo journal (``offre.journal_annulation``) as kinds use it for their reverts: what an
applied job can give back, per département and for the job as a whole."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.jobs.enums import FINAL, Statut
from service.jobs.errors import JobStateError
from service.jobs.kinds import RevertScope
from service.jobs.tables import Job, JobDepartement, JournalAnnulation


def journaled_scope(
    session: Session, source: Job, departements: tuple[str, ...] | None, what: str
) -> RevertScope:
    """The départements ``source`` applied (those asked for, or all of them with the job-level
    part), or JobStateError when it applied nothing to give back. ``what``: « un import »…"""
    if source.statut not in FINAL:
        raise JobStateError(
            "RETOUR_IMPOSSIBLE",
            f"Seul {what} appliqué peut être annulé (job {source.id} : "
            f"« {Statut(source.statut).libelle} »).",
        )
    journaled = session.scalar(
        select(func.count())
        .select_from(JournalAnnulation)
        .where(JournalAnnulation.job_id == source.id)
    )
    if not journaled:
        raise JobStateError(
            "RETOUR_IMPOSSIBLE", f"Le job {source.id} n'a rien appliqué : rien à annuler."
        )
    applied = tuple(
        session.scalars(
            select(JobDepartement.departement)
            .where(JobDepartement.job_id == source.id, JobDepartement.statut == Statut.TERMINE)
            .order_by(JobDepartement.departement)
        )
    )
    if departements is None:
        return RevertScope(applied, whole_job=True)
    unknown = sorted(set(departements) - set(applied))
    if unknown:
        raise JobStateError(
            "RETOUR_IMPOSSIBLE",
            f"Le job {source.id} n'a rien appliqué pour le(s) département(s) {', '.join(unknown)}.",
        )
    return RevertScope(tuple(sorted(departements)), whole_job=False)
