"""Daily purge of the files and staged rows of old jobs (beat)."""

from __future__ import annotations

from service.db.engine import session_scope
from service.jobs.retention import purge as purge_jobs
from service.logging import get_logger
from workers.app import app

log = get_logger(__name__)

TASK_PURGE = "offre.purge"


@app.task(name=TASK_PURGE)
def purge() -> int:
    with session_scope() as session:
        count = purge_jobs(session)
    log.info("retention.purged", jobs=count)
    return count
