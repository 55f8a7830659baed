"""The Temps 3 bascule as a job kind: one unit per département, published N at a time in the
order asked (waves), each a whole switch in one transaction (service/bascule/switch.py); after
K failures the départements not started end « Non lancé »; the job ends ``termine`` listing its
failed départements unless all failed. Its revert is per département (rollback.py).

A unit's figures: ``lignes`` the legacy groupes and accounts of the département, ``creations``
the groupes moved, ``modifications`` the accounts migrated or linked, ``fermetures`` the legacy
rows removed from SI SIAO, ``inchanges`` those kept for départements not yet switched; its
message says it in full.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field
from sqlalchemy.orm import Session

from service.auth.permissions import Action, Identity
from service.bascule import rollback
from service.bascule.options import BasculeOptions
from service.bascule.switch import switch_departement
from service.jobs import engine, kinds
from service.jobs.enums import Statut
from service.jobs.errors import JobStateError
from service.jobs.kinds import JobKind, RevertScope
from service.jobs.schemas import JobFigures, RetourPartie
from service.jobs.tables import Job, JobDepartement


class BasculeFigures(JobFigures):
    type: Literal["bascule"] = "bascule"
    simulation: bool = Field(False, description="Une simulation n'écrit rien.")


class BasculeKind(JobKind[BasculeOptions]):
    name = "bascule"
    label = "Bascule Temps 3"
    options_model = BasculeOptions
    action = Action.BASCULER
    partial_failure_is_done = True
    figures_model: ClassVar[type[JobFigures]] = BasculeFigures

    def analyse(self, session: Session, job: Job) -> Iterator[None] | None:
        """Nothing to analyse: each département checks itself when its turn comes."""
        engine.start_application(session, job, from_statuts=frozenset({Statut.EN_ATTENTE}))
        return None

    def apply_departement(self, session: Session, job: Job, row: JobDepartement) -> None:
        simulation = self.options(job).simulation
        done = switch_departement(
            session, job.id, job.soumis_par, row.departement, simulation=simulation
        )
        row.traitees = row.lignes
        row.creations = done.groupes_deplaces
        row.modifications = done.comptes_migres + done.comptes_lies
        row.fermetures = done.lignes_supprimees
        row.inchanges = done.lignes_gardees
        row.message = done.phrase(simulation)

    def figures(
        self, job: Job, rows: Sequence[JobDepartement], soumis_par: str | None
    ) -> JobFigures:
        figures = super().figures(job, rows, soumis_par)
        assert isinstance(figures, BasculeFigures)
        figures.simulation = self.options(job).simulation
        return figures

    def confirm(self, session: Session, job: Job, identity: Identity, body: dict[str, Any]) -> None:
        raise JobStateError("JOB_NON_VALIDE", "Une bascule s'applique sans confirmation.")

    def revert_scope(
        self, session: Session, source: Job, departements: tuple[str, ...] | None
    ) -> RevertScope:
        return rollback.scope(session, source, departements)

    def revert_conflicts(self, session: Session, source: Job, scope: RevertScope) -> list[str]:
        return rollback.conflicts(session, source, scope)

    def revert_parts(self, session: Session, source: Job, scope: RevertScope) -> list[RetourPartie]:
        return rollback.parts(session, source, scope)

    def revert_departement(self, session: Session, source: Job, revert_job: Job, dep: str) -> Any:
        return rollback.revert_departement(session, source, dep)

    def revert_job(self, session: Session, source: Job, revert_job: Job) -> Any:
        return 0, 0  # nothing at job level: every row belongs to a département's switch


KIND = kinds.register(BasculeKind())
