"""Asking for a revert: what it would restore, refused when later jobs changed it (unless the
national team forces it), one revert per (job, département)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.auth.permissions import Identity
from service.jobs import engine, kinds
from service.jobs.errors import JobStateError
from service.jobs.kinds import RevertScope
from service.jobs.schemas import RetourApercu
from service.jobs.tables import Job, JobDepartement
from service.reverts.kind import KIND, RevertOptions


def revert_scope(
    session: Session, source: Job, departements: tuple[str, ...] | None
) -> tuple[RevertScope, list[str]]:
    """What a revert of ``source`` would restore, and what changed since (French lines)."""
    source_kind = kinds.of(source)
    part = source_kind.revert_scope(session, source, departements)
    return part, source_kind.revert_conflicts(session, source, part)


def revert_preview(
    session: Session, source: Job, departements: tuple[str, ...] | None
) -> RetourApercu:
    """What ``POST …/revenir`` would do, without doing it."""
    part, changed = revert_scope(session, source, departements)
    existing = _existing_revert(session, source, departements)
    return RetourApercu(
        job_source_id=source.id,
        job_entier=part.whole_job,
        parties=kinds.of(source).revert_parts(session, source, part),
        modifications_depuis=changed,
        retour_arriere_job_id=existing.id if existing else None,
    )


def request_revert(
    session: Session,
    identity: Identity,
    source: Job,
    *,
    departements: tuple[str, ...] | None = None,
    force: bool = False,
) -> Job:
    """A ``retour_arriere`` job for ``source`` (flushed; published after the caller's commit).
    Asking again for what a revert already covers returns that revert."""
    existing = _existing_revert(session, source, departements)
    if existing is not None:
        return existing
    part, changed = revert_scope(session, source, departements)
    if changed and not force:
        raise JobStateError(
            "MODIFIE_DEPUIS",
            f"{'; '.join(changed)} par d'autres jobs : le retour arrière effacerait ces "
            "modifications. L'administration nationale peut le forcer (option « forcer »).",
        )
    revert = engine.create_job(
        session,
        identity,
        KIND,
        RevertOptions(forcer=force, departements=departements),
        departements=part.departements,
        job_source_id=source.id,
        audit_details={"job_source": source.id},
    )
    session.execute(
        update(JobDepartement)
        .where(
            JobDepartement.job_id == source.id,
            JobDepartement.departement.in_(part.departements),
        )
        .values(retour_arriere_job_id=revert.id)
    )
    if part.whole_job:
        source.retour_arriere_job_id = revert.id
    session.flush()
    return revert


def _existing_revert(
    session: Session, source: Job, departements: tuple[str, ...] | None
) -> Job | None:
    if departements is None:
        return (
            session.get(Job, source.retour_arriere_job_id) if source.retour_arriere_job_id else None
        )
    linked = set(
        session.scalars(
            select(JobDepartement.retour_arriere_job_id).where(
                JobDepartement.job_id == source.id,
                JobDepartement.departement.in_(departements),
            )
        )
    )
    if len(linked) == 1 and None not in linked:
        (revert_id,) = linked
        return session.get(Job, revert_id)
    return None
