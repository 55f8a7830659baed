"""The Temps 2 rattachement as a job kind: one département per job; analysis of workbook 2,
confirmation, the département's decisions in one transaction, and its revert."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.permissions import Action, Identity
from service.bascule.status import DejaBascule, check_not_switched
from service.imports.exports import anomalies_chunks, report_builder
from service.imports.kind import XLSX
from service.jobs import engine, kinds
from service.jobs.enums import Statut
from service.jobs.errors import JobStateError
from service.jobs.kinds import ExportSpec, JobKind, KindOptions, RevertScope, UnitRefused
from service.jobs.locks import active_job
from service.jobs.schemas import JobFigures, PlanItem
from service.jobs.tables import Job, JobDepartement, JobPlan
from service.rattachement import apply, revert
from service.rattachement.analysis import analyse
from service.rattachement.columns import WORKBOOK_2
from service.rattachement.plan import PLAN_ACTIONS
from service.rattachement.queries import fingerprint

PLAN_PERIME = (
    "Le plan n'est plus à jour : des décisions ou des dispositifs du département ont changé "
    "depuis l'analyse de ce fichier. Exportez à nouveau le classeur ou déposez-le à nouveau."
)


class RattachementOptions(KindOptions):
    application: Literal["manuelle", "automatique"] = Field(
        "manuelle", description="« automatique » : appliquer dès l'analyse s'il n'y a pas d'erreur."
    )


class RattachementFigures(JobFigures):
    """Counts of the département's decisions: ``creations`` decisions taken where there was
    none, ``modifications`` decisions changed, ``fermetures`` decisions withdrawn (back to
    « à décider »), ``inchanges`` rows whose decision stays."""

    type: Literal["rattachement"] = "rattachement"
    departement: str | None = Field(None, description="Le département du classeur.")


class RattachementKind(JobKind[RattachementOptions]):
    name = "rattachement"
    label = "Rattachement Temps 2"
    options_model = RattachementOptions
    action = Action.RATTACHER
    plan_actions = PLAN_ACTIONS
    figures_model: ClassVar[type[JobFigures]] = RattachementFigures
    exports: ClassVar[Mapping[str, ExportSpec]] = {
        "rapport.xlsx": ExportSpec(XLSX, report_builder(WORKBOOK_2)),
        "anomalies.csv": ExportSpec("text/csv; charset=utf-8", anomalies_chunks),
    }

    def analyse(self, session: Session, job: Job) -> Iterator[None]:
        yield from analyse(session, job)
        if job.statut == Statut.VALIDE and self.options(job).application == "automatique":
            self._start(session, job)

    def confirm(self, session: Session, job: Job, identity: Identity, body: dict[str, Any]) -> None:
        self._start(session, job)

    def _start(self, session: Session, job: Job) -> None:
        """Refuse a job not validated, a held département, or a stale plan."""
        if job.statut != Statut.VALIDE:
            raise JobStateError(
                "JOB_NON_VALIDE",
                f"Le job {job.id} ne peut pas être appliqué "
                f"(statut « {Statut(job.statut).libelle} »).",
            )
        row = session.scalars(select(JobDepartement).where(JobDepartement.job_id == job.id)).one()
        check_not_switched(session, row.departement)
        holder = active_job(session, row.departement, excluding=job.id)
        if holder is not None:
            raise JobStateError(
                "DEPARTEMENT_OCCUPE",
                f"Le département {row.departement} est en cours de traitement par le job "
                f"{holder} : réessayez après sa fin.",
            )
        if fingerprint(session, row.departement) != row.empreinte:
            raise JobStateError("PLAN_PERIME", PLAN_PERIME)
        engine.start_application(session, job)

    def apply_departement(self, session: Session, job: Job, row: JobDepartement) -> None:
        try:
            check_not_switched(session, row.departement)
        except DejaBascule as exc:
            raise UnitRefused(exc.message) from exc
        try:
            apply.apply_departement(session, job, row)
        except apply.StalePlan as exc:
            raise UnitRefused(PLAN_PERIME) from exc

    def figures(
        self, job: Job, rows: Sequence[JobDepartement], soumis_par: str | None
    ) -> JobFigures:
        figures = super().figures(job, rows, soumis_par)
        assert isinstance(figures, RattachementFigures)
        figures.departement = rows[0].departement if rows else None
        return figures

    def plan_item(self, plan: JobPlan) -> PlanItem:
        item = super().plan_item(plan)
        item.identifiant = (plan.apres or {}).get("dispositif")
        return item

    def revert_scope(
        self, session: Session, source: Job, departements: tuple[str, ...] | None
    ) -> RevertScope:
        return revert.scope(session, source, departements)

    def revert_conflicts(self, session: Session, source: Job, scope: RevertScope) -> list[str]:
        return revert.conflicts(session, source, scope)

    def revert_departement(self, session: Session, source: Job, revert_job: Job, dep: str) -> Any:
        return revert.revert_departement(session, source, dep)

    def revert_job(self, session: Session, source: Job, revert_job: Job) -> Any:
        return 0, 0  # nothing at job level: every decision belongs to a département


KIND = kinds.register(RattachementKind())
