"""Liveness of the workers, callable by operators."""

from __future__ import annotations

from service.logging import get_logger
from workers.app import app

log = get_logger(__name__)


@app.task(name="offre.health")
def health() -> str:
    log.info("worker.health")
    return "ok"
