"""Downloads of a job (its report, its anomalies as CSV…), built by a worker on first request.

The API never parses an upload nor builds a large file: it asks for the export (a row of
``offre.job_export``, the build task published after commit), waits a little without holding a
database connection, then streams the stored chunks. Each export is built once per perimeter of
readers — every row (« national ») or the départements a caller may read — so that a 93 admin
reading a national job downloads 93 only, and a second download costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from service.db.engine import session_scope
from service.jobs import kinds, publication
from service.jobs.enums import Statut
from service.jobs.kinds import ExportSpec
from service.jobs.tables import Job, JobExport, JobExportMorceau
from service.logging import get_logger

log = get_logger(__name__)

TASK_EXPORT = "offre.build_export"
CHUNK_BYTES = 1 << 20
NATIONAL = "national"
# A request not served after this long is asked again (its worker died or Redis lost it).
STALE_AFTER = timedelta(minutes=5)


class ExportUnavailable(Exception):
    """Not yet: the job's analysis is still running (its anomalies are not all known)."""


def perimetre(departements: frozenset[str] | None) -> str:
    return NATIONAL if departements is None else ",".join(sorted(departements))


def _departements(key: str) -> frozenset[str] | None:
    return None if key == NATIONAL else frozenset(filter(None, key.split(",")))


def spec(job: Job, nom: str) -> ExportSpec | None:
    return kinds.of(job).exports.get(nom)


def request(session: Session, job: Job, nom: str, key: str) -> JobExport:
    """The export row of (job, nom, perimeter); its build is published after commit when it was
    never asked for, failed, or was asked for long ago without an answer."""
    if job.statut in (Statut.EN_ATTENTE, Statut.ANALYSE):
        raise ExportUnavailable(job.id)
    session.execute(
        insert(JobExport).values(job_id=job.id, nom=nom, perimetre=key).on_conflict_do_nothing()
    )
    export = session.scalar(
        select(JobExport)
        .where(JobExport.job_id == job.id, JobExport.nom == nom, JobExport.perimetre == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert export is not None
    if export.statut == "pret":
        return export
    stale = session.scalar(
        select(
            JobExport.publie_le.is_(None) | (JobExport.publie_le < func.now() - STALE_AFTER)
        ).where(JobExport.job_id == job.id, JobExport.nom == nom, JobExport.perimetre == key)
    )
    if export.statut == "echec" or stale:
        export.statut, export.message, export.publie_le = "en_attente", None, func.now()
        publication.publish_task(session, TASK_EXPORT, [job.id, nom, key])
    session.flush()
    return export


def state(job_id: int, nom: str, key: str) -> JobExport | None:
    """The export as committed, in a short session of its own (callers wait without holding a
    connection between two looks)."""
    with session_scope() as session:
        return session.get(JobExport, (job_id, nom, key))


def chunks(job_id: int, nom: str, key: str) -> Iterator[bytes]:
    """The stored export, one chunk per short session."""
    numero = 0
    while True:
        with session_scope() as session:
            content = session.scalar(
                select(JobExportMorceau.contenu).where(
                    JobExportMorceau.job_id == job_id,
                    JobExportMorceau.nom == nom,
                    JobExportMorceau.perimetre == key,
                    JobExportMorceau.numero == numero,
                )
            )
        if content is None:
            return
        yield content
        numero += 1


def build(session: Session, job_id: int, nom: str, key: str) -> None:
    """The worker's side: build the export with the kind's builder and store its chunks."""
    export = session.get(JobExport, (job_id, nom, key), with_for_update=True)
    job = session.get(Job, job_id)
    if export is None or job is None or export.statut == "pret":
        return
    builder = spec(job, nom)
    if builder is None:
        export.statut, export.message = "echec", f"Export inconnu : {nom}"
        return
    session.execute(
        delete(JobExportMorceau).where(
            JobExportMorceau.job_id == job_id,
            JobExportMorceau.nom == nom,
            JobExportMorceau.perimetre == key,
        )
    )
    size = 0
    pending = bytearray()
    numero = 0
    for piece in builder.build(session, job, _departements(key)):
        pending += piece
        while len(pending) >= CHUNK_BYTES:
            _store(session, export, numero, bytes(pending[:CHUNK_BYTES]))
            del pending[:CHUNK_BYTES]
            numero += 1
        size += len(piece)
    if pending or numero == 0:
        _store(session, export, numero, bytes(pending))
    export.statut, export.taille, export.pret_le = "pret", size, func.now()
    log.info("export.built", nom=nom, perimetre=key, taille=size)


def _store(session: Session, export: JobExport, numero: int, content: bytes) -> None:
    session.add(
        JobExportMorceau(
            job_id=export.job_id,
            nom=export.nom,
            perimetre=export.perimetre,
            numero=numero,
            contenu=content,
        )
    )
    session.flush()


def fail(job_id: int, nom: str, key: str, reason: str) -> None:
    with session_scope() as session:
        export = session.get(JobExport, (job_id, nom, key))
        if export is not None and export.statut != "pret":
            export.statut, export.message = "echec", reason
