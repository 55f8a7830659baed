"""Screen entry as a job kind: each saved form is a tiny job, applied in the request's own
transaction, so that it carries what an import carries — its plan row (old → new), its undo
journal, its audit, ``modifie_par_job_id`` on what it wrote — and can be reverted like an import
(the import's revert replays the same journal)."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy.orm import Session

from service.auth.permissions import Action, Identity
from service.imports import revert
from service.imports.plan import CREATION, MODIFICATION
from service.jobs import kinds
from service.jobs.errors import JobStateError
from service.jobs.kinds import JobKind, KindOptions, RevertScope
from service.jobs.tables import Job


class SaisieOptions(KindOptions):
    objet: Literal["entite", "dispositif"]
    cle: str


class SaisieKind(JobKind[SaisieOptions]):
    name = "saisie_offre"
    label = "Saisie à l'écran"
    options_model = SaisieOptions
    action = Action.IMPORTER_OFFRE
    plan_actions = (CREATION, MODIFICATION)

    def confirm(self, session: Session, job: Job, identity: Identity, body: dict[str, Any]) -> None:
        raise JobStateError("JOB_NON_VALIDE", "Une saisie à l'écran s'applique sans confirmation.")

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


KIND = kinds.register(SaisieKind())
