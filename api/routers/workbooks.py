"""Workbooks to download: the template, a département's offre, a job's report and anomalies."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import SessionDep
from api.permissions import Importer, not_found
from api.schemas import ERRORS, XLSX, file_response
from service.auth.permissions import Action, can
from service.imports.exports import departement_offre
from service.imports.template import build_template
from service.referentiels.departements import CODES

router = APIRouter(prefix="/api/v1", tags=["classeurs"], responses=ERRORS)


def download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/modeles/offre.xlsx",
    response_class=Response,
    summary="Le modèle Temps 1 vierge",
    responses=file_response("Le classeur à remplir.", XLSX),
)
def template(identity: Importer) -> Response:
    """Le modèle Temps 1 vierge (listes déroulantes, Lisez-moi)."""
    return download(build_template(), XLSX, "modele-offre.xlsx")


@router.get(
    "/departements/{code}/offre.xlsx",
    response_class=Response,
    summary="L'offre actuelle d'un département, en classeur",
    responses=file_response("Le modèle pré-rempli, identifiants compris.", XLSX),
)
def departement_workbook(code: str, identity: Importer, session: SessionDep) -> Response:
    """L'offre actuelle du département, à modifier puis à ré-importer."""
    code = code.upper()
    if code not in CODES or not can(identity, Action.IMPORTER_OFFRE, code):
        raise not_found("Département")
    return download(departement_offre(session, code), XLSX, f"offre-{code}.xlsx")
