"""Liveness and readiness (PostgreSQL + Redis)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from service.db.engine import get_engine
from service.redis_client import get_redis

router = APIRouter(tags=["santé"])


class Sante(BaseModel):
    statut: str = "ok"


class Pret(BaseModel):
    statut: str = Field(description="« pret » ou « indisponible ».")
    verifications: dict[str, str] = Field(description="PostgreSQL et Redis : « ok » ou la raison.")


@router.get("/health", response_model=Sante, summary="Le processus répond")
def health() -> Sante:
    return Sante()


@router.get(
    "/ready",
    response_model=Pret,
    summary="PostgreSQL et Redis répondent",
    responses={503: {"model": Pret, "description": "Un service manque."}},
)
def ready() -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["postgresql"] = "ok"
    except Exception as exc:  # any failure means "not ready", reported as such
        checks["postgresql"] = f"indisponible : {type(exc).__name__}"
    try:
        get_redis().ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"indisponible : {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"statut": "pret" if ok else "indisponible", "verifications": checks},
        status_code=200 if ok else 503,
    )
