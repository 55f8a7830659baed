"""Temps 2: the département's workbook 2, its upload as a ``rattachement`` job, screen entry of
one decision, the proposals and the progress figures. Each route checks the caller's rights,
then calls one service of service/rattachement."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, File, Form, Query, UploadFile
from fastapi.responses import Response

from api.deps import SessionDep
from api.errors import ApiError
from api.pagination import PageDep
from api.permissions import Acquitteur, Rattacheur, not_found
from api.routers.jobs import JobOut
from api.routers.workbooks import download
from api.schemas import ERRORS, XLSX, Page, file_response
from service.auth.permissions import Action, Identity, can
from service.imports.filecheck import FileRefusal, inspect_upload
from service.jobs.errors import JobConflict
from service.jobs.figures import job_figures
from service.jobs.locks import active_job
from service.jobs.schemas import JobFigures
from service.logging import get_logger
from service.rattachement import entries
from service.rattachement.export import departement_workbook
from service.rattachement.kind import RattachementOptions
from service.rattachement.progress import progression
from service.rattachement.queries import load_contexte
from service.rattachement.schemas import (
    AcquittementIn,
    GroupeRattachement,
    GroupeRattachementIn,
    MigrationIn,
    ProgressionOut,
    Proposition,
    UtilisateurHistorique,
    compte_out,
    groupe_out,
    progression_out,
    propositions,
)
from service.rattachement.source import marker_of_upload
from service.rattachement.submission import (
    SubmissionRefused,
    resolve_departement,
    submit_rattachement,
)
from service.referentiels.departements import CODES

router = APIRouter(prefix="/api/v1", tags=["rattachement"], responses=ERRORS)
log = get_logger(__name__)


def _departement(identity: Identity, code: str) -> str:
    code = code.upper()
    if code not in CODES or not can(identity, Action.RATTACHER, code):
        raise not_found("Département")
    return code


def _conflict(exc: JobConflict) -> ApiError:
    return ApiError(
        409, exc.code, exc.message, {"departement": exc.departement, "job_actif": exc.job_id}
    )


def _refused(exc: entries.EntryRefused) -> ApiError:
    return ApiError(422, exc.code, exc.message, {"anomalies": exc.problems})


@router.get(
    "/departements/{code}/rattachement.xlsx",
    response_class=Response,
    responses=file_response("Le classeur .xlsx.", XLSX),
    summary="Le classeur de rattachement du département, pré-rempli des propositions",
)
def workbook(code: str, identity: Rattacheur, session: SessionDep) -> Response:
    """Groupes de places, Utilisateurs et Dispositifs : à compléter puis à déposer
    (POST /api/v1/rattachements)."""
    departement = _departement(identity, code)
    return download(
        departement_workbook(session, departement), XLSX, f"rattachement-{departement}.xlsx"
    )


@router.post(
    "/rattachements",
    status_code=202,
    response_model=JobOut,
    summary="Déposer un classeur de rattachement (Temps 2)",
)
def create_rattachement(
    identity: Rattacheur,
    session: SessionDep,
    fichier: Annotated[UploadFile, File(description="Le classeur de rattachement complété.")],
    application: Annotated[Literal["manuelle", "automatique"], Form()] = "manuelle",
    departement: Annotated[
        str | None,
        Form(description="Le département, si le classeur ne le dit pas (CSV, marqueur effacé)."),
    ] = None,
) -> JobFigures:
    """L'analyse se fait en arrière-plan : suivez le job renvoyé (aperçu, anomalies,
    appliquer)."""
    data = fichier.file.read()
    checked = inspect_upload(fichier.filename or "fichier", data)
    if isinstance(checked, FileRefusal):
        raise ApiError(422, checked.code, checked.message, {"fichier": checked.filename})
    # The hidden marker says whose workbook it is, before the job holds a département: read
    # by the bounded, defused pre-scan (no parser runs here; the worker reads the sheets).
    marker = marker_of_upload(checked.filename, data)
    try:
        code = resolve_departement(identity, marker.departement if marker else None, departement)
        job = submit_rattachement(
            session,
            identity,
            code,
            checked.filename,
            data,
            RattachementOptions(application=application),
        )
    except SubmissionRefused as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc
    except JobConflict as exc:
        raise _conflict(exc) from exc
    log.info("rattachement.submitted", job_id=job.id, departement=code)
    return job_figures(session, job)


@router.put(
    "/groupes-places/{groupe_id}/rattachement",
    response_model=GroupeRattachement,
    summary="Rattacher ou exclure un groupe de places",
)
def put_groupe(
    groupe_id: int, body: GroupeRattachementIn, identity: Rattacheur, session: SessionDep
) -> GroupeRattachement:
    """Mêmes règles que le classeur ; 409 tant qu'un job d'écriture tient le département."""
    try:
        ctx, _ = entries.decide_groupe(session, identity, groupe_id, body.model_dump())
    except entries.NotFound as exc:
        raise not_found("Groupe de places") from exc
    except JobConflict as exc:
        raise _conflict(exc) from exc
    except entries.EntryRefused as exc:
        raise _refused(exc) from exc
    return groupe_out(ctx, groupe_id)


@router.put(
    "/utilisateurs-historiques/{utilisateur_id}/migration",
    response_model=UtilisateurHistorique,
    summary="Décider de la migration d'un compte historique",
)
def put_compte(
    utilisateur_id: int, body: MigrationIn, identity: Rattacheur, session: SessionDep
) -> UtilisateurHistorique:
    """Profil et périmètre (migrer), lier au compte existant, ou désactiver ; mêmes règles que
    le classeur ; 409 tant qu'un job d'écriture tient le département."""
    try:
        ctx, _ = entries.decide_compte(session, identity, utilisateur_id, body.model_dump())
    except entries.NotFound as exc:
        raise not_found("Compte historique") from exc
    except JobConflict as exc:
        raise _conflict(exc) from exc
    except entries.EntryRefused as exc:
        raise _refused(exc) from exc
    return compte_out(ctx, utilisateur_id)


@router.post(
    "/utilisateurs-historiques/{utilisateur_id}/alertes/acquitter",
    response_model=UtilisateurHistorique,
    summary="Acquitter les alertes d'un compte historique (administration nationale)",
)
def acknowledge(
    utilisateur_id: int,
    identity: Acquitteur,
    session: SessionDep,
    body: Annotated[AcquittementIn | None, Body()] = None,
) -> UtilisateurHistorique:
    """Les alertes acquittées ne bloquent plus le Temps 3 ; toutes celles du compte si
    « codes » est absent."""
    try:
        ctx, done = entries.acknowledge(
            session, identity, utilisateur_id, (body or AcquittementIn()).codes
        )
    except entries.NotFound as exc:
        raise not_found("Compte historique") from exc
    except entries.EntryRefused as exc:
        raise _refused(exc) from exc
    return compte_out(ctx, utilisateur_id, done)


@router.get(
    "/departements/{code}/propositions",
    response_model=Page[Proposition],
    summary="Les propositions de rattachement des groupes de places du département",
)
def list_propositions(
    code: str,
    identity: Rattacheur,
    session: SessionDep,
    page: PageDep,
    confiance: Annotated[
        Literal["haute", "moyenne", "faible", "aucune"] | None,
        Query(description="Seulement cette confiance."),
    ] = None,
) -> dict[str, Any]:
    """Chaque groupe actif, ses candidats classés, la confiance, le motif et la décision."""
    departement = _departement(identity, code)
    found = propositions(load_contexte(session, departement), confiance)
    return page.envelope(found[page.offset : page.offset + page.taille], len(found))


@router.get(
    "/departements/{code}/rattachement",
    response_model=ProgressionOut,
    summary="La progression du rattachement du département et ce qui bloque le Temps 3",
)
def get_progression(code: str, identity: Rattacheur, session: SessionDep) -> ProgressionOut:
    """Groupes (rattachés, exclus, restants), comptes (migrés, liés, désactivés, restants),
    alertes par code, bloquants par code."""
    departement = _departement(identity, code)
    ctx = load_contexte(session, departement)
    return progression_out(progression(ctx), active_job(session, departement))
