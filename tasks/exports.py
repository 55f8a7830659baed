"""The task shell that builds a job's download (report, CSV) on first request."""

from __future__ import annotations

import structlog

from service.db.engine import session_scope
from service.jobs import exports
from service.logging import get_logger
from workers.app import app

log = get_logger(__name__)


@app.task(name=exports.TASK_EXPORT)
def build_export(job_id: int, nom: str, perimetre: str) -> None:
    structlog.contextvars.bind_contextvars(job_id=job_id, export=nom, perimetre=perimetre)
    try:
        with session_scope() as session:
            exports.build(session, job_id, nom, perimetre)
    except Exception as exc:
        # The next request publishes it again: a failed build is never served.
        log.exception("export.failed")
        exports.fail(job_id, nom, perimetre, f"erreur interne ({type(exc).__name__})")
