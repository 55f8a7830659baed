"""Waves (issue 12, item 3) on the real stack: a simulation runs every check and counts what
would move without writing anything; N départements at a time in the order given; after K
failures the départements not started end « Non lancé »; a wave ends ``termine`` listing its
failed départements unless all failed; a département that fails its preflight at apply time is
untouched and says why."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.support.api import wait_for
from tests.support.rattachement import NATIONAL, siao_digests
from tests.support.temps3 import API, departement_digests, settle_exclusions, temps3_world

COUNTED = (
    "offre.groupe_places",
    "offre.groupe_places_archive",
    "offre.utilisateur",
    "offre.utilisateur_historique",
    "offre.bascule_archive",
    "offre.journal_annulation",
)


def _counts(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in COUNTED}
        counts["basculés"] = conn.execute(
            text("SELECT count(*) FROM offre.departement WHERE module_actif")
        ).scalar_one()
    return counts


def _wave(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post(f"{API}/bascules", headers=headers, json=body)
    assert response.status_code == 202, response.text
    return wait_for(client, headers, response.json()["id"], timeout=120)


def _figures(job: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """Groupes moved, accounts migrated or linked. (The legacy rows removed or kept may differ:
    each simulated département is simulated alone, while in the wave the second to switch
    removes what the first kept for it.)"""
    return {d["departement"]: (d["creations"], d["modifications"]) for d in job["departements"]}


@pytest.mark.usefixtures("celery_worker")
def test_a_simulation_counts_what_would_move_and_writes_nothing(
    engine: Engine,
    api_client: TestClient,
    user_headers,  # type: ignore[no-untyped-def]
) -> None:
    national = user_headers(NATIONAL, "ADMIN_NATIONAL")
    temps3_world(engine, api_client, national, ("75", "93"), taille=20)
    for dep in ("75", "93"):
        settle_exclusions(api_client, national, dep)
    legacy, offre = siao_digests(engine), _counts(engine)

    simulated = _wave(api_client, national, departements=["75", "93"], simulation=True)
    assert (simulated["statut"], simulated["simulation"]) == ("termine", True), simulated
    for d in simulated["departements"]:
        assert d["message"].startswith("Simulation : basculerait"), d
    assert all(d["creations"] > 0 and d["modifications"] > 0 for d in simulated["departements"])
    assert siao_digests(engine) == legacy
    assert _counts(engine) == offre
    response = api_client.post(f"{API}/jobs/{simulated['id']}/revenir", headers=national)
    assert (response.status_code, response.json()["code"]) == (409, "RETOUR_IMPOSSIBLE")

    switched = _wave(api_client, national, departements=["75", "93"])
    assert switched["statut"] == "termine", switched
    assert _figures(switched) == _figures(simulated)
    assert _counts(engine)["basculés"] == 2


@pytest.mark.usefixtures("celery_worker")
def test_waves_stop_after_their_failure_budget_and_list_their_failures(
    engine: Engine,
    api_client: TestClient,
    user_headers,  # type: ignore[no-untyped-def]
) -> None:
    national = user_headers(NATIONAL, "ADMIN_NATIONAL")
    temps3_world(engine, api_client, national, ("75", "93", "13"), taille=20)
    for dep in ("93", "13"):
        settle_exclusions(api_client, national, dep)
    with engine.begin() as conn:  # 75 is not ready: its groupes wait for a decision
        conn.execute(text("DELETE FROM offre.rattachement_groupe WHERE departement = '75'"))
    before = departement_digests(engine, "75")

    # 75 first, one at a time, stop after one failure: the others are not launched.
    job = _wave(
        api_client, national, departements=["75", "93", "13"], parallele=1, arret_apres_echecs=1
    )
    states = {d["departement"]: d for d in job["departements"]}
    assert job["statut"] == "echec", job
    assert states["75"]["statut"] == "echec"
    assert "GROUPE_NON_RATTACHE" in states["75"]["message"]
    assert "rien n'a été écrit" in states["75"]["message"]
    for dep in ("93", "13"):
        assert states[dep]["statut"] == "annule"
        assert states[dep]["message"].startswith("Non lancé")
    assert departement_digests(engine, "75") == before

    # Without a budget the wave goes on: it ends « termine », naming its failure.
    job = _wave(api_client, national, departements=["75", "93", "13"], parallele=2)
    states = {d["departement"]: d["statut"] for d in job["departements"]}
    assert job["statut"] == "termine", job
    assert states == {"75": "echec", "93": "termine", "13": "termine"}
    assert "75" in job["message"]
    assert departement_digests(engine, "75") == before

    # A département already switched fails again, untouched, and says so.
    job = _wave(api_client, national, departements=["93"])
    assert job["statut"] == "echec"
    assert "déjà basculé" in job["departements"][0]["message"]
