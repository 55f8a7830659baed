"""Temps 2 for legacy accounts in the console: the département's accounts with their proposal,
alerts and decision, and one account's page where its decision is taken (the service of
``PUT /api/v1/utilisateurs-historiques/{id}/migration``, each problem next to its field) and,
for the national team, its alerts acknowledged."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.console.rattachement import LIBELLES_CODES, PER_PAGE, rattachement_departement
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
from service.auth.permissions import Action, holds
from service.jobs.errors import JobConflict
from service.rattachement import entries, screen
from service.rattachement.columns import DECISIONS_COMPTE
from service.rattachement.progress import alert_states
from service.rattachement.queries import compte_departement, load_contexte
from service.rattachement.schemas import UtilisateurHistorique, compte_out
from service.referentiels.reference_data import profils

router = APIRouter()

_SEPARATORS = re.compile(r"[,;\s]+")
FIELDS = ("decision", "profil", "departements", "siren", "dispositifs", "courriel")


@router.get("/departements/{code}/rattachement/comptes", response_class=HTMLResponse)
def accounts(
    request: Request, code: str, visitor: VisitorDep, session: SessionDep, page: int = 1
) -> HTMLResponse:
    code = rattachement_departement(visitor, code)
    etat = request.query_params.get("etat") or None
    etat = etat if etat in screen.ETATS_COMPTE else None
    found = screen.comptes(load_contexte(session, code), etat)
    pages = max(1, -(-len(found) // PER_PAGE))
    page = min(max(1, page), pages)
    return render(
        request,
        "comptes.html",
        visitor,
        code=code,
        comptes=found[(page - 1) * PER_PAGE : page * PER_PAGE],
        total=len(found),
        page_courante=page,
        pages=pages,
        etat=etat,
        etats=screen.ETATS_COMPTE,
        decisions=DECISIONS_COMPTE,
        profils={p.code: p.libelle for p in profils()},
    )


def _values(c: UtilisateurHistorique) -> dict[str, str]:
    """The form as first shown: the decision taken, else the proposal."""
    source: Any = c.decision or c.proposition
    if source is None:
        return {f: "" for f in FIELDS}
    return {
        "decision": source.decision,
        "profil": source.profil or "",
        "departements": ", ".join(source.departements),
        "siren": source.siren or "",
        "dispositifs": ", ".join(source.dispositifs),
        "courriel": getattr(source, "courriel", None) or "",
    }


def _account_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    utilisateur_id: int,
    status: int = 200,
    valeurs: Mapping[str, str] | None = None,
    erreurs: Mapping[str, list[dict[str, Any]]] | None = None,
    erreur: str | None = None,
) -> HTMLResponse:
    code = rattachement_departement(visitor, compte_departement(session, utilisateur_id) or "")
    ctx = load_contexte(session, code)
    if utilisateur_id not in ctx.comptes:
        raise not_found("Ce compte historique")
    compte = compte_out(ctx, utilisateur_id)
    return render(
        request,
        "compte.html",
        visitor,
        status,
        code=code,
        compte=compte,
        etats_alertes=alert_states(ctx, utilisateur_id),
        valeurs=valeurs if valeurs is not None else _values(compte),
        erreurs=erreurs or {},
        erreur=erreur,
        decisions=DECISIONS_COMPTE,
        profils=profils(),
        codes=LIBELLES_CODES,
        acquitte=holds(visitor.identity.profil, Action.ACQUITTER_ALERTES),
        fait=request.query_params.get("fait"),
    )


@router.get("/utilisateurs-historiques/{utilisateur_id}", response_class=HTMLResponse)
def account(
    request: Request, utilisateur_id: int, visitor: VisitorDep, session: SessionDep
) -> HTMLResponse:
    return _account_page(request, session, visitor, utilisateur_id)


def _items(raw: object) -> list[str]:
    return [p for p in _SEPARATORS.split(str(raw or "")) if p]


@router.post("/utilisateurs-historiques/{utilisateur_id}", response_class=HTMLResponse)
def decide(
    request: Request, utilisateur_id: int, visitor: VisitorDep, session: SessionDep, data: FormDep
) -> Response:
    check_csrf(visitor.csrf, data.get("csrf"))
    rattachement_departement(visitor, compte_departement(session, utilisateur_id) or "")
    valeurs = {f: str(data.get(f) or "").strip() for f in FIELDS}
    body = {
        "decision": valeurs["decision"] or None,
        "profil": valeurs["profil"] or None,
        "departements": _items(valeurs["departements"]),
        "siren": valeurs["siren"] or None,
        "dispositifs": _items(valeurs["dispositifs"]),
        "courriel": valeurs["courriel"] or None,
    }
    try:
        entries.decide_compte(session, visitor.identity, utilisateur_id, body)
    except entries.NotFound as exc:
        raise not_found("Ce compte historique") from exc
    except entries.EntryRefused as exc:
        session.rollback()
        erreurs: dict[str, list[dict[str, Any]]] = {}
        for p in exc.problems:
            erreurs.setdefault(p["champ"] if p["champ"] in FIELDS else "decision", []).append(p)
        return _account_page(request, session, visitor, utilisateur_id, 422, valeurs, erreurs)
    except JobConflict as exc:
        session.rollback()
        return _account_page(
            request, session, visitor, utilisateur_id, 409, valeurs, erreur=exc.message
        )
    return RedirectResponse(
        f"{PREFIX}/utilisateurs-historiques/{utilisateur_id}?fait=decision", status_code=303
    )


@router.post("/utilisateurs-historiques/{utilisateur_id}/alertes", response_class=HTMLResponse)
def acknowledge(
    request: Request, utilisateur_id: int, visitor: VisitorDep, session: SessionDep, data: FormDep
) -> Response:
    check_csrf(visitor.csrf, data.get("csrf"))
    if not holds(visitor.identity.profil, Action.ACQUITTER_ALERTES):
        raise forbidden("Seule l'administration nationale acquitte les alertes des comptes.")
    raw = data.get("codes")
    codes = raw if isinstance(raw, list) else ([raw] if raw else [])
    if not codes:
        return _account_page(
            request, session, visitor, utilisateur_id, 422, erreur="Cochez au moins une alerte."
        )
    try:
        entries.acknowledge(session, visitor.identity, utilisateur_id, [str(c) for c in codes])
    except entries.NotFound as exc:
        raise not_found("Ce compte historique") from exc
    except entries.EntryRefused as exc:
        session.rollback()
        return _account_page(request, session, visitor, utilisateur_id, 422, erreur=exc.message)
    return RedirectResponse(
        f"{PREFIX}/utilisateurs-historiques/{utilisateur_id}?fait=acquitte", status_code=303
    )
