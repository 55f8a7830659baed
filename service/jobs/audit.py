"""Audit rows, written in the same transaction as the change they describe."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.jobs.tables import Audit


def record(
    session: Session,
    utilisateur_id: int | None,
    job_id: int | None,
    action: str,
    objet: str,
    objet_id: str | None = None,
    departement: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        Audit(
            utilisateur_id=utilisateur_id,
            job_id=job_id,
            action=action,
            objet=objet,
            objet_id=objet_id,
            departement=departement,
            details=details or {},
        )
    )
