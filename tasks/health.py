"""Liveness of the workers, scheduled by beat and callable by operators."""

from __future__ import annotations

from service.logging import get_logger
from workers.app import app

log = get_logger(__name__)


@app.task(name="offre.sante")
def sante() -> str:
    log.info("worker.sante")
    return "ok"
