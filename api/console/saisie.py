"""Screen entry in forms: one entité or one dispositif, saved by the same service as the API
(service/offre/entry.py, the import's rules and codes); each anomaly is shown next to its
field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.console.pages import reads
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
from service.auth.permissions import Action, can
from service.imports.columns import DISPOSITIFS, ENTITES, STATE_ONLY_FIELDS, Kind, Sheet
from service.jobs.errors import JobConflict
from service.offre import entry
from service.offre.queries import dispositif_history, find_dispositif, find_entite
from service.referentiels.departements import CODES, departement_name
from service.referentiels.listes import FINANCEURS, FORMES_JURIDIQUES, PUBLICS
from service.referentiels.reference_data import categories, types

router = APIRouter()

_CHOICES = {Kind.FINANCEURS: FINANCEURS, Kind.PUBLICS: PUBLICS}


@dataclass(frozen=True, slots=True)
class Champ:
    """One field of a form, as the template draws it."""

    field: str
    label: str
    hint: str
    widget: str  # text | numeric | date | select | checkboxes
    required: bool = False
    options: tuple[tuple[str, str, str], ...] = ()  # (value, label, group)
    disabled: bool = False


def _type_options() -> tuple[tuple[str, str, str], ...]:
    labels = dict(categories())
    return tuple(
        (t.code, t.libelle, labels.get(t.categorie_code, t.categorie_code)) for t in types()
    )


def _champs(sheet: Sheet, visitor: Visitor) -> list[Champ]:
    champs = []
    for column in sheet.columns:
        if column.field == "identifiant":
            continue
        widget = "text"
        options: tuple[tuple[str, str, str], ...] = ()
        if column.kind is Kind.TYPE:
            widget, options = "select", _type_options()
        elif column.kind is Kind.DEPARTEMENT:
            codes = CODES if sheet is ENTITES else visitor.import_scope()
            widget = "select"
            options = tuple((c, f"{c} — {departement_name(c)}", "") for c in sorted(codes))
        elif column.kind is Kind.FORME_JURIDIQUE:
            widget, options = "select", tuple((f, f, "") for f in FORMES_JURIDIQUES)
        elif column.kind in _CHOICES:
            widget, options = "checkboxes", tuple((c, c, "") for c in _CHOICES[column.kind])
        elif column.kind is Kind.DATE:
            widget = "date"
        elif column.kind is Kind.INTEGER:
            widget = "numeric"
        reserved = sheet is DISPOSITIFS and column.field in STATE_ONLY_FIELDS
        champs.append(
            Champ(
                column.field,
                column.header,
                column.help,
                widget,
                column.required,
                options,
                disabled=reserved and not visitor.state_profile,
            )
        )
    return champs


def _shown(values: Mapping[str, Any]) -> dict[str, Any]:
    """Stored values as the form shows them: lists stay lists (checkboxes) or become « a; b »."""
    shown: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, list) and name not in ("financeurs", "publics"):
            shown[name] = "; ".join(str(v) for v in value)
        elif value is None:
            shown[name] = [] if name in ("financeurs", "publics") else ""
        else:
            shown[name] = value
    return shown


def _posted(champs: list[Champ], data: Mapping[str, Any]) -> dict[str, Any]:
    """The form as the service takes it: every field drawn and enabled; empty means empty."""
    fields: dict[str, Any] = {}
    for champ in champs:
        if champ.disabled:
            continue
        raw = data.get(champ.field)
        if champ.widget == "checkboxes":
            fields[champ.field] = raw if isinstance(raw, list) else ([raw] if raw else [])
        else:
            text = raw[-1] if isinstance(raw, list) else raw
            fields[champ.field] = text.strip() if isinstance(text, str) and text.strip() else None
    return fields


def _errors(anomalies: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    by_field: dict[str, list[dict[str, str]]] = {}
    for a in anomalies:
        by_field.setdefault(a["colonne"], []).append(a)
    return by_field


def _form_page(
    request: Request,
    visitor: Visitor,
    template: str,
    champs: list[Champ],
    values: Mapping[str, Any],
    status: int = 200,
    anomalies: list[dict[str, str]] | None = None,
    erreur: str | None = None,
    **context: Any,
) -> HTMLResponse:
    anomalies = anomalies or []
    return render(
        request,
        template,
        visitor,
        status,
        champs=champs,
        valeurs=_shown(values),
        anomalies=anomalies,
        erreurs=_errors(anomalies),
        erreur=erreur,
        **context,
    )


def _require_importer(visitor: Visitor) -> None:
    if not visitor.importer:
        raise forbidden("Votre profil ne permet pas de saisir l'offre.")


def _save(action: Any, *args: Any) -> tuple[entry.Saved | None, list[dict[str, str]], str | None]:
    """(saved, anomalies, conflict message)."""
    try:
        return action(*args), [], None
    except entry.EntryRefused as exc:
        return None, exc.anomalies, None
    except JobConflict as exc:
        return None, [], exc.message


# -- dispositifs ---------------------------------------------------------------------------------


@router.get("/dispositifs/nouveau", response_class=HTMLResponse)
def new_dispositif(
    request: Request, visitor: VisitorDep, departement: str = "", siren: str = ""
) -> HTMLResponse:
    _require_importer(visitor)
    values = {"departement": departement.upper(), "siren": siren}
    return _form_page(
        request, visitor, "dispositif_nouveau.html", _champs(DISPOSITIFS, visitor), values
    )


@router.post("/dispositifs/nouveau", response_class=HTMLResponse)
def create_dispositif(
    request: Request, visitor: VisitorDep, session: SessionDep, data: FormDep
) -> Response:
    _require_importer(visitor)
    check_csrf(visitor.csrf, data.get("csrf"))
    champs = _champs(DISPOSITIFS, visitor)
    fields = _posted(champs, data)
    saved, anomalies, conflict = _save(entry.save_dispositif, session, visitor.identity, fields)
    if saved is None:
        status = 409 if conflict else 422
        return _form_page(
            request, visitor, "dispositif_nouveau.html", champs, fields, status, anomalies, conflict
        )
    return _after_save(request, session, visitor, saved, "cree")


def _after_save(
    request: Request, session: Session, visitor: Visitor, saved: entry.Saved, what: str
) -> Response:
    identifiant = saved.values["identifiant"]
    if saved.avertissements:  # shown once, with the page
        return _dispositif_page(
            request, session, visitor, identifiant, avertissements=saved.avertissements, fait=what
        )
    return RedirectResponse(f"{PREFIX}/dispositifs/{identifiant}?fait={what}", status_code=303)


def _dispositif_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    identifiant: str,
    status: int = 200,
    posted: Mapping[str, Any] | None = None,
    anomalies: list[dict[str, str]] | None = None,
    erreur: str | None = None,
    avertissements: list[dict[str, str]] | None = None,
    fait: str | None = None,
) -> HTMLResponse:
    found = find_dispositif(session, identifiant)
    if found is None or not reads(visitor, found[1]["departement"]):
        raise not_found("Ce dispositif")
    dispositif_id, values = found
    return _form_page(
        request,
        visitor,
        "dispositif.html",
        _champs(DISPOSITIFS, visitor),
        posted if posted is not None else values,
        status,
        anomalies,
        erreur,
        dispositif=values,
        historique=dispositif_history(session, dispositif_id, values["identifiant"]),
        ecrit=can(visitor.identity, Action.IMPORTER_OFFRE, values["departement"]),
        avertissements=avertissements or [],
        fait=fait or request.query_params.get("fait"),
    )


@router.get("/dispositifs/{identifiant}", response_class=HTMLResponse)
def dispositif(
    request: Request, identifiant: str, visitor: VisitorDep, session: SessionDep
) -> HTMLResponse:
    return _dispositif_page(request, session, visitor, identifiant)


@router.post("/dispositifs/{identifiant}", response_class=HTMLResponse)
def update_dispositif(
    request: Request, identifiant: str, visitor: VisitorDep, session: SessionDep, data: FormDep
) -> Response:
    _require_importer(visitor)
    check_csrf(visitor.csrf, data.get("csrf"))
    fields = _posted(_champs(DISPOSITIFS, visitor), data)
    try:
        saved, anomalies, conflict = _save(
            entry.save_dispositif, session, visitor.identity, fields, identifiant
        )
    except entry.EntryNotFound as exc:
        raise not_found("Ce dispositif") from exc
    if saved is None:
        session.rollback()
        status = 409 if conflict else 422
        return _dispositif_page(
            request, session, visitor, identifiant, status, fields, anomalies, conflict
        )
    return _after_save(request, session, visitor, saved, "modifie")


# -- entités -------------------------------------------------------------------------------------


@router.get("/entites/nouvelle", response_class=HTMLResponse)
def new_entite(request: Request, visitor: VisitorDep) -> HTMLResponse:
    _require_importer(visitor)
    return _form_page(request, visitor, "entite_nouvelle.html", _champs(ENTITES, visitor), {})


@router.post("/entites/nouvelle", response_class=HTMLResponse)
def create_entite(
    request: Request, visitor: VisitorDep, session: SessionDep, data: FormDep
) -> Response:
    _require_importer(visitor)
    check_csrf(visitor.csrf, data.get("csrf"))
    champs = _champs(ENTITES, visitor)
    fields = _posted(champs, data)
    saved, anomalies, conflict = _save(entry.save_entite, session, visitor.identity, fields)
    if saved is None:
        status = 409 if conflict else 422
        return _form_page(
            request, visitor, "entite_nouvelle.html", champs, fields, status, anomalies, conflict
        )
    return RedirectResponse(f"{PREFIX}/entites/{saved.values['siren']}?fait=cree", status_code=303)


def _entite_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    siren: str,
    status: int = 200,
    posted: Mapping[str, Any] | None = None,
    anomalies: list[dict[str, str]] | None = None,
    erreur: str | None = None,
) -> HTMLResponse:
    if not any(
        can(visitor.identity, a)
        for a in (Action.IMPORTER_OFFRE, Action.RATTACHER, Action.LIRE_RAPPORTS)
    ):
        raise forbidden("Votre profil ne permet pas de consulter l'offre.")
    values = find_entite(session, siren)
    if values is None:
        raise not_found("Cette entité")
    champs = [c for c in _champs(ENTITES, visitor) if c.field != "siren"]
    return _form_page(
        request,
        visitor,
        "entite.html",
        champs,
        posted if posted is not None else values,
        status,
        anomalies,
        erreur,
        entite=values,
        ecrit=visitor.importer,
        fait=request.query_params.get("fait"),
    )


@router.get("/entites/{siren}", response_class=HTMLResponse)
def entite(request: Request, siren: str, visitor: VisitorDep, session: SessionDep) -> HTMLResponse:
    return _entite_page(request, session, visitor, siren)


@router.post("/entites/{siren}", response_class=HTMLResponse)
def update_entite(
    request: Request, siren: str, visitor: VisitorDep, session: SessionDep, data: FormDep
) -> Response:
    _require_importer(visitor)
    check_csrf(visitor.csrf, data.get("csrf"))
    champs = [c for c in _champs(ENTITES, visitor) if c.field != "siren"]
    fields = _posted(champs, data)
    try:
        saved, anomalies, conflict = _save(
            entry.save_entite, session, visitor.identity, fields, siren.replace(" ", "")
        )
    except entry.EntryNotFound as exc:
        raise not_found("Cette entité") from exc
    if saved is None:
        session.rollback()
        status = 409 if conflict else 422
        return _entite_page(request, session, visitor, siren, status, fields, anomalies, conflict)
    return RedirectResponse(
        f"{PREFIX}/entites/{saved.values['siren']}?fait=modifie", status_code=303
    )
