"""Temps 3 in tests: départements brought to the preflight (Temps 1 imported by the real API,
Temps 2 decided in one go), what an operator settles by screen entry, and digests of a
département's legacy rows."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from service.auth.accounts import identity_for
from service.db.engine import session_scope
from service.legacy.temps2_decisions import decide_everything
from tests.support.processes import cli
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


def preparation(client: Any, headers: dict[str, str], dep: str) -> dict[str, Any]:
    response = client.get(f"{API}/departements/{dep}/bascule/preparation", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def settle_exclusions(client: Any, headers: dict[str, str], dep: str) -> None:
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


# What a switch leaves in the module and in siao, independent of ids allocated in parallel
# and of which unit of a wave removed a shared row: equal for any run of the same wave.
TEMPS3_DIGEST = """
SELECT md5(concat_ws('#',
  (SELECT string_agg(row(g.id, d.identifiant, g.libelle, g.nb_places, g.type_place, g.publics,
     g.adresse, g.code_postal, g.commune, g.places_occupees, g.actif)::text, ',' ORDER BY g.id)
   FROM offre.groupe_places g JOIN offre.dispositif d ON d.id = g.dispositif_id),
  (SELECT string_agg(row(a.id, a.departement, a.motif, a.nb_places)::text, ',' ORDER BY a.id)
   FROM offre.groupe_places_archive a),
  (SELECT string_agg(row(lower(u.courriel), u.profil_code, e.siren, u.actif,
     u.siao_utilisateur_id, (SELECT array_agg(x.departement ORDER BY x.departement)
       FROM offre.utilisateur_departement x WHERE x.utilisateur_id = u.id),
     (SELECT array_agg(y.identifiant ORDER BY y.identifiant) FROM offre.utilisateur_dispositif z
       JOIN offre.dispositif y ON y.id = z.dispositif_id WHERE z.utilisateur_id = u.id))::text,
     ',' ORDER BY lower(u.courriel), u.actif)
   FROM offre.utilisateur u LEFT JOIN offre.entite e ON e.id = u.entite_id),
  (SELECT string_agg(row(h.utilisateur_historique_id, lower(u.courriel), h.departement,
     h.mode)::text, ',' ORDER BY h.utilisateur_historique_id)
   FROM offre.utilisateur_historique h JOIN offre.utilisateur u ON u.id = h.utilisateur_id),
  (SELECT string_agg(code, ',' ORDER BY code) FROM offre.departement WHERE module_actif),
  (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM siao.entite t),
  (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM siao.structure t),
  (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM siao.groupe_places t),
  (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM siao.utilisateur t),
  (SELECT string_agg(t::text, ',' ORDER BY t.utilisateur_id, t.profil_historique_code)
   FROM siao.utilisateur_profil t)))
"""


def ready_stack(stack: Any, departements: Sequence[str], workdir: Path) -> dict[str, str]:
    """On a process stack (tests/support/fault_stack.py): legacy data from `offre historique
    generer`, its Temps 1 workbook imported through the API, Temps 2 decided, exclusions with
    occupants settled by screen entry. Returns the national team's headers."""
    from service.db.engine import make_engine

    workbook = workdir / "temps1.xlsx"
    args = ["historique", "generer", "--taille", "15", "--classeur-bruite", str(workbook)]
    for dep in departements:
        args += ["--departement", dep]
    done = subprocess.run(
        cli(*args),
        env={**stack.env, "OFFRE_ALLOW_DEMO_DATA": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    national: dict[str, str] = stack.user(NATIONAL, "ADMIN_NATIONAL")
    response = stack.submit(national, workbook.read_bytes(), application="automatique")
    assert response.status_code == 202, response.text
    assert stack.wait(national, response.json()["id"])["statut"] == "termine"
    engine = make_engine(stack.database_url)
    try:
        with Session(engine) as session:
            identity = identity_for(session, NATIONAL)
            assert identity is not None
            decide_everything(session, departements, identity.utilisateur_id)
            session.commit()
    finally:
        engine.dispose()
    for dep in departements:
        settle_exclusions(stack.http, national, dep)
    return national
