"""Temps 1 uploads: the file is checked, stored with its job, and the job published after commit."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile

from api.deps import SessionDep
from api.errors import ApiError
from api.permissions import Importer
from api.routers.jobs import JobOut
from api.schemas import ERRORS
from service.imports.filecheck import FileRefusal, inspect_upload
from service.imports.options import ImportOptions
from service.imports.submission import submit_import
from service.jobs.errors import JobConflict
from service.jobs.figures import job_figures
from service.jobs.schemas import JobFigures
from service.logging import get_logger

router = APIRouter(prefix="/api/v1", tags=["imports"], responses=ERRORS)
log = get_logger(__name__)


@router.post(
    "/imports", status_code=202, response_model=JobOut, summary="Déposer un classeur Temps 1"
)
def create_import(
    identity: Importer,
    session: SessionDep,
    fichier: Annotated[UploadFile, File(description="Classeur .xlsx, .ods ou .csv.")],
    application: Annotated[Literal["manuelle", "automatique"], Form()] = "manuelle",
    mode: Annotated[Literal["complement", "miroir"], Form()] = "complement",
    par_departement: Annotated[bool, Form()] = False,
) -> JobFigures:
    """Entités et dispositifs ; l'analyse se fait en arrière-plan (suivez le job renvoyé)."""
    data = fichier.file.read()
    checked = inspect_upload(fichier.filename or "fichier", data)
    if isinstance(checked, FileRefusal):
        if checked.code == "FICHIER_DANGEREUX":
            log.warning(
                "security.file_refused",
                code=checked.code,
                fichier=checked.filename,
                utilisateur=identity.courriel,
            )
        raise ApiError(422, checked.code, checked.message, {"fichier": checked.filename})
    options = ImportOptions(application=application, mode=mode, par_departement=par_departement)
    try:
        job = submit_import(session, identity, checked.filename, data, options)
    except JobConflict as exc:
        raise ApiError(
            409, exc.code, exc.message, {"departement": exc.departement, "job_actif": exc.job_id}
        ) from exc
    log.info("import.submitted", job_id=job.id, fichier=checked.filename)
    return job_figures(session, job)
