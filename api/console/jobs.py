"""Depositing a workbook and following a job: live progress (the API's event stream, on the
console's session), anomalies, preview, downloads, and confirm / cancel / revert."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.responses import StreamingResponse as Stream
from sqlalchemy.orm import Session

from api.console.pages import PER_PAGE
from api.console.web import PREFIX, PageError, Visitor, VisitorDep, check_csrf, forbidden, render
from api.deps import SessionDep
from api.errors import ApiError
from api.routers.downloads import Requested, request_export, serve_export
from api.routers.events import event_stream
from service.auth.permissions import Action, holds
from service.imports.filecheck import FileRefusal, inspect_upload
from service.imports.kind import closures_planned
from service.imports.options import ImportOptions
from service.imports.submission import submit_import
from service.jobs import engine, kinds
from service.jobs.enums import FINAL, Statut
from service.jobs.errors import JobStateError
from service.jobs.figures import encode_event, job_figures
from service.jobs.queries import (
    anomalies_page,
    anomaly_values,
    get_visible_job,
    may_act,
    plan_page,
)
from service.jobs.tables import Job
from service.reverts.requests import request_revert

router = APIRouter()

FLASH = {
    "appliquer": "Application confirmée : les départements sont appliqués l'un après l'autre.",
    "annuler": "Annulation demandée.",
    "revenir": "Retour arrière demandé : il apparaît ci-dessous une fois lancé.",
}
IMPORT = "import_offre"
BASCULE = "bascule"
# Kinds a person confirms from the job page (their confirmation needs no typed figure but the
# mirror import's count of closures).
CONFIRMED = (IMPORT, "rattachement")


def _job(session: Session, visitor: Visitor, job_id: int) -> Job:
    job = get_visible_job(session, visitor.identity, job_id)
    if job is None:
        raise PageError(
            404,
            "Job introuvable",
            f"Le job {job_id} n'existe pas ou n'est pas dans votre périmètre.",
        )
    return job


@router.get("/deposer", response_class=HTMLResponse)
def upload_page(request: Request, visitor: VisitorDep) -> HTMLResponse:
    if not visitor.importer:
        raise forbidden("Votre profil ne permet pas d'importer l'offre.")
    return render(request, "deposer.html", visitor)


@router.post("/deposer")
def upload(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    fichier: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form()] = "",
    application: Annotated[str, Form()] = "manuelle",
    mode: Annotated[str, Form()] = "complement",
    par_departement: Annotated[bool, Form()] = False,
) -> Response:
    """The same checks and submission as ``POST /api/v1/imports``; answers JSON to the page's
    script (upload progress), or a redirect / the form with its error without script."""
    check_csrf(visitor.csrf, csrf)
    if not visitor.importer:
        raise forbidden("Votre profil ne permet pas d'importer l'offre.")
    wants_json = request.headers.get("accept", "").startswith("application/json")
    erreur = None
    data = fichier.file.read()
    checked = inspect_upload(fichier.filename or "fichier", data)
    if isinstance(checked, FileRefusal):
        erreur = checked.message
    else:
        try:
            options = ImportOptions.model_validate(
                {"application": application, "mode": mode, "par_departement": par_departement}
            )
            job = submit_import(session, visitor.identity, checked.filename, data, options)
        except JobStateError as exc:
            erreur = exc.message
        except ValueError:
            erreur = "Options d'import invalides."
    if erreur is not None:
        if wants_json:
            return JSONResponse({"erreur": erreur}, status_code=422)
        return render(request, "deposer.html", visitor, 422, erreur=erreur)
    suite = f"{PREFIX}/jobs/{job.id}"
    if wants_json:
        return JSONResponse({"suite": suite}, status_code=201)
    return RedirectResponse(suite, status_code=303)


def _filters(request: Request, names: tuple[str, ...]) -> dict[str, str | None]:
    return {n: (request.query_params.get(n) or None) for n in names}


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request,
    job_id: int,
    visitor: VisitorDep,
    session: SessionDep,
    page: int = 1,
    pa: int = 1,
) -> HTMLResponse:
    return _render_job(request, session, visitor, _job(session, visitor, job_id), page, pa)


def _render_job(
    request: Request,
    session: Session,
    visitor: Visitor,
    job: Job,
    page: int = 1,
    pa: int = 1,
    erreur: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    figures = job_figures(session, job)
    kind = kinds.of(job)
    page, pa = max(1, page), max(1, pa)
    anomaly_filters = _filters(request, ("severite", "code", "feuille"))
    anomalies, anomalies_total = anomalies_page(
        session, job.id, anomaly_filters, (page - 1) * PER_PAGE, PER_PAGE
    )
    plan_filters = _filters(request, ("action",))
    plan, plan_total = plan_page(session, job.id, plan_filters, (pa - 1) * PER_PAGE, PER_PAGE)
    acting = may_act(session, visitor.identity, job)
    mirror = job.type == IMPORT and kind.options(job).mode == "miroir"
    revertible = (
        acting
        and job.statut == Statut.TERMINE
        and job.type != "retour_arriere"
        and job.retour_arriere_job_id is None
    )
    return render(
        request,
        "job.html",
        visitor,
        status,
        job=figures,
        live=encode_event(figures),
        final=job.statut in FINAL,
        anomalies=anomalies,
        anomalies_total=anomalies_total,
        anomalies_pages=max(1, -(-anomalies_total // PER_PAGE)),
        page_courante=page,
        filtres=anomaly_filters,
        codes=anomaly_values(session, job.id, "code"),
        feuilles=anomaly_values(session, job.id, "feuille"),
        plan=[kind.plan_item(p) for p in plan],
        plan_total=plan_total,
        plan_pages=max(1, -(-plan_total // PER_PAGE)),
        pa=pa,
        action_filtre=plan_filters["action"],
        actions=kind.plan_actions,
        fichiers=bool(kind.exports),
        peut_confirmer=acting and job.statut == Statut.VALIDE and job.type in CONFIRMED,
        peut_annuler=acting and job.statut not in FINAL,
        peut_revenir=revertible and job.type != BASCULE,
        # A wave is reverted per département, its preview read first (console/bascule.py).
        peut_revenir_bascule=revertible
        and job.type == BASCULE
        and not job.options.get("simulation"),
        peut_forcer=holds(visitor.identity.profil, Action.FORCER_RETOUR),
        miroir=mirror,
        fermetures=closures_planned(session, job) if mirror else 0,
        flash=FLASH.get(request.query_params.get("fait", "")),
        erreur=erreur,
    )


@router.get("/jobs/{job_id}/etat")
def job_state(job_id: int, visitor: VisitorDep, session: SessionDep) -> dict[str, Any]:
    """The figures, for the page's polling when the event stream is unavailable."""
    figures = job_figures(session, _job(session, visitor, job_id))
    return figures.model_dump(mode="json")


