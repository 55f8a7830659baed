"""The beat reconciler: re-publishes work whose lease expired or that was never published."""

from __future__ import annotations

from datetime import timedelta

from service.config import get_settings
from service.db.engine import session_scope
from service.jobs.units import stalled_units
from service.logging import get_logger
from tasks.publish import publish_units
from workers.app import app

log = get_logger(__name__)


@app.task(name="offre.reconcilier")
def reconcilier() -> int:
    grace = timedelta(seconds=2 * get_settings().lease_seconds)
    with session_scope() as session:
        units = stalled_units(session, grace)
    if units:
        log.info("reconciliateur.republication", unites=len(units))
    publish_units(units)
    return len(units)
