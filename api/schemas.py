"""Envelopes shared by every route: lists and errors (ARCHITECTURE.md §5), and the job union."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, Union

from pydantic import BaseModel, Field

from service.jobs import kinds
from service.jobs.schemas import JobFigures

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Nombre total d'éléments.")
    page: int
    taille: int


class Erreur(BaseModel):
    code: str = Field(description="Code stable de l'erreur (les tests s'y fient).")
    message: str = Field(description="Message en français.")
    details: dict[str, Any] = Field(default_factory=dict)


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Erreur, "description": description}
    for status, description in (
        (401, "Authentification requise ou jeton invalide."),
        (403, "Action non autorisée pour ce profil."),
        (404, "Ressource introuvable ou hors de votre périmètre."),
        (409, "Action incompatible avec l'état du job ou du département."),
        (413, "Corps de la requête trop gros."),
        (422, "Paramètres de la requête invalides."),
        (429, "Trop de requêtes ou de jobs en cours."),
    )
}


def job_out() -> Any:
    """Any job, as its kind shapes its figures (one model per registered kind)."""
    models = tuple(dict.fromkeys(k.figures_model for k in kinds.registered()))
    return Union[models] if len(models) > 1 else (models[0] if models else JobFigures)  # noqa: UP007


def page_of(model: Any) -> Any:
    """``Page[model]`` for a model built at run time (the union of the kinds' figures)."""
    return Page[model]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BINARY = {"schema": {"type": "string", "format": "binary"}}


def file_response(description: str, *media_types: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI description of a route answering a file."""
    return {200: {"content": {m: _BINARY for m in media_types}, "description": description}}
