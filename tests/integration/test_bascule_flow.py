"""Issue 12's « Done when » on the real stack (PostgreSQL, Redis, Celery worker): the national
team sees 3 départements of 5 ready (and why the other 2 are not), switches a wave of the 3 with
their progress per département, finds their groupes de places under their dispositifs with
their SI SIAO ids, rolls one back and gets its ``siao`` rows byte-identical to before — then
the other two, and the whole ``siao`` tables are; a non-national profile gets 403 on every
bascule route."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.support.api import wait_for
from tests.support.rattachement import NATIONAL, siao_digests
from tests.support.temps3 import (
    API,
    departement_digests,
    preparation,
    settle_exclusions,
    temps3_world,
)

DEPARTEMENTS = ("75", "93", "13", "69", "33")
READY = ("75", "93", "13")


def _attached(engine: Engine, dep: str) -> dict[int, str]:
    """Legacy groupe id → dispositif decided, for the département's active groupes."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT r.groupe_places_id, r.dispositif_identifiant "
                "FROM offre.rattachement_groupe r WHERE r.departement = :dep "
                "AND r.decision = 'rattacher'"
            ),
            {"dep": dep},
        )
        return {int(groupe): str(identifiant) for groupe, identifiant in rows}


def _undecide_two_groupes(client: TestClient, headers: dict[str, str], dep: str) -> list[int]:
    listing = client.get(
        f"{API}/departements/{dep}/propositions", headers=headers, params={"taille": 2}
    ).json()["items"]
    ids = [p["groupe"] for p in listing]
    for groupe in ids:
        response = client.put(
            f"{API}/groupes-places/{groupe}/rattachement", headers=headers, json={"decision": None}
        )
        assert response.status_code == 200, response.text
    return ids


def _exclude_an_occupied_groupe(client: TestClient, headers: dict[str, str], dep: str) -> int:
    listing = client.get(
        f"{API}/departements/{dep}/propositions", headers=headers, params={"taille": 1000}
    ).json()["items"]
    groupe = next(p["groupe"] for p in listing if p["places_occupees"] > 0)
    response = client.put(
        f"{API}/groupes-places/{groupe}/rattachement", headers=headers, json={"decision": "exclure"}
    )
    assert response.status_code == 200, response.text
    return int(groupe)


