"""Temps 3 in tests: départements brought to the preflight (Temps 1 imported by the real API,
Temps 2 decided in one go), what an operator settles by screen entry, and digests of a
département's legacy rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from service.auth.accounts import identity_for
from service.db.engine import session_scope
from service.legacy.temps2_decisions import decide_everything
from tests.support.rattachement import NATIONAL, SIAO_KEYS, temps1_world

API = "/api/v1"
# A département's legacy rows, and the entités they reference.
_ROWS = {
    "entite": "t.id IN (SELECT entite_id FROM siao.structure WHERE departement = :dep)",
    "structure": "t.departement = :dep",
    "groupe_places": "t.structure_id IN (SELECT id FROM siao.structure WHERE departement = :dep)",
    "utilisateur": "t.departement = :dep",
    "utilisateur_profil": "t.utilisateur_id IN (SELECT id FROM siao.utilisateur "
    "WHERE departement = :dep)",
}


def temps3_world(
    engine: Engine,
    client: TestClient,
    national: dict[str, str],
    departements: Sequence[str],
    taille: int = 30,
    graine: int = 11,
) -> None:
    """Legacy data, Temps 1 imported through the API, Temps 2 decided for every département."""
    temps1_world(engine, client, national, departements, taille, graine)
    with session_scope() as session:
        identity = identity_for(session, NATIONAL)
        assert identity is not None
        decide_everything(session, departements, identity.utilisateur_id)


def preparation(client: TestClient, headers: dict[str, str], dep: str) -> dict[str, Any]:
    response = client.get(f"{API}/departements/{dep}/bascule/preparation", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def settle_exclusions(client: TestClient, headers: dict[str, str], dep: str) -> None:
    """Excluded groupes with places occupées attached instead, by screen entry, to a dispositif
    of the département that takes places (what an operator does for its DNA places)."""
    found = preparation(client, headers, dep)
    blocked = [d for d in found["details"] if d["code"] == "GROUPE_EXCLU_OCCUPE"]
    if not blocked:
        return
    listing = client.get(
        f"{API}/departements/{dep}/propositions", headers=headers, params={"taille": 1000}
    ).json()["items"]
    fallback = next(
        p["proposition"]["dispositif"] for p in listing if p["proposition"]["dispositif"]
    )
    for element in blocked[0]["elements"]:
        response = client.put(
            f"{API}/groupes-places/{element['id']}/rattachement",
            headers=headers,
            json={"decision": "rattacher", "dispositif": fallback},
        )
        assert response.status_code == 200, response.text


def departement_digests(engine: Engine, dep: str) -> dict[str, str]:
    """Per legacy table, count and md5 of the département's rows as text, by primary key."""
    with engine.connect() as conn:
        return {
            table: conn.execute(
                text(
                    f"SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' "
                    f"ORDER BY {', '.join(f't.{k.strip()}' for k in key.split(','))}), '')) "
                    f"FROM siao.{table} t WHERE {_ROWS[table]}"
                ),
                {"dep": dep},
            ).scalar_one()
            for table, key in SIAO_KEYS.items()
        }
