"""Advisory locks per département (ARCHITECTURE.md §4, RELIABILITY-NOTES.md)."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from service.jobs.tables import Job, JobDepartement
from service.referentiels.departements import advisory_lock_key

# Namespace of our advisory locks (first key of the two-int form), so that they never collide
# with the legacy system's own.
NAMESPACE = 0x0FF7E

ACTIVE = ("en_attente", "analyse", "application")


def lock_departement(session: Session, departement: str) -> None:
    """Wait for, then hold until commit, the département's write lock."""
    session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, :key)"),
        {"ns": NAMESPACE, "key": advisory_lock_key(departement)},
    )


def lock_entites(session: Session) -> None:
    """Entités are national: their apply is serialised with one lock of its own."""
    session.execute(text("SELECT pg_advisory_xact_lock(:ns, 0)"), {"ns": NAMESPACE})


def active_job(session: Session, departement: str, excluding: int | None = None) -> int | None:
    """The write job holding ``departement`` (en_attente, analyse, application), if any."""
    query = (
        select(Job.id)
        .join(JobDepartement, JobDepartement.job_id == Job.id)
        .where(
            JobDepartement.departement == departement,
            Job.statut.in_(ACTIVE),
            JobDepartement.statut.in_(ACTIVE),
        )
        .order_by(Job.id)
        .limit(1)
    )
    if excluding is not None:
        query = query.where(Job.id != excluding)
    return session.scalar(query)
