"""Modes and options of Temps 1: miroir with its confirmation, par_departement, the
département lock (409), cancel, and live progress events."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.api import submit, wait_for
from tests.support.samples import GOOD_DISPOSITIFS, GOOD_ENTITES, workbook

pytestmark = pytest.mark.usefixtures("celery_worker")


def apply_and_wait(client: TestClient, headers: dict[str, str], job_id: int, **body: Any) -> Any:
    response = client.post(f"/api/v1/jobs/{job_id}/appliquer", headers=headers, json=body or None)
    assert response.status_code == 202, response.text
    return wait_for(client, headers, job_id)


def test_mirror_closes_absent_dispositifs_after_counted_confirmation(
    api_client: TestClient, user_headers
) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    first = wait_for(
        api_client,
        admin,
        submit(
            api_client, admin, workbook(GOOD_ENTITES, GOOD_DISPOSITIFS), application="automatique"
        ).json()["id"],
    )
    assert first["statut"] == "termine"

    mirror = wait_for(
        api_client,
        admin,
        submit(
            api_client, admin, workbook(GOOD_ENTITES, GOOD_DISPOSITIFS[:1]), mode="miroir"
        ).json()["id"],
    )
    assert mirror["statut"] == "valide"
    assert mirror["fermetures"] == 2
    closures = api_client.get(
        f"/api/v1/jobs/{mirror['id']}/apercu", headers=admin, params={"action": "fermeture"}
    ).json()
    assert sorted(i["cle"] for i in closures["items"]) == ["DSP-75-000002", "DSP-75-000003"]

    refused = api_client.post(f"/api/v1/jobs/{mirror['id']}/appliquer", headers=admin)
    assert refused.status_code == 409
    assert refused.json()["code"] == "CONFIRMATION_FERMETURES"
    wrong = api_client.post(
        f"/api/v1/jobs/{mirror['id']}/appliquer", headers=admin, json={"fermetures": 1}
    )
    assert wrong.status_code == 409

    done = apply_and_wait(api_client, admin, mirror["id"], fermetures=2)
    assert done["statut"] == "termine", done
    listing = api_client.get("/api/v1/departements/75/dispositifs", headers=admin).json()
    closed = {d["identifiant"]: d["date_fermeture"] for d in listing["items"]}
    assert closed["DSP-75-000001"] is None
    assert closed["DSP-75-000002"] and closed["DSP-75-000003"]  # closed, never deleted
    assert listing["total"] == 3


def test_par_departement_applies_only_clean_departements(
    api_client: TestClient, user_headers
) -> None:  # type: ignore[no-untyped-def]
    national = user_headers("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    rows = [
        [None, "732829320", "CHRS Marseille", "CHRS", "13", 30, None],
        [None, "732829320", "CHRS Lyon", "CHRS", "69", 30, None],
        [None, "732829320", "DNA Lyon", "DNA", "69", 30, None],  # error: capacity
    ]
    blocked = wait_for(
        api_client,
        national,
        submit(
            api_client, national, workbook(GOOD_ENTITES[:1], rows), application="automatique"
        ).json()["id"],
    )
    assert blocked["statut"] == "invalide"

    partial = wait_for(
        api_client,
        national,
        submit(
            api_client,
            national,
            workbook(GOOD_ENTITES[:1], rows),
            application="automatique",
            par_departement="true",
        ).json()["id"],
        until=lambda j: j["statut"] in ("termine", "echec", "invalide"),
    )
    assert partial["statut"] == "termine", partial
    by_dep = {d["departement"]: d for d in partial["departements"]}
    assert by_dep["13"]["statut"] == "termine" and by_dep["13"]["creations"] == 1
    assert by_dep["69"]["statut"] == "invalide" and by_dep["69"]["erreurs"] == 1
    assert (
        api_client.get("/api/v1/departements/69/dispositifs", headers=national).json()["total"] == 0
    )


def test_second_upload_for_a_busy_departement_is_refused_with_the_active_job(
    api_client: TestClient, user_headers, engine
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    data = workbook(GOOD_ENTITES, GOOD_DISPOSITIFS)
    first = wait_for(api_client, admin, submit(api_client, admin, data).json()["id"])
    assert first["statut"] == "valide"
    # Hold the job in « application » as a worker would while it applies (a lease far ahead:
    # no worker picks it up again during this test).
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE offre.job SET statut='application', etape='departements', "
                "bail_expire = now() + interval '1 hour' WHERE id = :id"
            ),
            {"id": first["id"]},
        )
        conn.execute(
            text("UPDATE offre.job_departement SET statut='application' WHERE job_id = :id"),
            {"id": first["id"]},
        )
    second = submit(api_client, admin, data)
    assert second.status_code == 409
    body = second.json()
    assert body["code"] == "DEPARTEMENT_OCCUPE"
    assert body["details"]["job_actif"] == first["id"]
    assert str(first["id"]) in body["message"]


def test_cancel_before_confirmation(api_client: TestClient, user_headers) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    job = wait_for(
        api_client,
        admin,
        submit(api_client, admin, workbook(GOOD_ENTITES, GOOD_DISPOSITIFS)).json()["id"],
    )
    assert job["statut"] == "valide"
    cancelled = api_client.post(f"/api/v1/jobs/{job['id']}/annuler", headers=admin)
    assert cancelled.status_code == 202 and cancelled.json()["statut"] == "annule"
    assert api_client.post(f"/api/v1/jobs/{job['id']}/appliquer", headers=admin).status_code == 409
    assert api_client.post(f"/api/v1/jobs/{job['id']}/annuler", headers=admin).status_code == 409


def test_progress_events_stream_each_commit(api_client: TestClient, user_headers) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    job = wait_for(
        api_client,
        admin,
        submit(api_client, admin, workbook(GOOD_ENTITES, GOOD_DISPOSITIFS)).json()["id"],
    )
    events: list[dict[str, Any]] = []

    def listen() -> None:
        with api_client.stream(
            "GET", f"/api/v1/jobs/{job['id']}/evenements", headers=admin, params={"attente": 60}
        ) as stream:
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))

    listener = threading.Thread(target=listen)
    listener.start()
    try:
        while not events:  # the snapshot arrives first: we are subscribed after it
            listener.join(0.05)
        apply_and_wait(api_client, admin, job["id"])
        listener.join(30)
    finally:
        assert not listener.is_alive()
    assert events[0]["statut"] == "valide"
    assert events[-1]["statut"] == "termine"
    assert events[-1]["departements"][0]["creations"] == 3
    assert len(events) >= 3


def test_departements_show_progress_during_the_analysis(
    api_client: TestClient, user_headers, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import redis

    from service.config import get_settings
    from service.jobs.publication import channel
    from service.redis_client import client_url

    monkeypatch.setattr(get_settings(), "batch_size", 1)
    national = user_headers("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    rows = [[None, "732829320", f"CHRS {dep}", "CHRS", dep, 10, None] for dep in ("13", "69")]
    subscriber = redis.Redis.from_url(client_url(get_settings().redis_url or "")).pubsub()
    # Job ids restart at 1 after each test's TRUNCATE … RESTART IDENTITY.
    subscriber.subscribe(channel(1))
    job = wait_for(
        api_client,
        national,
        submit(api_client, national, workbook(GOOD_ENTITES[:1], rows)).json()["id"],
    )
    assert job["id"] == 1 and job["statut"] == "valide"
    events = []
    while (message := subscriber.get_message(timeout=1)) is not None:
        if message["type"] == "message":
            events.append(json.loads(message["data"]))
    subscriber.close()
    during = [e for e in events if e["etape"] == "analyse" and e["departements"]]
    assert during, events
    assert {d["statut"] for e in during for d in e["departements"]} == {"analyse"}
    assert during[0]["departements"][0]["lignes"] == 1  # one row read so far


@pytest.mark.usefixtures("celery_worker")
def test_a_job_ending_before_its_stream_subscribes_is_seen_ending(
    api_client: TestClient,
    user_headers,  # type: ignore[no-untyped-def]
) -> None:
    """The stream's first snapshot is read before it subscribes to the job's events: a job
    ending in between published its last event to no one. The stream reads the figures again
    once subscribed, and ends with the job."""
    import asyncio

    from api.routers.events import event_stream

    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    data = workbook(GOOD_ENTITES, GOOD_DISPOSITIFS)
    job = wait_for(
        api_client, admin, submit(api_client, admin, data, application="automatique").json()["id"]
    )
    assert job["statut"] == "termine", job
    stale = json.dumps({**job, "statut": "application"})  # as read just before it ended

    async def events() -> list[str]:
        stream = event_stream(job["id"], "admin.paris@ddets.gouv.fr", stale, attente=3)
        return [event async for event in stream]

    received = [e for e in asyncio.run(events()) if e.startswith("event: progression")]
    statuts = [json.loads(e.split("data: ", 1)[1])["statut"] for e in received]
    assert statuts == ["application", "termine"]
