"""Temps 2 in the console: a département's rattachement page (progress figures, workbook 2 to
download and to deposit, the groupes de places with their proposal, where one decision is taken
in place). Same rights and services as api/routers/rattachements.py: ADMIN_NATIONAL everywhere,
ADMIN_SIAO and OPERATEUR_SIAO of the département; other profiles get the 403 page, another
département the 404 page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.console.pages import XLSX, download
from api.console.web import (
    PREFIX,
    FormDep,
    Visitor,
    VisitorDep,
    check_csrf,
    forbidden,
    not_found,
    render,
)
from api.deps import SessionDep
from service.auth.permissions import Action, can, holds
from service.imports.filecheck import FileRefusal, inspect_upload
from service.jobs.errors import JobConflict
from service.jobs.locks import active_job
from service.rattachement import entries, screen
from service.rattachement.columns import CONFIANCES
from service.rattachement.export import departement_workbook
from service.rattachement.kind import RattachementOptions
from service.rattachement.progress import progression
from service.rattachement.queries import groupe_departement, load_contexte
from service.rattachement.schemas import progression_out, propositions
from service.rattachement.source import marker_of_upload
from service.rattachement.submission import (
    SubmissionRefused,
    resolve_departement,
    submit_rattachement,
)
from service.referentiels.departements import CODES

router = APIRouter()

PER_PAGE = 20
# What the figures' codes mean, for the tables of the page (the codes stay visible).
LIBELLES_CODES = {
    "GROUPE_A_DECIDER": "Groupes de places à décider",
    "UTILISATEUR_A_DECIDER": "Comptes à décider",
    "DISPOSITIF_INCONNU": "Cible inconnue dans le département",
    "TYPE_INCOMPATIBLE": "Cible d'un type sans places",
    "DISPOSITIF_FERME": "Cible fermée depuis la décision",
    "COURRIEL_EN_DOUBLE": "Courriel migré par deux comptes ou déjà pris",
    "CONFLIT_PROFILS": "Profils historiques de familles différentes",
    "COURRIEL_PARTAGE": "Courriel partagé par plusieurs comptes",
    "COURRIEL_GENERIQUE": "Courriel générique (contact@, accueil@…)",
    "COURRIEL_PERSONNEL": "Courriel de messagerie personnelle",
    "COURRIEL_DEJA_UTILISE": "Courriel déjà utilisé dans le Module Offre",
    "STRUCTURE_NON_RATTACHEE": "Structure sans groupe rattaché",
}
CONFIANCE_LIBELLES = {
    "haute": "Haute",
    "moyenne": "Moyenne",
    "faible": "Faible",
    "aucune": "Aucune",
}


def require_rattacheur(visitor: Visitor) -> None:
    if not holds(visitor.identity.profil, Action.RATTACHER):
        raise forbidden(
            "Votre profil ne permet pas le rattachement (Temps 2) : il est réservé aux "
            "administrateurs et opérateurs SIAO et à l'administration nationale."
        )


def rattachement_departement(visitor: Visitor, code: str) -> str:
    """The département if the visitor does its Temps 2 (403 page, else 404 page)."""
    require_rattacheur(visitor)
    code = code.upper()
    if code not in CODES or not can(visitor.identity, Action.RATTACHER, code):
        raise not_found("Ce département")
    return code


@dataclass
class Filtres:
    confiance: str | None = None
    etat: str | None = None
    page: int = 1

    @classmethod
    def of(cls, values: Any) -> Filtres:
        """From a query string or a form: unknown values are dropped, never echoed."""
        confiance = values.get("confiance") or None
        etat = values.get("etat") or None
        page = str(values.get("page") or "1")
        return cls(
            confiance if confiance in CONFIANCES else None,
            etat if etat in screen.ETATS else None,
            max(1, int(page)) if page.isdigit() else 1,
        )

    def query(self, **extra: Any) -> str:
        page = self.page if self.page > 1 else None
        values = {"confiance": self.confiance, "etat": self.etat, "page": page, **extra}
        return urlencode({k: v for k, v in values.items() if v is not None})


@dataclass
class Saisie:
    """A decision typed in a row and refused: shown again, each problem next to its field."""

    groupe: int
    valeurs: dict[str, str]
    erreurs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    conflit: str | None = None


def _page(
    request: Request,
    session: Session,
    visitor: Visitor,
    code: str,
    filtres: Filtres,
    status: int = 200,
    erreur_depot: str | None = None,
    saisie: Saisie | None = None,
) -> HTMLResponse:
    ctx = load_contexte(session, code)
    figures = progression_out(progression(ctx), active_job(session, code))
    every = propositions(ctx)
    found = screen.filtrer(every, filtres.confiance, filtres.etat)
    pages = max(1, -(-len(found) // PER_PAGE))
    filtres.page = min(filtres.page, pages)
    shown = found[(filtres.page - 1) * PER_PAGE : filtres.page * PER_PAGE]
    fait = None
    if request.query_params.get("fait") == "groupe":
        raw = request.query_params.get("groupe", "")
        fait = next((p for p in every if str(p.groupe) == raw), None)
    return render(
        request,
        "rattachement.html",
        visitor,
        status,
        code=code,
        figures=figures,
        groupes=shown,
        total=len(found),
        pages=pages,
        filtres=filtres,
        cibles=screen.cibles(ctx),
        libelles=screen.libelles(ctx),
        etats=screen.ETATS,
        confiances=CONFIANCE_LIBELLES,
        codes=LIBELLES_CODES,
        erreur_depot=erreur_depot,
        saisie=saisie,
        fait=fait,
    )


@router.get("/rattachement", response_class=HTMLResponse)
def choose(request: Request, visitor: VisitorDep) -> Response:
    """The visitor's département, or the choice among its départements."""
    require_rattacheur(visitor)
    scope = sorted(d for d in CODES if can(visitor.identity, Action.RATTACHER, d))
    if len(scope) == 1:
        return RedirectResponse(f"{PREFIX}/departements/{scope[0]}/rattachement", status_code=303)
    return render(request, "rattachement_choix.html", visitor, departements=scope)


