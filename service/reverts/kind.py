"""A revert as a job kind. What is restored belongs to the kind of the reverted job (its
``revert_*`` hooks): this kind only runs them, one transaction per département, then the
job-level part once every département is back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import Field
from sqlalchemy import Integer, func, select
from sqlalchemy.orm import Session

from service.auth.permissions import Action, Identity
from service.jobs import audit, engine, kinds
from service.jobs.enums import Statut
from service.jobs.errors import JobStateError
from service.jobs.kinds import JobKind, KindOptions, RevertScope
from service.jobs.tables import Audit, Job, JobDepartement

MODIFIE_DEPUIS = "Des lignes ont été modifiées depuis la demande : retour arrière refusé."
_DONE = "job.retour_arriere.applique"


class RevertOptions(KindOptions):
    forcer: bool = Field(False, description="Écraser les modifications postérieures (national).")
    departements: tuple[str, ...] | None = Field(
        None, description="Départements à rétablir (tous ceux du job par défaut)."
    )


def source_of(session: Session, job: Job) -> Job:
    source = session.get(Job, job.job_source_id)
    assert source is not None, f"job {job.id} sans job source"
    return source


class RevertKind(JobKind[RevertOptions]):
    name = "retour_arriere"
    label = "Retour arrière"
    options_model = RevertOptions
    # The right to revert (and to read the revert) is the reverted job's kind's.
    action = Action.IMPORTER_OFFRE
    rights_from_source = True
    has_cloture = True

    def analyse(self, session: Session, job: Job) -> Iterator[None] | None:
        """Check again, now that the départements are ours, that nothing changed since the
        request; then restore."""
        source = source_of(session, job)
        options = self.options(job)
        part = RevertScope(
            tuple(
                session.scalars(
                    select(JobDepartement.departement).where(JobDepartement.job_id == job.id)
                )
            ),
            whole_job=options.departements is None,
        )
        if not options.forcer and kinds.of(source).revert_conflicts(session, source, part):
            engine.fail_job(session, job, MODIFIE_DEPUIS)
            return None
        engine.start_application(session, job, from_statuts=frozenset({Statut.EN_ATTENTE}))
        return None

    def apply_departement(self, session: Session, job: Job, row: JobDepartement) -> None:
        source = source_of(session, job)
        restored, removed = kinds.of(source).revert_departement(
            session, source, job, row.departement
        )
        row.modifications = restored
        row.message = _said(source, restored, removed)
        _record(session, job, source, restored, removed, row.departement)

    def close(self, session: Session, job: Job) -> None:
        source = source_of(session, job)
        if self.options(job).departements is None:
            # The job-level part (national entités) only with the whole job.
            restored, removed = kinds.of(source).revert_job(session, source, job)
            job.modifications = restored
            _record(session, job, source, restored, removed, None)
        totals = session.execute(
            select(
                func.sum(Audit.details["restaurees"].astext.cast(Integer)),
                func.sum(Audit.details["supprimees"].astext.cast(Integer)),
            ).where(Audit.job_id == job.id, Audit.action == _DONE)
        ).one()
        job.message = _said(source, totals[0] or 0, totals[1] or 0)

    def confirm(self, session: Session, job: Job, identity: Identity, body: dict[str, Any]) -> None:
        raise JobStateError("JOB_NON_VALIDE", "Un retour arrière s'applique sans confirmation.")


def _record(
    session: Session, job: Job, source: Job, restored: int, removed: int, dep: str | None
) -> None:
    audit.record(
        session,
        job.soumis_par,
        job.id,
        _DONE,
        "job",
        str(source.id),
        departement=dep,
        details={"restaurees": restored, "supprimees": removed},
    )
    session.flush()


def _said(source: Job, restored: int, removed: int) -> str:
    return (
        f"Retour arrière du job {source.id} : {restored} ligne(s) remise(s) dans leur état "
        f"antérieur, {removed} ligne(s) créée(s) par ce job supprimée(s)."
    )


KIND = kinds.register(RevertKind())