def _opening(job_id: int, visitor: VisitorDep, session: SessionDep) -> tuple[str, str]:
    return visitor.identity.courriel, encode_event(
        job_figures(session, _job(session, visitor, job_id))
    )


@router.get("/jobs/{job_id}/evenements")
def job_events(job_id: int, visitor: VisitorDep, session: SessionDep) -> Stream:
    """The API's event stream (api/routers/events.py), on the console's session."""
    # The session is closed once this returns (SessionDep): none is held while streaming.
    courriel, snapshot = _opening(job_id, visitor, session)
    return Stream(
        event_stream(job_id, courriel, snapshot, 600),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )


def _export(nom: str) -> Any:
    def dependency(job_id: int, visitor: VisitorDep, session: SessionDep) -> Requested:
        job = _job(session, visitor, job_id)
        try:
            return request_export(session, visitor.identity, job, nom)
        except ApiError as exc:
            raise PageError(exc.status, "Téléchargement impossible", exc.message) from exc

    return dependency


@router.get("/jobs/{job_id}/rapport.xlsx")
async def report(requested: Annotated[Requested, Depends(_export("rapport.xlsx"))]) -> Response:
    """The same worker-built file as the API's (api/routers/downloads.py)."""
    return await serve_export(requested)


@router.get("/jobs/{job_id}/anomalies.csv")
async def anomalies_csv(
    requested: Annotated[Requested, Depends(_export("anomalies.csv"))],
) -> Response:
    return await serve_export(requested)


def _act(session: Session, visitor: Visitor, job_id: int, csrf: str, confirme: str) -> Job:
    check_csrf(visitor.csrf, csrf)
    job = _job(session, visitor, job_id)
    if not may_act(session, visitor.identity, job):
        raise forbidden("Vous pouvez consulter ce job mais pas agir dessus.")
    if confirme != "oui":
        raise _Refused("Cochez la case de confirmation pour continuer.")
    return job


class _Refused(Exception):
    pass


def _done(job_id: int, what: str) -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/jobs/{job_id}?fait={what}", status_code=303)


def _acted(
    request: Request, session: Session, visitor: Visitor, job_id: int, exc: Exception
) -> HTMLResponse:
    session.rollback()
    message = exc.message if isinstance(exc, JobStateError) else str(exc)
    return _render_job(
        request, session, visitor, _job(session, visitor, job_id), erreur=message, status=409
    )


@router.post("/jobs/{job_id}/appliquer")
def confirm(
    request: Request,
    job_id: int,
    visitor: VisitorDep,
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    confirme: Annotated[str, Form()] = "",
    fermetures: Annotated[str, Form()] = "",
) -> Response:
    try:
        job = _act(session, visitor, job_id, csrf, confirme)
        typed = int(fermetures) if fermetures.strip().isdigit() else None
        kinds.of(job).confirm(session, job, visitor.identity, {"fermetures": typed})
    except (JobStateError, _Refused) as exc:
        return _acted(request, session, visitor, job_id, exc)
    return _done(job_id, "appliquer")


@router.post("/jobs/{job_id}/annuler")
def cancel(
    request: Request,
    job_id: int,
    visitor: VisitorDep,
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    confirme: Annotated[str, Form()] = "",
) -> Response:
    try:
        job = _act(session, visitor, job_id, csrf, confirme)
        engine.request_cancel(session, visitor.identity, job)
    except (JobStateError, _Refused) as exc:
        return _acted(request, session, visitor, job_id, exc)
    return _done(job_id, "annuler")


@router.post("/jobs/{job_id}/revenir")
def revert(
    request: Request,
    job_id: int,
    visitor: VisitorDep,
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    confirme: Annotated[str, Form()] = "",
    forcer: Annotated[str, Form()] = "",
) -> Response:
    try:
        source = _act(session, visitor, job_id, csrf, confirme)
        force = forcer == "oui"
        if force and not holds(visitor.identity.profil, Action.FORCER_RETOUR):
            raise forbidden("Seule l'administration nationale peut forcer un retour arrière.")
        revert_job = request_revert(session, visitor.identity, source, force=force)
    except (JobStateError, _Refused) as exc:
        return _acted(request, session, visitor, job_id, exc)
    return RedirectResponse(f"{PREFIX}/jobs/{revert_job.id}", status_code=303)
