"""Submitting workbook 2: the département it holds (the workbook's marker, the submitter's one
département, or the one asked for), checked against the submitter's scope, held from the
upload on (409 while another write job holds it), the job and its file."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from service.auth.permissions import Action, Identity, can
from service.bascule.status import check_not_switched
from service.jobs import engine
from service.jobs.errors import JobConflict
from service.jobs.locks import active_job, lock_departement
from service.jobs.tables import Job, JobFichier
from service.rattachement.kind import KIND, RattachementOptions
from service.referentiels.departements import check_departement


class SubmissionRefused(Exception):
    """The upload names no département, or one outside the submitter's reach (``status``)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def resolve_departement(identity: Identity, marked: str | None, requested: str | None) -> str:
    asked = check_departement(requested).value if requested else None
    if requested and asked is None:
        raise SubmissionRefused(
            422, "DEPARTEMENT_INCONNU", f"« {requested} » n'est pas un code de département."
        )
    if asked and marked and asked != marked:
        raise SubmissionRefused(
            422,
            "HORS_PERIMETRE",
            f"Ce classeur a été exporté pour le département {marked}, pas pour le {asked}.",
        )
    own = next(iter(identity.departements)) if len(identity.departements) == 1 else None
    departement = asked or marked or (None if identity.national else own)
    if departement is None:
        raise SubmissionRefused(
            422,
            "DEPARTEMENT_INCONNU",
            "Ce classeur ne dit pas son département (marqueur absent) : indiquez-le dans le "
            "champ « departement ».",
        )
    if not can(identity, Action.RATTACHER, departement):
        raise SubmissionRefused(
            404, "INTROUVABLE", "Département introuvable ou hors de votre périmètre."
        )
    return departement


def submit_rattachement(
    session: Session,
    identity: Identity,
    departement: str,
    filename: str,
    data: bytes,
    options: RattachementOptions,
) -> Job:
    lock_departement(session, departement)
    check_not_switched(session, departement)
    holder = active_job(session, departement)
    if holder is not None:
        raise JobConflict(departement, holder)
    job = engine.create_job(
        session,
        identity,
        KIND,
        options,
        departements=[departement],
        audit_details={"fichier": filename, "taille": len(data), "departement": departement},
    )
    session.add(
        JobFichier(
            job_id=job.id,
            nom=filename,
            taille=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            contenu=data,
        )
    )
    session.flush()
    return job
