"""The web console (/console/): server-rendered pages in the State's design system (DSFR), for
administrators and the project team. A sub-application of the API process, with its own French
HTML error pages and security headers; its DSFR files are served from a folder filled by the
set-up (`make setup`: npm ci), never from outside."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.console import bascule, capacites, comptes, connexion, jobs, pages, rattachement, saisie
from api.console.web import HERE, PageError, SignInRequired, render, sign_in_url
from service.config import get_settings
from service.logging import get_logger

log = get_logger(__name__)

_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; "
        b"base-uri 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class _SecurityHeaders:
    """Every console response: a strict content security policy (nothing from outside), and
    pages never cached (they show personal data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", [])) + _HEADERS
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def assets_dir() -> Path:
    return get_settings().console_assets_dir or HERE / "static" / "dsfr"


_TITLES = {404: "Page introuvable", 405: "Méthode non autorisée", 413: "Fichier trop gros"}


def create_console() -> FastAPI:
    console = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    dsfr = assets_dir()
    if not (dsfr / "dsfr.min.css").exists():
        log.warning("console.dsfr_missing", dossier=str(dsfr), aide="lancez « make setup »")
    console.mount("/static/dsfr", StaticFiles(directory=dsfr, check_dir=False), name="dsfr")
    console.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (connexion, pages, jobs, saisie, rattachement, comptes, capacites, bascule):
        console.include_router(module.router)

    @console.exception_handler(SignInRequired)
    async def _sign_in(_: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(sign_in_url(exc.suite), status_code=303)

    @console.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> HTMLResponse:
        return render(
            request, "erreur.html", None, exc.status, titre=exc.titre, message=exc.message
        )

    @console.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        titre = _TITLES.get(exc.status_code, "Requête refusée")
        message = (
            "Cette page n'existe pas." if exc.status_code == 404 else "La requête a été refusée."
        )
        return render(request, "erreur.html", None, exc.status_code, titre=titre, message=message)

    @console.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, _: RequestValidationError) -> HTMLResponse:
        return render(
            request,
            "erreur.html",
            None,
            400,
            titre="Requête invalide",
            message="Cette adresse ou ce formulaire est incomplet : revenez à la page précédente.",
        )

    console.add_middleware(_SecurityHeaders)
    return console
