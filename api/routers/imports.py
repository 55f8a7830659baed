"""Temps 1 uploads: the file is checked, stored with its job, and the job published after commit."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse

from api.errors import ApiError
from api.permissions import Importer
from service.db.engine import session_scope
from service.imports.filecheck import FileRefusal, inspect_upload
from service.jobs.progress import job_figures
from service.jobs.service import ImportOptions, JobConflict, submit_import
from service.jobs.units import ready_units
from service.logging import get_logger
from tasks.publish import publish_units

router = APIRouter(prefix="/api/v1", tags=["imports"])
log = get_logger(__name__)


@router.post("/imports", status_code=202)
async def create_import(
    identity: Importer,
    fichier: Annotated[UploadFile, File(description="Classeur .xlsx, .ods ou .csv.")],
    application: Annotated[Literal["manuelle", "automatique"], Form()] = "manuelle",
    mode: Annotated[Literal["complement", "miroir"], Form()] = "complement",
    par_departement: Annotated[bool, Form()] = False,
) -> JSONResponse:
    """Dépose un classeur Temps 1 (entités et dispositifs) ; l'analyse se fait en arrière-plan."""
    data = await fichier.read()
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
        with session_scope() as session:
            job = submit_import(session, identity, checked.filename, data, options)
            units = ready_units(session, job.id)
            figures: dict[str, Any] = job_figures(session, job, identity.courriel)
    except JobConflict as exc:
        raise ApiError(
            409,
            "DEPARTEMENT_OCCUPE",
            str(exc),
            {"departement": exc.departement, "job_actif": exc.job_id},
        ) from exc
    publish_units(units)  # after commit: a worker must find the job it is told about
    log.info("import.soumis", job_id=figures["id"], fichier=checked.filename)
    return JSONResponse(figures, status_code=202)
