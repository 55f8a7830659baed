"""What one account may ask at once: a new file replaces its older plans waiting for a
confirmation; at most N jobs waiting or being analysed and M uploads a minute (429 in French);
files and staged rows of old jobs are purged, their figures kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from service.config import get_settings
from service.db.engine import session_scope
from service.jobs import publication
from service.jobs.retention import purge
from tests.support.api import submit, wait_for
from tests.support.samples import GOOD_DISPOSITIFS, GOOD_ENTITES, workbook

DATA = workbook(GOOD_ENTITES, GOOD_DISPOSITIFS)


@pytest.mark.usefixtures("celery_worker")
def test_a_new_file_replaces_the_older_plans_of_its_departements(
    api_client: TestClient, user_headers
) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    first = submit(api_client, admin, DATA).json()["id"]
    assert wait_for(api_client, admin, first)["statut"] == "valide"
    second = submit(api_client, admin, DATA).json()["id"]
    assert wait_for(api_client, admin, second)["statut"] == "valide"
    replaced = api_client.get(f"/api/v1/jobs/{first}", headers=admin).json()
    assert replaced["statut"] == "annule"
    assert replaced["message"] == f"Remplacé par le job {second}."
    assert {d["statut"] for d in replaced["departements"]} == {"annule"}


@pytest.fixture
def held() -> Iterator[None]:
    """No worker takes the jobs: they stay « en attente »."""
    previous = publication._sender
    publication.set_sender(lambda task, args: None)
    yield
    publication.set_sender(previous)


@pytest.mark.usefixtures("held")
def test_at_most_n_jobs_waiting_per_account(
    api_client: TestClient, user_headers, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(get_settings(), "max_active_jobs_per_account", 2)
    national = user_headers("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    assert [submit(api_client, national, DATA).status_code for _ in range(2)] == [202, 202]
    refused = submit(api_client, national, DATA)
    assert refused.status_code == 429, refused.text
    assert refused.json()["code"] == "TROP_DE_JOBS"
    assert "au plus 2" in refused.json()["message"]
    other = user_headers("equipe.autre@social.gouv.fr", "ADMIN_NATIONAL")
    assert submit(api_client, other, DATA).status_code == 202  # per account


def test_uploads_per_minute_per_account(
    api_client: TestClient, user_headers, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(get_settings(), "uploads_per_minute", 2)
    admin = user_headers("quota.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    not_a_workbook = b"ceci n'est pas un classeur"
    statuses = [submit(api_client, admin, not_a_workbook).status_code for _ in range(2)]
    assert statuses == [422, 422]  # refused uploads count too
    refused = submit(api_client, admin, not_a_workbook)
    assert refused.status_code == 429
    assert refused.json()["code"] == "TROP_DE_DEPOTS"
    assert int(refused.headers["retry-after"]) > 0


@pytest.mark.usefixtures("celery_worker")
def test_old_jobs_lose_their_files_and_keep_their_figures(
    api_client: TestClient, user_headers, engine: Engine
) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    applied = submit(api_client, admin, DATA, application="automatique").json()["id"]
    assert wait_for(api_client, admin, applied)["statut"] == "termine"
    waiting = submit(api_client, admin, workbook(GOOD_ENTITES, GOOD_DISPOSITIFS[:1])).json()["id"]
    assert wait_for(api_client, admin, waiting)["statut"] == "valide"
    before = api_client.get(f"/api/v1/jobs/{applied}", headers=admin).json()
    with engine.begin() as conn:
        conn.execute(text("UPDATE offre.job SET cree_le = now() - interval '40 days'"))
    with session_scope() as session:
        assert purge(session) == 2
    with engine.connect() as conn:
        for table in ("job_fichier", "job_ligne", "job_plan"):
            assert conn.scalar(text(f"SELECT count(*) FROM offre.{table}")) == 0, table
    after = api_client.get(f"/api/v1/jobs/{applied}", headers=admin).json()
    assert {**after, "cree_le": None} == {**before, "cree_le": None}  # the figures stay
    expired = api_client.get(f"/api/v1/jobs/{waiting}", headers=admin).json()
    assert expired["statut"] == "annule" and "Expiré" in expired["message"]
    with session_scope() as session:
        assert purge(session) == 0  # once
