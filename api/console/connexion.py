"""Signing in and out of the console.

Local mode: a single-use code (``offre utilisateurs code``) or a token (``offre utilisateurs
jeton``), typed in a form — never in a URL. OIDC mode: ProConnect-style authorization code with
PKCE (service/auth/oidc.py). Either way a session row is opened and its cookie set HttpOnly,
SameSite=Strict. The sign-in form, which has no session yet, carries a double-submit CSRF token.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.console.web import (
    COOKIE,
    PREFIX,
    PageError,
    VisitorDep,
    check_csrf,
    render,
    safe_next,
    set_cookie,
)
from api.deps import SessionDep
from service.auth import oidc
from service.auth.accounts import identity_for
from service.auth.sessions import close_session, open_session, redeem_code
from service.auth.tokens import InvalidToken, secret_key, verify_token
from service.config import get_settings
from service.logging import get_logger

router = APIRouter()
log = get_logger(__name__)

LOGIN_CSRF = "offre_csrf_connexion"
OIDC_COOKIE = "offre_oidc"
_OIDC_MINUTES = 10
_OIDC_ISSUER = "offre-console-oidc"


def _login_page(
    request: Request, suite: str, erreur: str | None = None, status: int = 200
) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF) or secrets.token_urlsafe(32)
    response = render(
        request,
        "connexion.html",
        None,
        status,
        suite=safe_next(suite),
        csrf=token,
        erreur=erreur,
        mode=get_settings().auth_mode,
        message=request.query_params.get("message"),
    )
    set_cookie(response, LOGIN_CSRF, token, 30 * 60, "strict")
    return response


@router.get("/connexion", response_class=HTMLResponse)
def sign_in_page(request: Request, suite: str | None = None) -> HTMLResponse:
    return _login_page(request, suite or PREFIX + "/")


def _signed_in(request: Request, session: SessionDep, courriel: str, moyen: str) -> str | None:
    identity = identity_for(session, courriel)
    if identity is None:
        return None
    cookie = open_session(session, identity, moyen, get_settings().console_session_hours)
    log.info("console.sign_in", utilisateur_id=identity.utilisateur_id, moyen=moyen)
    return cookie


@router.post("/connexion", response_class=HTMLResponse)
def sign_in(
    request: Request,
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    jeton: Annotated[str, Form()] = "",
    suite: Annotated[str, Form()] = "",
) -> Response:
    if get_settings().auth_mode != "local":
        raise PageError(404, "Page introuvable", "La connexion se fait par ProConnect.")
    check_csrf(request.cookies.get(LOGIN_CSRF, ""), csrf)
    courriel, moyen = None, "code"
    if code.strip():
        courriel = redeem_code(session, code)
        erreur = "Ce code de connexion est inconnu, déjà utilisé ou expiré (5 minutes)."
    elif jeton.strip():
        moyen, erreur = "jeton", "Ce jeton d'accès est invalide ou expiré."
        try:
            courriel = verify_token(jeton.strip(), get_settings())
        except InvalidToken:
            courriel = None
    else:
        erreur = "Saisissez un code de connexion ou un jeton d'accès."
    cookie = _signed_in(request, session, courriel, moyen) if courriel else None
    if cookie is None:
        if courriel:
            erreur = f"Aucun compte actif pour « {courriel} »."
        return _login_page(request, suite, erreur, 400)
    response = RedirectResponse(safe_next(suite), status_code=303)
    set_cookie(response, COOKIE, cookie, get_settings().console_session_hours * 3600, "strict")
    response.delete_cookie(LOGIN_CSRF, path=PREFIX)
    return response


@router.post("/deconnexion")
def sign_out(
    visitor: VisitorDep, session: SessionDep, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(visitor.csrf, csrf)
    close_session(session, visitor.cookie)
    response = RedirectResponse(f"{PREFIX}/connexion?message=deconnecte", status_code=303)
    response.delete_cookie(COOKIE, path=PREFIX)
    return response


# -- OpenID Connect ------------------------------------------------------------------------------


def _redirect_uri(request: Request) -> str:
    base = get_settings().public_url or f"{request.url.scheme}://{request.url.netloc}"
    return f"{base.rstrip('/')}{PREFIX}/connexion/oidc/retour"


def _refused(request: Request, message: str) -> HTMLResponse:
    return render(
        request,
        "erreur.html",
        None,
        403,
        titre="Connexion refusée",
        message=message,
        connexion=True,
    )


@router.get("/connexion/oidc")
def oidc_start(request: Request, suite: str | None = None) -> Response:
    settings = get_settings()
    if settings.auth_mode != "oidc":
        raise PageError(404, "Page introuvable", "La connexion OpenID Connect n'est pas activée.")
    try:
        provider = oidc.discover(settings)
        url, pending = oidc.authorization_url(settings, provider, _redirect_uri(request))
    except oidc.OidcError as exc:
        return _refused(request, str(exc))
    claims = {
        **asdict(pending),
        "suite": safe_next(suite),
        "iss": _OIDC_ISSUER,
        "exp": datetime.now(UTC) + timedelta(minutes=_OIDC_MINUTES),
    }
    response = RedirectResponse(url, status_code=302)
    # Lax, not Strict: it must come back with the provider's (cross-site) redirect.
    set_cookie(
        response,
        OIDC_COOKIE,
        jwt.encode(claims, secret_key(settings), algorithm="HS256"),
        _OIDC_MINUTES * 60,
        "lax",
    )
    return response


@router.get("/connexion/oidc/retour", response_class=HTMLResponse)
def oidc_return(
    request: Request, session: SessionDep, code: str = "", state: str = "", error: str = ""
) -> Response:
    settings = get_settings()
    if settings.auth_mode != "oidc":
        raise PageError(404, "Page introuvable", "La connexion OpenID Connect n'est pas activée.")
    try:
        kept = jwt.decode(
            request.cookies.get(OIDC_COOKIE, ""),
            secret_key(settings),
            algorithms=["HS256"],
            issuer=_OIDC_ISSUER,
        )
    except jwt.PyJWTError:
        return _refused(request, "La connexion a expiré : recommencez depuis la page de connexion.")
    if error or not code or not secrets.compare_digest(state, kept.get("state", "")):
        return _refused(request, "La connexion a été refusée ou interrompue : recommencez.")
    pending = oidc.Pending(kept["state"], kept["nonce"], kept["code_verifier"])
    try:
        provider = oidc.discover(settings)
        person = oidc.finish(settings, provider, pending, _redirect_uri(request), code)
    except oidc.OidcError as exc:
        log.warning("console.oidc_refused", raison=str(exc))
        return _refused(request, str(exc))
    cookie = _signed_in(request, session, person.email, "oidc")
    if cookie is None:
        log.warning("console.oidc_unknown_account", sub=person.sub)
        return _refused(
            request,
            f"Aucun compte actif du Module Offre n'a l'adresse « {person.email} ». Demandez à "
            "l'administration nationale de vous en créer un.",
        )
    # A page rather than a redirect: the session cookie is SameSite=Strict, and a redirect
    # chain that started on the provider's site would not carry it to the next page.
    response = render(request, "oidc_retour.html", None, suite=kept.get("suite", PREFIX + "/"))
    set_cookie(response, COOKIE, cookie, settings.console_session_hours * 3600, "strict")
    response.delete_cookie(OIDC_COOKIE, path=PREFIX)
    return response
