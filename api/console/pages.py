"""Dashboard, national team pages, a département's dispositifs, and the workbooks to download.
Each page checks rights like its API route; data comes from service-level queries."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.console.web import Visitor, VisitorDep, forbidden, not_found, render
from api.deps import SessionDep
from service.auth.permissions import Action, can
from service.imports.exports import departement_offre
from service.imports.template import build_template
from service.jobs.figures import job_figures
from service.jobs.queries import visible_jobs
from service.offre.queries import departement_dispositifs, temps1_figures
from service.referentiels.departements import CODES

router = APIRouter()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READERS = (Action.IMPORTER_OFFRE, Action.RATTACHER, Action.LIRE_RAPPORTS)
PER_PAGE = 20


def reads(visitor: Visitor, departement: str) -> bool:
    return any(can(visitor.identity, a, departement) for a in READERS)


def _page_number(raw: int) -> int:
    return max(1, raw)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, visitor: VisitorDep, session: SessionDep) -> HTMLResponse:
    jobs, total = visible_jobs(session, visitor.identity, 1, 10)
    mine = None if visitor.national else sorted(visitor.identity.departements)
    figures = temps1_figures(session, mine) if mine else []
    return render(
        request,
        "tableau.html",
        visitor,
        jobs=[job_figures(session, j) for j in jobs],
        total=total,
        figures=figures,
        exportables=[f["departement"] for f in figures if visitor.importer],
    )


@router.get("/national", response_class=HTMLResponse)
def national(
    request: Request, visitor: VisitorDep, session: SessionDep, page: int = 1
) -> HTMLResponse:
    if not visitor.national:
        raise forbidden("Cette page est réservée à l'administration nationale.")
    page = _page_number(page)
    jobs, total = visible_jobs(session, visitor.identity, page, PER_PAGE)
    figures = temps1_figures(session)
    totals = {
        k: sum(f[k] for f in figures) for k in ("dispositifs", "ouverts", "entites", "capacite")
    }
    return render(
        request,
        "national.html",
        visitor,
        jobs=[job_figures(session, j) for j in jobs],
        total=total,
        page_courante=page,
        pages=max(1, -(-total // PER_PAGE)),
        figures=figures,
        totaux=totals,
    )


@router.get("/departements/{code}", response_class=HTMLResponse)
def departement(
    request: Request, code: str, visitor: VisitorDep, session: SessionDep, page: int = 1
) -> HTMLResponse:
    code = code.upper()
    if code not in CODES or not reads(visitor, code):
        raise not_found("Ce département")
    page = _page_number(page)
    items, total = departement_dispositifs(session, code, (page - 1) * PER_PAGE, PER_PAGE)
    (figures,) = temps1_figures(session, [code])
    return render(
        request,
        "departement.html",
        visitor,
        code=code,
        dispositifs=items,
        total=total,
        figures=figures,
        page_courante=page,
        pages=max(1, -(-total // PER_PAGE)),
        ecrit=can(visitor.identity, Action.IMPORTER_OFFRE, code),
    )


def download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/modele.xlsx")
def template(visitor: VisitorDep) -> Response:
    if not visitor.importer:
        raise forbidden("Votre profil ne permet pas d'importer l'offre.")
    return download(build_template(), XLSX, "modele-offre.xlsx")


@router.get("/departements/{code}/offre.xlsx")
def departement_workbook(code: str, visitor: VisitorDep, session: SessionDep) -> Response:
    code = code.upper()
    if not visitor.importer:
        raise forbidden("Votre profil ne permet pas d'exporter l'offre.")
    if code not in CODES or not can(visitor.identity, Action.IMPORTER_OFFRE, code):
        raise not_found("Ce département")
    return download(departement_offre(session, code), XLSX, f"offre-{code}.xlsx")
