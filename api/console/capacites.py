"""The capacity report in the console: a département's (per dispositif, type, catégorie) and the
visitor's scope (per département, type, catégorie; national for the national team), each type
drawn as a chart with its figures in a data table, and the same workbooks as the API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.console.charts import graphique
from api.console.pages import READERS, XLSX, download, reads
from api.console.web import PREFIX, Visitor, VisitorDep, forbidden, not_found, render
from api.deps import SessionDep
from service.auth.permissions import holds
from service.capacites.report import (
    dispositifs_du_perimetre,
    rapport_departement,
    rapport_national,
)
from service.capacites.workbook import departement_workbook, national_workbook
from service.referentiels.departements import CODES

router = APIRouter()

PER_PAGE = 50


def _require_reader(visitor: Visitor) -> None:
    if not any(holds(visitor.identity.profil, a) for a in READERS):
        raise forbidden("Votre profil ne permet pas de consulter les rapports de l'offre.")


def _scope(visitor: Visitor) -> list[str]:
    return sorted(d for d in CODES if reads(visitor, d))


def _departement(visitor: Visitor, code: str) -> str:
    _require_reader(visitor)
    code = code.upper()
    if code not in CODES or not reads(visitor, code):
        raise not_found("Ce département")
    return code


@router.get("/capacites", response_class=HTMLResponse)
def scope_page(request: Request, visitor: VisitorDep, session: SessionDep) -> Response:
    _require_reader(visitor)
    codes = _scope(visitor)
    if len(codes) == 1:
        return RedirectResponse(f"{PREFIX}/departements/{codes[0]}/capacites", status_code=303)
    report = rapport_national(session, codes)
    return render(
        request,
        "capacites.html",
        visitor,
        rapport=report,
        graphiques=[graphique(t) for t in report.types],
        national=len(codes) == len(CODES),
    )


@router.get("/departements/{code}/capacites", response_class=HTMLResponse)
def departement_page(
    request: Request, code: str, visitor: VisitorDep, session: SessionDep, page: int = 1
) -> HTMLResponse:
    code = _departement(visitor, code)
    report = rapport_departement(session, code)
    pages = max(1, -(-len(report.dispositifs) // PER_PAGE))
    page = min(max(1, page), pages)
    return render(
        request,
        "capacites_departement.html",
        visitor,
        rapport=report,
        graphiques=[graphique(t) for t in report.types],
        dispositifs=report.dispositifs[(page - 1) * PER_PAGE : page * PER_PAGE],
        page_courante=page,
        pages=pages,
    )


@router.get("/capacites.xlsx")
def scope_workbook(visitor: VisitorDep, session: SessionDep) -> Response:
    _require_reader(visitor)
    codes = _scope(visitor)
    content = national_workbook(
        rapport_national(session, codes), dispositifs_du_perimetre(session, codes)
    )
    return download(content, XLSX, "capacites.xlsx")


@router.get("/departements/{code}/capacites.xlsx")
def departement_xlsx(code: str, visitor: VisitorDep, session: SessionDep) -> Response:
    code = _departement(visitor, code)
    content = departement_workbook(rapport_departement(session, code))
    return download(content, XLSX, f"capacites-{code}.xlsx")
