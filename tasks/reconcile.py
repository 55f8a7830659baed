"""The beat reconciler: re-publishes work whose lease expired or that was never published."""

from __future__ import annotations

from datetime import timedelta

from service.config import get_settings
from service.db.engine import session_scope
from service.jobs import publication
from service.jobs.units import stalled_units
from service.logging import get_logger
from workers.app import app

log = get_logger(__name__)

TASK_RECONCILE = "offre.reconcile"


@app.task(name=TASK_RECONCILE)
def reconcile() -> int:
    grace = timedelta(seconds=2 * get_settings().lease_seconds)
    with session_scope() as session:
        units = stalled_units(session, grace)
        publication.publish_units(session, units)
    if units:
        log.info("reconciler.republished", units=len(units))
    return len(units)
