"""The report « capacité financée vs occupation » of switched départements, in JSON and as a
workbook. Read by those who read the offre of the département (ANALYSTE of its départements
among them); the national route covers the caller's scope."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import SessionDep
from api.permissions import OffreReader, not_found
from api.routers.offre import READERS
from api.routers.workbooks import download
from api.schemas import ERRORS, XLSX, file_response
from service.auth.permissions import Identity, can
from service.capacites.report import dispositifs_du_perimetre, rapport_departement, rapport_national
from service.capacites.schemas import RapportDepartement, RapportNational
from service.capacites.workbook import departement_workbook, national_workbook
from service.referentiels.departements import CODES

router = APIRouter(prefix="/api/v1", tags=["capacités"], responses=ERRORS)


def reads(identity: Identity, departement: str) -> bool:
    return any(can(identity, a, departement) for a in READERS)


def scope(identity: Identity) -> list[str]:
    """The départements whose report the caller reads (all 101 for the national team)."""
    return sorted(d for d in CODES if reads(identity, d))


def _departement(identity: Identity, code: str) -> str:
    code = code.upper()
    if code not in CODES or not reads(identity, code):
        raise not_found("Département")
    return code


@router.get(
    "/departements/{code}/capacites",
    response_model=RapportDepartement,
    summary="Capacité financée et occupation des dispositifs ouverts d'un département basculé",
)
def departement(code: str, identity: OffreReader, session: SessionDep) -> RapportDepartement:
    """Par dispositif, par type, par catégorie et pour le département, dans l'unité du type ;
    listes vides et statut « non_bascule » tant que le département n'est pas basculé."""
    return rapport_departement(session, _departement(identity, code))


@router.get(
    "/departements/{code}/capacites.xlsx",
    response_class=Response,
    summary="Le rapport de capacités d'un département, en classeur",
    responses=file_response("Une feuille par niveau : dispositifs, types, catégories.", XLSX),
)
def departement_xlsx(code: str, identity: OffreReader, session: SessionDep) -> Response:
    code = _departement(identity, code)
    return download(
        departement_workbook(rapport_departement(session, code)), XLSX, f"capacites-{code}.xlsx"
    )


@router.get(
    "/capacites",
    response_model=RapportNational,
    summary="Capacité financée et occupation de votre périmètre (national pour l'équipe nationale)",
)
def national(identity: OffreReader, session: SessionDep) -> RapportNational:
    """Par type, par catégorie, par département (« non_bascule » pour ceux qui ne le sont pas)
    et pour l'ensemble des départements basculés du périmètre."""
    return rapport_national(session, scope(identity))


@router.get(
    "/capacites.xlsx",
    response_class=Response,
    summary="Le rapport de capacités de votre périmètre, en classeur",
    responses=file_response(
        "Une feuille par niveau : dispositifs, types, catégories, départements, ensemble.", XLSX
    ),
)
def national_xlsx(identity: OffreReader, session: SessionDep) -> Response:
    codes = scope(identity)
    report = rapport_national(session, codes)
    content = national_workbook(report, dispositifs_du_perimetre(session, codes))
    return download(content, XLSX, "capacites.xlsx")
