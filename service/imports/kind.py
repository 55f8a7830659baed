"""The Temps 1 import as a job kind: analysis (read → normalise → validate → plan), confirmation,
the entités before the départements, one transaction per département, and its revert."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.auth.permissions import Action, Identity
from service.imports import apply, exports, revert
from service.imports.analysis import analyse, analyse_part
from service.imports.live import departement_digest, entites_digest
from service.imports.options import ImportOptions
from service.imports.plan import CREATION, FERMETURE, MODIFICATION
from service.imports.staging import planned_sirens
from service.jobs import engine, kinds
from service.jobs.enums import Statut
from service.jobs.errors import JobStateError
from service.jobs.kinds import ExportSpec, JobKind, RevertScope, UnitRefused
from service.jobs.locks import active_job
from service.jobs.schemas import DepartementFigures, JobFigures, PlanItem
from service.jobs.tables import Job, JobDepartement, JobPlan
from service.logging import get_logger

log = get_logger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAN_PERIME = (
    "Le plan n'est plus à jour : l'offre a été modifiée depuis l'analyse de ce fichier. "
    "Déposez-le à nouveau pour obtenir un aperçu à jour."
)
CONFLIT_CLE = (
    "Deux dispositifs auraient la même clé (SIREN, département, type et nom) : vérifiez les "
    "renommages du fichier puis déposez-le à nouveau. Rien n'a été appliqué pour ce département."
)


class EntitesFigures(BaseModel):
    creations: int = 0
    modifications: int = 0
    inchanges: int = 0


class ImportFigures(JobFigures):
    """Counts of the file as a whole: lines, errors and warnings are the file's; creations,
    modifications… add the entités (``entites``) and every département's dispositifs."""

    type: Literal["import_offre"] = "import_offre"
    entites: EntitesFigures


class ImportKind(JobKind[ImportOptions]):
    name = "import_offre"
    label = "Import Temps 1"
    options_model = ImportOptions
    action = Action.IMPORTER_OFFRE
    has_prealable = True  # the entités, national, before any département
    # Unchanged rows are counted (``inchanges``), never plan rows.
    plan_actions = (CREATION, MODIFICATION, FERMETURE)
    figures_model: ClassVar[type[JobFigures]] = ImportFigures
    exports: ClassVar[Mapping[str, ExportSpec]] = {
        "rapport.xlsx": ExportSpec(XLSX, exports.report_chunks),
        "anomalies.csv": ExportSpec("text/csv; charset=utf-8", exports.anomalies_chunks),
    }

    def analyse(self, session: Session, job: Job) -> Iterator[None]:
        yield from analyse(session, job, self.options(job))
        if job.statut == Statut.VALIDE and self.options(job).application == "automatique":
            self._start(session, job, confirmed_closures=None, automatic=True)

    def analyse_part(self, session: Session, job: Job, partie: str) -> Iterator[None]:
        return analyse_part(session, job, self.options(job), partie)

    def confirm(self, session: Session, job: Job, identity: Identity, body: dict[str, Any]) -> None:
        self._start(session, job, confirmed_closures=body.get("fermetures"), automatic=False)

    def _start(
        self, session: Session, job: Job, confirmed_closures: int | None, automatic: bool
    ) -> None:
        """Refuse a stale plan, a held département, or closures not acknowledged."""
        if job.statut != Statut.VALIDE:
            raise JobStateError(
                "JOB_NON_VALIDE",
                f"Le job {job.id} ne peut pas être appliqué "
                f"(statut « {Statut(job.statut).libelle} »).",
            )
        if self.options(job).mode == "miroir" and not automatic:
            planned = closures_planned(session, job)
            if confirmed_closures != planned:
                raise JobStateError(
                    "CONFIRMATION_FERMETURES",
                    f"Le mode miroir fermera {planned} dispositif(s) : confirmez en indiquant "
                    f"« fermetures » = {planned}.",
                )
        rows = session.scalars(
            select(JobDepartement).where(
                JobDepartement.job_id == job.id, JobDepartement.statut == Statut.VALIDE
            )
        ).all()
        for row in rows:
            # A one-département job waits for nobody; a national file's départements take their
            # lock at apply time and wait their turn.
            holder = (
                active_job(session, row.departement, excluding=job.id) if len(rows) == 1 else None
            )
            if holder is not None:
                raise JobStateError(
                    "DEPARTEMENT_OCCUPE",
                    f"Le département {row.departement} est en cours de traitement par le job "
                    f"{holder} : réessayez après sa fin.",
                )
            if departement_digest(session, row.departement) != row.empreinte:
                raise JobStateError("PLAN_PERIME", PLAN_PERIME)
        if entites_digest(session, planned_sirens(session, job.id)) != job.empreinte:
            raise JobStateError("PLAN_PERIME", PLAN_PERIME)
        engine.start_application(session, job)

    def apply_job(self, session: Session, job: Job) -> None:
        try:
            counts = apply.apply_entites(session, job)
        except apply.StalePlan as exc:
            raise UnitRefused(PLAN_PERIME) from exc
        log.info("import.apply.entites_done", **counts)

    def apply_departement(self, session: Session, job: Job, row: JobDepartement) -> None:
        try:
            apply.apply_departement(session, job, row)
        except apply.StalePlan as exc:
            raise UnitRefused(PLAN_PERIME) from exc
        except IntegrityError as exc:
            raise UnitRefused(CONFLIT_CLE) from exc

    def figures(
        self, job: Job, rows: Sequence[JobDepartement], soumis_par: str | None
    ) -> JobFigures:
        departements = [DepartementFigures.model_validate(r) for r in rows]
        # Lines, errors and warnings are counted once for the whole file, on the job row.
        file_counts = {
            n: getattr(job, n) for n in ("lignes", "traitees", "erreurs", "avertissements")
        }
        applied = {
            n: getattr(job, n) + sum(getattr(d, n) for d in departements)
            for n in ("creations", "modifications", "inchanges", "fermetures")
        }
        return ImportFigures(
            **self.job_fields(job, soumis_par),
            **file_counts,
            **applied,
            entites=EntitesFigures(
                creations=job.creations, modifications=job.modifications, inchanges=job.inchanges
            ),
            departements=departements,
        )

    def plan_item(self, plan: JobPlan) -> PlanItem:
        item = super().plan_item(plan)
        if item.valeurs is not None:  # the name's key is the apply's, not the user's
            item.valeurs.pop("nom_normalise", None)
        if item.identifiant is None and plan.feuille == "Dispositifs" and plan.action != CREATION:
            item.identifiant = plan.cle  # an existing dispositif is keyed by its identifiant
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
        return revert.revert_entites(session, source)


def closures_planned(session: Session, job: Job) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(JobPlan)
            .where(JobPlan.job_id == job.id, JobPlan.action == FERMETURE)
        )
        or 0
    )


KIND = kinds.register(ImportKind())
