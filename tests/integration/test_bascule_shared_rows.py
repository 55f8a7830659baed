"""Legacy rows shared between départements (issue 12, items 2 and 4), on the real stack: an
entité of several départements is removed by the last to switch, an account whose reach spans
départements (the DRIHL agent's, the national administrator's) keeps its ``siao`` row until
the last of them switches, a structure another département's account works in stays while that
account does; a revert in any order puts back a département's rows and what they reference,
byte-identical, and the whole tables once every switch is reverted."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.support.api import wait_for
from tests.support.rattachement import NATIONAL, siao_digests
from tests.support.temps3 import API, departement_digests, settle_exclusions, temps3_world

ILE_DE_FRANCE = ("75", "92", "93")


def _one(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def _ids(engine: Engine, sql: str, **params: Any) -> set[int]:
    with engine.connect() as conn:
        return set(conn.execute(text(sql), params).scalars())


def _switch(client: TestClient, headers: dict[str, str], *deps: str) -> int:
    response = client.post(f"{API}/bascules", headers=headers, json={"departements": list(deps)})
    assert response.status_code == 202, response.text
    job = wait_for(client, headers, response.json()["id"], timeout=120)
    assert job["statut"] == "termine", job
    return int(job["id"])


def _revert(client: TestClient, headers: dict[str, str], job_id: int, *deps: str) -> None:
    body = {"departements": list(deps)} if deps else {}
    response = client.post(f"{API}/jobs/{job_id}/revenir", headers=headers, json=body)
    assert response.status_code == 202, response.text
    assert wait_for(client, headers, response.json()["id"], timeout=120)["statut"] == "termine"


@pytest.mark.usefixtures("celery_worker")
def test_shared_rows_are_removed_by_the_last_and_put_back_in_any_order(
    engine: Engine,
    api_client: TestClient,
    user_headers,  # type: ignore[no-untyped-def]
) -> None:
    national = user_headers(NATIONAL, "ADMIN_NATIONAL")
    temps3_world(engine, api_client, national, ILE_DE_FRANCE, taille=20)
    for dep in ILE_DE_FRANCE:
        settle_exclusions(api_client, national, dep)
    whole = siao_digests(engine)
    before = {dep: departement_digests(engine, dep) for dep in ILE_DE_FRANCE}
    # The regional association runs a structure in each of them; the DRIHL agent has a legacy
    # account in each, the national administrator one in 75 (the generator's shared cases).
    regional = _ids(
        engine,
        "SELECT e.id FROM siao.entite e JOIN siao.structure s ON s.entite_id = e.id "
        "GROUP BY e.id HAVING count(DISTINCT s.departement) = 3",
    )
    drihl = _ids(engine, "SELECT id FROM siao.utilisateur WHERE email LIKE '%@drihl.gouv.fr'")
    admin = _ids(
        engine,
        "SELECT utilisateur_id FROM siao.utilisateur_profil "
        "WHERE profil_historique_code = 'ADMINISTRATEUR_NATIONAL'",
    )
    # A 93 account working in a 75 structure (the generator's cross-département reference).
    worked_in = _ids(
        engine,
        "SELECT s.id FROM siao.utilisateur u JOIN siao.structure s ON s.id = u.structure_id "
        "WHERE u.departement = '93' AND s.departement = '75' AND u.actif",
    )
    assert regional and len(drihl) == 3 and len(admin) == 1 and worked_in
    in_siao = "SELECT count(*) FROM siao.{t} WHERE id = ANY(:ids)"

    first = _switch(api_client, national, "75")
    assert _one(engine, in_siao.format(t="entite"), ids=list(regional)) == len(regional)
    assert _one(engine, in_siao.format(t="utilisateur"), ids=list(drihl)) == 3
    assert _one(engine, in_siao.format(t="utilisateur"), ids=list(admin)) == 1
    # 75's structure stays while 93's account works there; its groupes have moved.
    assert _one(engine, in_siao.format(t="structure"), ids=list(worked_in)) == len(worked_in)
    assert not _one(
        engine, "SELECT count(*) FROM siao.groupe_places WHERE structure_id = ANY(:ids)",
        ids=list(worked_in),
    )  # fmt: skip
    for dep in ("92", "93"):
        assert departement_digests(engine, dep) == before[dep]

    second = _switch(api_client, national, "93", "92")
    # Every département of the region has switched: the regional entité and the DRIHL rows
    # go (the agent's new account covers 75, 92 and 93), and the structure 93 worked in; the
    # national administrator's row stays until the 101 départements have switched.
    assert not _one(engine, in_siao.format(t="entite"), ids=list(regional))
    assert not _one(engine, in_siao.format(t="utilisateur"), ids=list(drihl))
    assert not _one(engine, in_siao.format(t="structure"), ids=list(worked_in))
    assert _one(engine, in_siao.format(t="utilisateur"), ids=list(admin)) == 1
    links = _one(
        engine,
        "SELECT count(DISTINCT utilisateur_id) FROM offre.utilisateur_historique "
        "WHERE utilisateur_historique_id = ANY(:ids)",
        ids=list(drihl),
    )
    assert links == 1  # one person, one account of the module, three legacy accounts

    # 75 back while 92 and 93 stay switched: its rows and the entités they reference, as they
    # were — the regional entité and the DRIHL rows a later switch removed included.
    _revert(api_client, national, first)
    assert departement_digests(engine, "75") == before["75"]
    assert _one(engine, in_siao.format(t="entite"), ids=list(regional)) == len(regional)
    # 93 back, then 92: the whole legacy tables as they were.
    _revert(api_client, national, second, "93")
    assert departement_digests(engine, "93") == before["93"]
    assert departement_digests(engine, "75") == before["75"]
    _revert(api_client, national, second, "92")
    assert siao_digests(engine) == whole
    assert not _one(engine, "SELECT count(*) FROM offre.groupe_places")
    assert not _one(engine, "SELECT count(*) FROM offre.utilisateur_historique")
