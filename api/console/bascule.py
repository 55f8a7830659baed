"""The national Temps 3 dashboard (ADMIN_NATIONAL only, like the API's bascule routes): the 101
départements with their state and blockers, one département's preflight in detail, a wave or a
simulation launched by the service of ``POST /api/v1/bascules`` and followed on the job page,
and the rollback of one département of a finished wave, its preview read first, by the service
of ``POST /api/v1/jobs/{id}/revenir``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.console.web import (
    PREFIX,
    FormDep,
    PageError,
    Visitor,
    VisitorDep,
    check_csrf,
    forbidden,
    not_found,
    render,
)
from api.deps import SessionDep
from service.auth.permissions import Action, holds
from service.bascule.kind import KIND
from service.bascule.preflight import LIBELLES
from service.bascule.queries import preparation_departement, preparation_nationale
from service.bascule.submission import WaveRefused, submit_bascule
from service.jobs.enums import Statut
from service.jobs.errors import JobConflict, JobStateError
from service.jobs.queries import get_visible_job, may_act
from service.jobs.tables import Job
from service.referentiels.departements import CODES
from service.reverts.requests import request_revert, revert_preview

router = APIRouter()

ETATS = {"pret": "Prêt", "bloque": "Bloqué", "bascule": "Basculé"}


def _require_basculeur(visitor: Visitor) -> None:
    if not holds(visitor.identity.profil, Action.BASCULER):
        raise forbidden("La bascule (Temps 3) est réservée à l'administration nationale.")


def _codes(raw: object) -> list[str]:
    """The checked départements: one value or several (FormDep gives a list then)."""
    values = raw if isinstance(raw, list) else [raw] if raw else []
    return [str(v) for v in values]


class _Invalid(ValueError):
    pass


def _whole(raw: object, label: str) -> int | None:
    value = str(raw or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= len(CODES):
        raise _Invalid(f"« {label} » : un nombre entier de 1 à {len(CODES)}, ou vide.")
    return int(value)


def _has_work(item: Mapping[str, Any]) -> bool:
    """Ready, with legacy rows to move: a département without any is ready but not checked."""
    return bool(item["statut"] == "pret" and (item["groupes"] or item["utilisateurs"]))


def _dashboard(
    request: Request,
    session: Session,
    visitor: Visitor,
    status: int = 200,
    *,
    coches: set[str] | None = None,
    saisie: Mapping[str, Any] | None = None,
    erreur: str | None = None,
) -> HTMLResponse:
    found = preparation_nationale(session)
    statut = request.query_params.get("statut") or None
    # By code, the order a wave checked in the table leaves in.
    items = sorted(
        (i for i in found["items"] if statut is None or i["statut"] == statut),
        key=lambda i: str(i["departement"]),
    )
    if coches is None:
        wanted = request.query_params.get("cocher")
        coches = {i["departement"] for i in items if wanted == "prets" and _has_work(i)}
    codes_vus = sorted(
        {c for i in found["items"] for c in i["bloquants"]}, key=list(LIBELLES).index
    )
    return render(
        request,
        "bascule.html",
        visitor,
        status,
        items=items,
        resume=found["resume"],
        total=found["total"],
        statut=statut,
        etats=ETATS,
        libelles={c: LIBELLES[c] for c in codes_vus},
        coches=coches,
        saisie=saisie or {},
        erreur=erreur,
    )


@router.get("/bascule", response_class=HTMLResponse)
def dashboard(request: Request, visitor: VisitorDep, session: SessionDep) -> HTMLResponse:
    _require_basculeur(visitor)
    return _dashboard(request, session, visitor)


@router.post("/bascule")
def launch(request: Request, visitor: VisitorDep, session: SessionDep, data: FormDep) -> Response:
    """The wave checked in the table, by the service of ``POST /api/v1/bascules``; then the job
    page, which follows it live per département."""
    check_csrf(visitor.csrf, data.get("csrf"))
    _require_basculeur(visitor)
    codes = _codes(data.get("departements"))
    simulation = data.get("mode") == "simulation"
    try:
        if not codes:
            raise _Invalid("Cochez au moins un département à basculer.")
        parallele = _whole(data.get("parallele"), "Départements à la fois")
        arret = _whole(data.get("arret_apres_echecs"), "Arrêt après combien d'échecs")
        if not simulation and data.get("confirme") != "oui":
            raise _Invalid(
                "Cochez la case de confirmation pour basculer (ou lancez une simulation)."
            )
        job = submit_bascule(
            session,
            visitor.identity,
            codes,
            simulation=simulation,
            parallele=parallele,
            arret_apres_echecs=arret,
        )
    except (_Invalid, WaveRefused, JobConflict) as exc:
        session.rollback()
        message = exc.message if isinstance(exc, WaveRefused | JobConflict) else str(exc)
        status = 409 if isinstance(exc, JobConflict) else 422
        return _dashboard(
            request, session, visitor, status, coches=set(codes), saisie=data, erreur=message
        )
    return RedirectResponse(f"{PREFIX}/jobs/{job.id}", status_code=303)


@router.get("/departements/{code}/bascule", response_class=HTMLResponse)
def departement(
    request: Request, code: str, visitor: VisitorDep, session: SessionDep
) -> HTMLResponse:
    _require_basculeur(visitor)
    code = code.upper()
    if code not in CODES:
        raise not_found("Ce département")
    return render(
        request,
        "bascule_departement.html",
        visitor,
        prep=preparation_departement(session, code),
        etats=ETATS,
    )


def _switch_job(session: Session, visitor: Visitor, job_id: int) -> Job:
    _require_basculeur(visitor)
    job = get_visible_job(session, visitor.identity, job_id)
    if job is None or job.type != KIND.name:
        raise PageError(
            404, "Job introuvable", f"Le job {job_id} n'est pas une bascule de votre périmètre."
        )
    if not may_act(session, visitor.identity, job):
        raise forbidden("Vous pouvez consulter ce job mais pas agir dessus.")
    return job


def _departements(raw: object) -> tuple[str, ...] | None:
    codes = tuple(c.upper() for c in _codes(raw) if c)
    return codes or None


def _revert_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    job: Job,
    departements: tuple[str, ...] | None,
    status: int = 200,
    erreur: str | None = None,
) -> HTMLResponse:
    simulation = KIND.options(job).simulation
    try:
        apercu = None if simulation else revert_preview(session, job, departements)
    except JobStateError as exc:
        raise PageError(409, "Retour arrière impossible", exc.message) from exc
    return render(
        request,
        "bascule_retour.html",
        visitor,
        status,
        source=job,
        simulation=simulation,
        termine=job.statut == Statut.TERMINE,
        departements=departements or (),
        apercu=apercu,
        peut_forcer=holds(visitor.identity.profil, Action.FORCER_RETOUR),
        erreur=erreur,
    )


@router.get("/jobs/{job_id}/retour-bascule", response_class=HTMLResponse)
def revert_preview_page(
    request: Request, job_id: int, visitor: VisitorDep, session: SessionDep
) -> HTMLResponse:
    """What ``GET /api/v1/jobs/{id}/revenir/apercu`` says, then the form to confirm."""
    job = _switch_job(session, visitor, job_id)
    departements = _departements(request.query_params.getlist("departement"))
    return _revert_page(request, session, visitor, job, departements)


@router.post("/jobs/{job_id}/retour-bascule")
def revert(
    request: Request, job_id: int, visitor: VisitorDep, session: SessionDep, data: FormDep
) -> Response:
    check_csrf(visitor.csrf, data.get("csrf"))
    job = _switch_job(session, visitor, job_id)
    departements = _departements(data.get("departement"))
    force = data.get("forcer") == "oui"
    try:
        if data.get("confirme") != "oui":
            raise JobStateError(
                "CONFIRMATION", "Cochez la case de confirmation pour revenir en arrière."
            )
        if force and not holds(visitor.identity.profil, Action.FORCER_RETOUR):
            raise forbidden("Seule l'administration nationale peut forcer un retour arrière.")
        revert_job = request_revert(
            session, visitor.identity, job, departements=departements, force=force
        )
    except JobStateError as exc:
        session.rollback()
        return _revert_page(request, session, visitor, job, departements, 409, exc.message)
    return RedirectResponse(f"{PREFIX}/jobs/{revert_job.id}", status_code=303)
