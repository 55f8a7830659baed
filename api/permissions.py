"""The one dependency that applies the permission matrix (service/auth/permissions.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from api.deps import IdentityDep
from api.errors import ApiError
from service.auth.permissions import Action, Identity, holds
from service.jobs.queries import get_visible_job
from service.jobs.tables import Job


def require(*actions: Action) -> Callable[[Identity], Identity]:
    """403 unless the caller's profile holds one of ``actions`` (scope is checked per resource,
    and a resource outside it answers 404)."""

    def dependency(identity: IdentityDep) -> Identity:
        if not any(holds(identity.profil, a) for a in actions):
            raise ApiError(
                403, "INTERDIT", f"Votre profil ({identity.profil}) ne permet pas cette action."
            )
        return identity

    return dependency


# The route-level guards, one per group of actions.
Importer = Annotated[Identity, Depends(require(Action.IMPORTER_OFFRE))]
Rattacheur = Annotated[Identity, Depends(require(Action.RATTACHER))]
Acquitteur = Annotated[Identity, Depends(require(Action.ACQUITTER_ALERTES))]
Basculeur = Annotated[Identity, Depends(require(Action.BASCULER))]
OffreReader = Annotated[
    Identity, Depends(require(Action.IMPORTER_OFFRE, Action.RATTACHER, Action.LIRE_RAPPORTS))
]


def not_found(what: str = "Ressource") -> ApiError:
    return ApiError(404, "INTROUVABLE", f"{what} introuvable ou hors de votre périmètre.")


def visible_job_or_404(session: Session, identity: Identity, job_id: int) -> Job:
    """The job if the caller may read it; another département's job is a 404."""
    job = get_visible_job(session, identity, job_id)
    if job is None:
        raise not_found("Job")
    return job
