"""What every console page shares: the signed-in person (a session row behind an HttpOnly,
SameSite=Strict cookie), CSRF checks, French error pages and the template renderer."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from api.deps import SessionDep
from service.auth.permissions import Action, Identity, can, holds
from service.auth.sessions import session_for
from service.capacites.display import nombre, pourcentage
from service.config import get_settings
from service.referentiels.departements import departement_name

PREFIX = "/console"
COOKIE = "offre_session"
HERE = Path(__file__).resolve().parent

templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals.update(P=PREFIX, departement_name=departement_name)
templates.env.filters.update(nombre=nombre, pourcentage=pourcentage)


class PageError(Exception):
    """An error shown as a French page (403, 404, 409…)."""

    def __init__(self, status: int, titre: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.titre = titre
        self.message = message


class SignInRequired(Exception):
    def __init__(self, suite: str) -> None:
        super().__init__(suite)
        self.suite = suite


def not_found(what: str = "Cette page") -> PageError:
    return PageError(
        404, "Page introuvable", f"{what} n'existe pas ou n'est pas dans votre périmètre."
    )


def forbidden(message: str) -> PageError:
    return PageError(403, "Accès refusé", message)


@dataclass(frozen=True, slots=True)
class Visitor:
    identity: Identity
    csrf: str
    cookie: str

    @property
    def importer(self) -> bool:
        return holds(self.identity.profil, Action.IMPORTER_OFFRE)

    @property
    def lecteur(self) -> bool:
        """Reads the offre and its reports (for its départements, or all of them)."""
        readers = (Action.IMPORTER_OFFRE, Action.RATTACHER, Action.LIRE_RAPPORTS)
        return any(holds(self.identity.profil, a) for a in readers)

    @property
    def rattacheur(self) -> bool:
        """Does the Temps 2 of some département (its own, or all for the national team)."""
        return holds(self.identity.profil, Action.RATTACHER)

    @property
    def basculeur(self) -> bool:
        """Switches départements to the module (Temps 3): the national team only."""
        return holds(self.identity.profil, Action.BASCULER)

    @property
    def state_profile(self) -> bool:
        return can(self.identity, Action.ECRIRE_FINANCEMENT)

    @property
    def national(self) -> bool:
        return self.identity.national

    def import_scope(self) -> list[str]:
        """The départements the person may write (all 101 for the national team)."""
        from service.referentiels.departements import CODES

        return sorted(d for d in CODES if can(self.identity, Action.IMPORTER_OFFRE, d))


def current_visitor(request: Request, session: SessionDep) -> Visitor:
    cookie = request.cookies.get(COOKIE)
    opened = session_for(session, cookie) if cookie else None
    if opened is None:
        raise SignInRequired(
            request.url.path + (f"?{request.url.query}" if request.url.query else "")
        )
    return Visitor(opened.identity, opened.csrf, cookie or "")


VisitorDep = Annotated[Visitor, Depends(current_visitor)]


def check_csrf(expected: str, given: object) -> None:
    if not isinstance(given, str) or not secrets.compare_digest(expected, given):
        raise PageError(
            403,
            "Formulaire expiré",
            "Ce formulaire n'est plus valable (jeton de sécurité absent ou périmé) : "
            "rechargez la page puis recommencez.",
        )


def safe_next(suite: str | None) -> str:
    """Back where the person was going, never outside the console."""
    if suite and suite.startswith(PREFIX + "/") and not suite.startswith("//"):
        return suite
    return PREFIX + "/"


def sign_in_url(suite: str) -> str:
    return f"{PREFIX}/connexion?suite={quote(suite, safe='')}"


def render(
    request: Request,
    name: str,
    visitor: Visitor | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    settings = get_settings()
    return templates.TemplateResponse(
        request,
        name,
        {"visitor": visitor, "flower_url": settings.flower_url, "page": name, **context},
        status_code=status,
    )


def set_cookie(response: Response, name: str, value: str, max_age: int, samesite: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PREFIX,
        httponly=True,
        samesite=samesite,  # type: ignore[arg-type]
        secure=get_settings().api_base_url.startswith("https://"),
    )


async def form_data(request: Request) -> Mapping[str, Any]:
    """The posted form, repeated names (checkboxes) as lists."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form:
        values = form.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    return data


FormDep = Annotated[Mapping[str, Any], Depends(form_data)]
