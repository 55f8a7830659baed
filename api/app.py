"""The FastAPI application: uploads, jobs, progress, reports (ARCHITECTURE.md §5)."""

from __future__ import annotations

from fastapi import FastAPI

from api import errors, metrics
from api.body_limit import BodyLimitMiddleware
from api.routers import events, health, imports, jobs, offre, rattachements, workbooks
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
        offre.router,
        rattachements.router,
    ):
        app.include_router(router)
    # The multipart envelope adds a little to the file itself.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes + 64 * 1024)
    return app


app = create_app()