@router.get("/departements/{code}/rattachement", response_class=HTMLResponse)
def page(request: Request, code: str, visitor: VisitorDep, session: SessionDep) -> HTMLResponse:
    code = rattachement_departement(visitor, code)
    return _page(request, session, visitor, code, Filtres.of(request.query_params))


@router.get("/departements/{code}/rattachement.xlsx")
def workbook(code: str, visitor: VisitorDep, session: SessionDep) -> Response:
    code = rattachement_departement(visitor, code)
    return download(departement_workbook(session, code), XLSX, f"rattachement-{code}.xlsx")


@router.post("/departements/{code}/rattachement/deposer")
def upload(
    request: Request,
    code: str,
    visitor: VisitorDep,
    session: SessionDep,
    fichier: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form()] = "",
    application: Annotated[str, Form()] = "manuelle",
) -> Response:
    """The checks and submission of ``POST /api/v1/rattachements``, for this département; JSON
    to the page's script (upload progress), else a redirect or the page with its error."""
    check_csrf(visitor.csrf, csrf)
    code = rattachement_departement(visitor, code)
    wants_json = request.headers.get("accept", "").startswith("application/json")
    erreur = None
    data = fichier.file.read()
    checked = inspect_upload(fichier.filename or "fichier", data)
    if isinstance(checked, FileRefusal):
        erreur = checked.message
    elif application not in ("manuelle", "automatique"):
        erreur = "Choisissez une application manuelle ou automatique."
    else:
        marker = marker_of_upload(checked.filename, data)
        try:
            departement = resolve_departement(
                visitor.identity, marker.departement if marker else None, code
            )
            job = submit_rattachement(
                session,
                visitor.identity,
                departement,
                checked.filename,
                data,
                RattachementOptions.model_validate({"application": application}),
            )
        except SubmissionRefused as exc:
            erreur = exc.message
        except JobConflict as exc:
            erreur = exc.message
    if erreur is not None:
        session.rollback()
        if wants_json:
            return JSONResponse({"erreur": erreur}, status_code=422)
        return _page(request, session, visitor, code, Filtres(), 422, erreur_depot=erreur)
    suite = f"{PREFIX}/jobs/{job.id}"
    if wants_json:
        return JSONResponse({"suite": suite}, status_code=201)
    return RedirectResponse(suite, status_code=303)


def _field_errors(problems: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    by_field: dict[str, list[dict[str, Any]]] = {}
    for p in problems:
        by_field.setdefault(p["champ"], []).append(p)
    return by_field


@router.post("/departements/{code}/rattachement/groupes/{groupe_id}", response_class=HTMLResponse)
def decide(
    request: Request,
    code: str,
    groupe_id: int,
    visitor: VisitorDep,
    session: SessionDep,
    data: FormDep,
) -> Response:
    """One groupe's decision, by the service of ``PUT /api/v1/groupes-places/{id}/
    rattachement``: back to the same page and filters, or the page with the problems next to
    the row's fields."""
    check_csrf(visitor.csrf, data.get("csrf"))
    code = rattachement_departement(visitor, code)
    if groupe_departement(session, groupe_id) != code:
        raise not_found("Ce groupe de places")
    filtres = Filtres.of(data)
    decision = str(data.get("decision") or "")
    dispositif = str(data.get("dispositif") or "").strip()
    saisie = Saisie(groupe_id, {"decision": decision, "dispositif": dispositif})
    body = {"decision": decision or None, "dispositif": dispositif or None}
    if decision not in ("", "rattacher", "exclure"):
        message = "Choisissez « Rattacher », « Exclure » ou « À décider »."
        saisie.erreurs = {"decision": [{"code": "VALEUR_HORS_LISTE", "message": message}]}
        return _page(request, session, visitor, code, filtres, 422, saisie=saisie)
    try:
        entries.decide_groupe(session, visitor.identity, groupe_id, body)
    except entries.NotFound as exc:
        raise not_found("Ce groupe de places") from exc
    except entries.EntryRefused as exc:
        session.rollback()
        saisie.erreurs = _field_errors(exc.problems)
        return _page(request, session, visitor, code, filtres, 422, saisie=saisie)
    except JobConflict as exc:
        session.rollback()
        saisie.conflit = exc.message
        return _page(request, session, visitor, code, filtres, 409, saisie=saisie)
    query = filtres.query(fait="groupe", groupe=groupe_id)
    return RedirectResponse(
        f"{PREFIX}/departements/{code}/rattachement?{query}#groupe-{groupe_id}", status_code=303
    )


@router.get("/rattachement/departement")
def chosen(code: str, visitor: VisitorDep) -> Response:
    code = rattachement_departement(visitor, code)
    return RedirectResponse(f"{PREFIX}/departements/{code}/rattachement", status_code=303)
