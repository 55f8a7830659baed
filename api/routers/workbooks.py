"""Workbooks to download: the template, a département's offre, a job's report and anomalies."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import IdentityDep, SessionDep
from api.permissions import Importer, not_found
from api.routers.jobs import job_or_404
from service.auth.permissions import Action, can
from service.imports.exports import departement_offre, job_anomalies_csv, job_report
from service.imports.template import build_template
from service.jobs import kinds
from service.referentiels.departements import CODES

router = APIRouter(prefix="/api/v1", tags=["classeurs"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/modeles/offre.xlsx", response_class=Response)
def template(identity: Importer) -> Response:
    """Le modèle Temps 1 vierge (listes déroulantes, Lisez-moi)."""
    return download(build_template(), XLSX, "modele-offre.xlsx")


@router.get("/departements/{code}/offre.xlsx", response_class=Response)
def departement_workbook(code: str, identity: Importer, session: SessionDep) -> Response:
    """L'offre actuelle du département, à modifier puis à ré-importer."""
    code = code.upper()
    if code not in CODES or not can(identity, Action.IMPORTER_OFFRE, code):
        raise not_found("Département")
    return download(departement_offre(session, code), XLSX, f"offre-{code}.xlsx")


@router.get("/jobs/{job_id}/rapport.xlsx", response_class=Response)
def report(job_id: int, identity: IdentityDep, session: SessionDep) -> Response:
    """Vos feuilles, cellules en erreur en rouge et avertissements en orange, commentées."""
    job = job_or_404(session, identity, job_id)
    content = kinds.of(job).report(session, job) or job_report(session, job)
    return download(content, XLSX, f"rapport-job-{job_id}.xlsx")


@router.get("/jobs/{job_id}/anomalies.csv", response_class=Response)
def anomalies(job_id: int, identity: IdentityDep, session: SessionDep) -> Response:
    """Les anomalies en CSV (point-virgule, UTF-8), sans formule possible."""
    job = job_or_404(session, identity, job_id)
    return download(
        job_anomalies_csv(session, job), "text/csv; charset=utf-8", f"anomalies-job-{job_id}.csv"
    )
