"""Publication after commit: wake-up messages for ready units, progress events on pub/sub."""

from __future__ import annotations

from collections.abc import Iterable

from service.db.engine import session_scope
from service.jobs.progress import channel, encode_event, job_figures
from service.jobs.tables import Job
from service.jobs.units import Unit
from service.logging import get_logger
from service.redis_client import get_redis

log = get_logger(__name__)


def publish_units(units: Iterable[Unit]) -> None:
    from workers.app import app

    for unit in units:
        # A lost message is recovered by the reconciler: Postgres says what is ready.
        try:
            app.send_task(unit.task, args=unit.args)
        except Exception:
            log.exception("publication.echec", task=unit.task, args=unit.args)


def publish_progress(job_id: int) -> None:
    """The job's committed figures, for the server-sent events of the API."""
    try:
        with session_scope() as session:
            job = session.get(Job, job_id)
            if job is None:
                return
            payload = encode_event(job_figures(session, job))
        get_redis().publish(channel(job_id), payload)
    except Exception:
        # Progress events are a convenience: polling gives the same figures from Postgres.
        log.warning("progres.publication_echec", exc_info=True)
