"""The Temps 3 part of `offre demo` through the real API and worker: what Temps 2 left (accounts
in conflict, alerts, an excluded groupe with occupants) is settled by screen entry, the
départements switch, and the one rolled back has its legacy rows as before."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy import Engine, text

from service.cli.client import Client
from service.cli.connect import Api
from service.cli.demo_temps3 import temps3
from service.legacy.digests import KEYS
from tests.support.rattachement import NATIONAL
from tests.support.temps3 import temps3_world


@pytest.fixture
def client(api_client: TestClient) -> Iterator[Client]:
    client = Client("http://testserver", "")
    client.http = api_client  # the CLI's client, on the in-process API
    yield client


@pytest.mark.usefixtures("celery_worker")
def test_demo_settles_switches_and_rolls_one_back(
    engine: Engine,
    api_client: TestClient,
    client: Client,
    database_url: str,
    user_headers,  # type: ignore[no-untyped-def]
) -> None:
    national = user_headers(NATIONAL, "ADMIN_NATIONAL")
    temps3_world(engine, api_client, national, ("75", "93"), taille=20)
    with engine.begin() as conn:  # what Temps 2 left to the national team
        conn.execute(
            text(
                "DELETE FROM offre.migration_utilisateur WHERE utilisateur_historique_id IN ("
                "SELECT utilisateur_historique_id FROM offre.migration_utilisateur "
                "WHERE decision = 'desactiver' ORDER BY 1 LIMIT 4)"
            )
        )
        conn.execute(text("DELETE FROM offre.alerte_acquittee"))
    api_client.headers.update(national)
    try:
        out = io.StringIO()
        temps3(Api(client, ""), Console(file=out, width=200), database_url, ["75", "93"])
    finally:
        del api_client.headers["Authorization"]
    shown = out.getvalue()
    assert "75 : prêt" in shown and "93 : prêt" in shown, shown
    assert "réglé par saisie" in shown
    assert "Retour arrière du 93" in shown
    assert "Capacité financée et occupation — 2 département(s) basculé(s) sur 101" in shown
    assert "│ 75 Paris " in shown and "│ 93 Seine-Saint-Denis " in shown
    assert "│ Ensemble" in shown
    assert shown.index("basculé(s) sur 101") < shown.index("Retour arrière du 93")
    rows: list[Any] = [
        line
        for line in shown.splitlines()
        if line.startswith("│ ") and line.split("│")[1].strip() in KEYS
    ]
    assert len(rows) == 5 and all(line.split("│")[-2].strip() == "oui" for line in rows), shown
    with engine.connect() as conn:
        switched = conn.execute(
            text("SELECT code FROM offre.departement WHERE module_actif")
        ).scalars()
        assert list(switched) == ["75"]
