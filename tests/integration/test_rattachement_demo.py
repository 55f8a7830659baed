"""The proposals, accepted as `offre demo` accepts them, pass the rules of workbook 2: the
matching and the rules agree. Every département of the demo, one after the other."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.cli.demo_temps2 import accept_proposals
from tests.support.api import wait_for
from tests.support.rattachement import NATIONAL, siao_digests, temps1_world

API = "/api/v1"


@pytest.mark.usefixtures("celery_worker")
def test_accepted_proposals_are_applied_without_error(
    engine: Engine,
    api_client: TestClient,
    user_headers,  # type: ignore[no-untyped-def]
) -> None:
    national = user_headers(NATIONAL, "ADMIN_NATIONAL")
    temps1_world(engine, api_client, national, departements=("75", "93", "13"), taille=60, graine=7)
    legacy = siao_digests(engine)
    for code in ("75", "93", "13"):
        exported = api_client.get(f"{API}/departements/{code}/rattachement.xlsx", headers=national)
        filled = accept_proposals(exported.content)
        response = api_client.post(
            f"{API}/rattachements",
            headers=national,
            files={"fichier": (f"rattachement-{code}.xlsx", filled)},
            data={"application": "automatique"},
        )
        assert response.status_code == 202, response.text
        job = wait_for(api_client, national, response.json()["id"])
        errors = api_client.get(
            f"{API}/jobs/{job['id']}/anomalies", headers=national, params={"severite": "erreur"}
        ).json()["items"]
        assert job["statut"] == "termine", [(e["code"], e["message"]) for e in errors]
        figures = api_client.get(f"{API}/departements/{code}/rattachement", headers=national).json()
        assert figures["groupes"]["restants"] == 0, figures
        assert figures["utilisateurs"]["migres"] > 0, figures
        assert "COURRIEL_EN_DOUBLE" not in figures["bloquants"], figures
    assert siao_digests(engine) == legacy
