"""Integration tests: real PostgreSQL and Redis, tables emptied after each test."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

# Everything a test may write; reference data (seeded by migration) stays.
_MUTABLE_TABLES = (
    "offre.bascule_archive",
    "offre.groupe_places_archive",
    "offre.utilisateur_historique",
    "offre.alerte_acquittee",
    "offre.migration_utilisateur",
    "offre.rattachement_groupe",
    "offre.audit",
    "offre.job_export_morceau",
    "offre.job_export",
    "offre.journal_annulation",
    "offre.job_plan",
    "offre.job_ligne",
    "offre.job_anomalie",
    "offre.job_fichier",
    "offre.job_departement",
    "offre.job",
    "offre.utilisateur_dispositif",
    "offre.utilisateur_departement",
    "offre.utilisateur",
    "offre.groupe_places",
    "offre.dispositif",
    "offre.entite",
    "siao.utilisateur_profil",
    "siao.utilisateur",
    "siao.groupe_places",
    "siao.structure",
    "siao.entite",
)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Engine:
    from service.db.engine import get_engine

    return get_engine()


def _wait_for_idle_workers(engine: Engine, timeout: float = 15) -> None:
    """A unit still leased is being worked on by the session's worker: let it finish, so that
    it neither deadlocks with the TRUNCATE nor writes into the next test."""
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            busy = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM offre.job WHERE bail_expire > now()"
                    " AND bail_expire < now() + interval '10 minutes')"
                    " + (SELECT count(*) FROM offre.job_departement WHERE bail_expire > now()"
                    " AND bail_expire < now() + interval '10 minutes')"
                )
            ).scalar_one()
            conn.rollback()
            if not busy:
                return
            time.sleep(0.1)


@pytest.fixture(autouse=True)
def clean_db(engine: Engine) -> Iterator[None]:
    yield
    _wait_for_idle_workers(engine)
    for attempt in range(5):
        try:
            with engine.begin() as conn:
                conn.execute(
                    text(f"TRUNCATE {', '.join(_MUTABLE_TABLES)} RESTART IDENTITY CASCADE")
                )
                conn.execute(text("UPDATE offre.dispositif_sequence SET dernier = 0"))
                conn.execute(
                    text(
                        "UPDATE offre.departement SET module_actif = false, bascule_le = NULL, "
                        "bascule_job_id = NULL"
                    )
                )
            return
        except OperationalError:  # a late worker transaction: try again
            if attempt == 4:
                raise
            time.sleep(0.5)


@pytest.fixture(scope="session")
def celery_worker(database_url: str) -> Iterator[Any]:
    """A real Celery worker (threads pool) consuming every queue on the real Redis broker."""
    from celery.contrib.testing.worker import start_worker

    from service.jobs.queues import QUEUES
    from workers.app import create_app

    app = create_app()
    app.loader.import_default_modules()
    with start_worker(
        app,
        pool="threads",
        concurrency=2,
        perform_ping_check=False,
        queues=list(QUEUES),
        shutdown_timeout=30,
    ) as worker:
        yield worker


@pytest.fixture(scope="session")
def api_client(database_url: str) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app()) as client:
        yield client


@pytest.fixture
def user_headers(engine: Engine):  # type: ignore[no-untyped-def]
    """Create an account and return the Authorization header of its token."""
    from service.auth.accounts import add_user
    from service.auth.tokens import issue_token
    from service.config import get_settings
    from service.db.engine import session_scope

    def make(courriel: str, profil: str, departements: list[str] | None = None) -> dict[str, str]:
        with session_scope() as session:
            add_user(session, courriel, profil, departements or [])
        return {"Authorization": f"Bearer {issue_token(courriel, get_settings())}"}

    return make
