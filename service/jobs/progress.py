"""Job figures (the same for JSON polling and live events) and their Redis pub/sub channel."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.jobs.tables import COUNT_NAMES, Job, JobDepartement

COUNTS = tuple(name for name in COUNT_NAMES if name != "traitees")


def channel(job_id: int) -> str:
    return f"{get_settings().redis_prefix}offre:job:{job_id}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def departement_figures(row: JobDepartement) -> dict[str, Any]:
    return {
        "departement": row.departement,
        "statut": row.statut,
        "lignes": row.lignes,
        "traitees": row.traitees,
        "erreurs": row.erreurs,
        "avertissements": row.avertissements,
        "creations": row.creations,
        "modifications": row.modifications,
        "inchanges": row.inchanges,
        "fermetures": row.fermetures,
        "debut": _iso(row.debut),
        "fin": _iso(row.fin),
        "message": row.message,
    }


def job_figures(session: Session, job: Job, soumis_par: str | None = None) -> dict[str, Any]:
    """The job with its per-département rows; top-level counts add entités and dispositifs."""
    rows = session.scalars(
        select(JobDepartement)
        .where(JobDepartement.job_id == job.id)
        .order_by(JobDepartement.departement)
    ).all()
    departements = [departement_figures(r) for r in rows]
    figures: dict[str, Any] = {
        "id": job.id,
        "type": job.type,
        "statut": job.statut,
        "etape": job.etape,
        "soumis_par": soumis_par,
        "cree_le": _iso(job.cree_le),
        "debut": _iso(job.debut),
        "fin": _iso(job.fin),
        "message": job.message,
        "options": job.options,
        "traitees": job.traitees,
    }
    for name in COUNTS:
        # Lines, errors and warnings are counted once for the whole file on the job row.
        per_dep = (
            0
            if name in ("lignes", "erreurs", "avertissements")
            else sum(d[name] for d in departements)
        )
        figures[name] = getattr(job, name) + per_dep
    figures["entites"] = {
        "creations": job.creations,
        "modifications": job.modifications,
        "inchanges": job.inchanges,
    }
    figures["departements"] = departements
    return figures


def encode_event(figures: dict[str, Any]) -> str:
    return json.dumps(figures, ensure_ascii=False, default=str)