@pytest.mark.usefixtures("celery_worker")
def test_national_team_switches_a_wave_and_rolls_one_back(
    engine: Engine,
    api_client: TestClient,
    user_headers,  # type: ignore[no-untyped-def]
) -> None:
    national = user_headers(NATIONAL, "ADMIN_NATIONAL")
    temps3_world(engine, api_client, national, DEPARTEMENTS)
    for dep in DEPARTEMENTS:
        settle_exclusions(api_client, national, dep)
    undecided = _undecide_two_groupes(api_client, national, "69")
    excluded = _exclude_an_occupied_groupe(api_client, national, "33")

    # 3 of the 5 ready, and why the other 2 are not.
    response = api_client.get(f"{API}/bascules/preparation", headers=national)
    assert response.status_code == 200, response.text
    table = response.json()
    assert table["total"] == 101
    by_dep = {i["departement"]: i for i in table["items"]}
    assert {d: by_dep[d]["statut"] for d in DEPARTEMENTS} == {
        "75": "pret",
        "93": "pret",
        "13": "pret",
        "69": "bloque",
        "33": "bloque",
    }
    assert by_dep["69"]["bloquants"] == {"GROUPE_NON_RATTACHE": 2}
    assert by_dep["33"]["bloquants"].get("GROUPE_EXCLU_OCCUPE", 0) >= 1
    assert all(by_dep[d]["groupes"] > 0 and by_dep[d]["utilisateurs"] > 0 for d in DEPARTEMENTS)
    detail = preparation(api_client, national, "69")
    (blocker,) = detail["details"]
    assert blocker["code"] == "GROUPE_NON_RATTACHE"
    assert sorted(e["id"] for e in blocker["elements"]) == sorted(undecided)
    assert all("aucune décision" in e["message"] for e in blocker["elements"])
    detail = preparation(api_client, national, "33")
    exclus = next(d for d in detail["details"] if d["code"] == "GROUPE_EXCLU_OCCUPE")
    assert excluded in {e["id"] for e in exclus["elements"]}

    before = {dep: departement_digests(engine, dep) for dep in DEPARTEMENTS}
    whole_before = siao_digests(engine)
    attached = {dep: _attached(engine, dep) for dep in READY}

    # The wave of the 3, two at a time: each département's unit, its figures and message.
    response = api_client.post(
        f"{API}/bascules", headers=national, json={"departements": list(READY), "parallele": 2}
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["type"], job["simulation"]) == ("bascule", False)
    assert sorted(d["departement"] for d in job["departements"]) == sorted(READY)
    seen: dict[str, set[str]] = {dep: set() for dep in READY}

    def progress(j: dict[str, Any]) -> bool:
        for d in j["departements"]:
            seen[d["departement"]].add(d["statut"])
        return j["statut"] in ("termine", "echec", "annule")

    job = wait_for(api_client, national, job["id"], progress, timeout=120)
    assert job["statut"] == "termine", job
    for d in job["departements"]:
        assert d["statut"] == "termine", d
        assert d["creations"] == len(attached[d["departement"]]), d
        assert d["message"].startswith(f"a basculé {d['creations']} groupe(s)"), d
        assert d["lignes"] > 0 and d["traitees"] == d["lignes"]
    assert all("termine" in states for states in seen.values())

    # Their groupes under their dispositifs, with their SI SIAO ids; gone from siao.
    for dep in READY:
        listing = api_client.get(
            f"{API}/departements/{dep}/groupes-places", headers=national, params={"taille": 1000}
        ).json()
        assert {g["id"]: g["dispositif"] for g in listing["items"]} == attached[dep]
        assert listing["total"] == len(attached[dep])
        assert departement_digests(engine, dep)["groupe_places"].startswith("0:")
    some_id, identifiant = next(iter(attached["75"].items()))
    dispositif = api_client.get(f"{API}/dispositifs/{identifiant}", headers=national).json()
    assert some_id in {g["id"] for g in dispositif["groupes"]}
    table = api_client.get(f"{API}/bascules/preparation", headers=national).json()
    states = {i["departement"]: i for i in table["items"]}
    assert [states[d]["statut"] for d in READY] == ["bascule"] * 3
    assert states["75"]["job_id"] == job["id"]
    assert states["75"]["groupes"] == len(attached["75"])
    # The départements not switched keep their rows.
    for dep in ("69", "33"):
        assert departement_digests(engine, dep) == before[dep]

    # What a revert of 93 would do, then the revert: 93's rows byte-identical to before.
    apercu = api_client.get(
        f"{API}/jobs/{job['id']}/revenir/apercu", headers=national, params={"departement": "93"}
    )
    assert apercu.status_code == 200, apercu.text
    (part,) = apercu.json()["parties"]
    assert part["departement"] == "93" and part["a_restaurer"] > 0 and part["a_supprimer"] > 0
    assert apercu.json()["modifications_depuis"] == []
    response = api_client.post(
        f"{API}/jobs/{job['id']}/revenir", headers=national, json={"departements": ["93"]}
    )
    assert response.status_code == 202, response.text
    revert = wait_for(api_client, national, response.json()["id"], timeout=120)
    assert revert["statut"] == "termine", revert
    assert departement_digests(engine, "93") == before["93"]
    listing = api_client.get(f"{API}/departements/93/groupes-places", headers=national).json()
    assert listing["total"] == 0
    assert preparation(api_client, national, "93")["statut"] == "pret"

    # The two others: the whole legacy tables are back as they were.
    response = api_client.post(f"{API}/jobs/{job['id']}/revenir", headers=national, json={})
    assert response.status_code == 202, response.text
    assert wait_for(api_client, national, response.json()["id"], timeout=120)["statut"] == (
        "termine"
    )
    assert siao_digests(engine) == whole_before


@pytest.mark.usefixtures("celery_worker")
def test_bascule_routes_are_for_the_national_team_only(
    engine: Engine,
    api_client: TestClient,
    user_headers,  # type: ignore[no-untyped-def]
) -> None:
    others = [
        user_headers("admin.dep@ddets93.gouv.fr", "ADMIN_DEPARTEMENTAL", ["93"]),
        user_headers("admin.siao@siao93.fr", "ADMIN_SIAO", ["93"]),
        user_headers("operateur@siao93.fr", "OPERATEUR_SIAO", ["93"]),
        user_headers("analyste@ddets93.gouv.fr", "ANALYSTE", ["93"]),
        user_headers("ecoutant@siao93.fr", "ECOUTANT_115", ["93"]),
    ]
    for headers in others:
        for method, url, body in (
            ("GET", f"{API}/bascules/preparation", None),
            ("GET", f"{API}/departements/93/bascule/preparation", None),
            ("POST", f"{API}/bascules", {"departements": ["93"]}),
            ("POST", f"{API}/bascules", {"departements": ["93"], "simulation": True}),
        ):
            response = api_client.request(method, url, headers=headers, json=body)
            assert response.status_code == 403, (method, url, response.text)
            assert response.json()["code"] == "INTERDIT"
