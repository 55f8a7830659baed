"""JSON errors in French: ``{code, message, details}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.jobs.limits import LimitReached


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details or {}}


_GENERIC = {
    401: ("NON_AUTHENTIFIE", "Authentification requise : fournissez un jeton Bearer valide."),
    403: ("INTERDIT", "Action non autorisée pour votre profil ou votre périmètre."),
    404: ("INTROUVABLE", "Ressource introuvable."),
    405: ("METHODE_NON_AUTORISEE", "Méthode non autorisée sur cette ressource."),
    413: ("FICHIER_TROP_GROS", "Le corps de la requête dépasse la taille autorisée."),
}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status)

    @app.exception_handler(LimitReached)
    async def _limit(_: Request, exc: LimitReached) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message),
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _GENERIC.get(exc.status_code, ("ERREUR", "Requête refusée."))
        return JSONResponse(
            error_body(code, message), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        champs = [
            {"champ": ".".join(str(p) for p in e.get("loc", ())), "erreur": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse(
            error_body(
                "REQUETE_INVALIDE", "Paramètres de la requête invalides.", {"champs": champs}
            ),
            status_code=422,
        )
