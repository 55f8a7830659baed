"""The FastAPI application: uploads, jobs, progress, reports (ARCHITECTURE.md §5)."""

from __future__ import annotations

from fastapi import FastAPI

from api import docs, errors, metrics
from api.body_limit import BodyLimitMiddleware
from api.console import create_console
from api.routers import (
    bascules,
    capacites,
    downloads,
    events,
    health,
    imports,
    jobs,
    offre,
    rattachements,
    saisie,
    workbooks,
)
from api.security import SecurityMiddleware
from service.config import get_settings
from service.logging import configure_logging
from workers.app import app as celery_app  # registers the sender of units and the job kinds


def create_app() -> FastAPI:
    configure_logging()
    settings = get_settings()
    app = FastAPI(
        title="SI SIAO — Module Offre : import et bascule",
        description="Imports Temps 1, rattachements Temps 2 et bascules Temps 3 du Module Offre.",
        version="0.1.0",
        docs_url=None,  # served with local assets (api/docs.py)
        redoc_url=None,
    )
    assert celery_app.main == "offre"
    errors.install(app)
    for router in (
        health.router,
        metrics.router,
        imports.router,
        workbooks.router,
        jobs.router,
        events.router,
        downloads.router,
        offre.router,
        saisie.router,
        rattachements.router,
        capacites.router,
        bascules.router,
    ):
        app.include_router(router)
    app.mount("/console", create_console())
    docs.install(app)
    # The multipart envelope adds a little to the file itself.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes + 64 * 1024)
    # Outermost: refuses what no route should even see, and signs every response.
    app.add_middleware(SecurityMiddleware)
    return app


app = create_app()
