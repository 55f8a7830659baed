"""The revert of a switch (issue 12, item 4) on the real stack: places occupées written by SI
SIAO's other modules since are copied back into ``siao``; refused with MODIFIE_DEPUIS, naming
what changed, when a moved groupe or a created account's profile or scope changed in the
module, or when groupes were created under the département's dispositifs — unless forced; an
account that submitted a job since is deactivated, not deleted."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from service.auth.tokens import issue_token
from service.config import get_settings
from tests.support.api import wait_for
from tests.support.rattachement import NATIONAL
from tests.support.temps3 import API, departement_digests, settle_exclusions, temps3_world
from tests.support.workbooks import xlsx_bytes


def _rows(engine: Engine) -> dict[int, tuple[Any, ...]]:
    with engine.connect() as conn:
        return {r[0]: tuple(r) for r in conn.execute(text("SELECT * FROM siao.groupe_places"))}


def _execute(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.begin() as conn:
        result = conn.execute(text(sql), params)
        return result.first() if result.returns_rows else None


@pytest.mark.usefixtures("celery_worker")
def test_revert_refuses_what_changed_since_unless_forced(
    engine: Engine,
    api_client: TestClient,
    user_headers,  # type: ignore[no-untyped-def]
) -> None:
    national = user_headers(NATIONAL, "ADMIN_NATIONAL")
    temps3_world(engine, api_client, national, ("75",), taille=20)
    settle_exclusions(api_client, national, "75")
    before, groupes = departement_digests(engine, "75"), _rows(engine)
    response = api_client.post(f"{API}/bascules", headers=national, json={"departements": ["75"]})
    job = wait_for(api_client, national, response.json()["id"], timeout=120)
    assert job["statut"] == "termine", job

    def apercu() -> dict[str, Any]:
        found = api_client.get(f"{API}/jobs/{job['id']}/revenir/apercu", headers=national)
        assert found.status_code == 200, found.text
        return dict(found.json())

    # SI SIAO's other modules fill places: not a change of ours, it goes back into siao.
    (filled,) = _execute(
        engine,
        "UPDATE offre.groupe_places SET places_occupees = places_occupees + 1 "
        "WHERE id = (SELECT min(id) FROM offre.groupe_places) RETURNING id",
    )
    assert apercu()["modifications_depuis"] == []

    # A moved groupe renamed, an account's scope changed, a groupe created since: refused.
    (renamed,) = _execute(
        engine,
        "UPDATE offre.groupe_places SET libelle = libelle || ' (renommé)' "
        "WHERE id = (SELECT max(id) FROM offre.groupe_places) RETURNING id",
    )
    (moved_account,) = _execute(
        engine,
        "UPDATE offre.utilisateur SET entite_id = NULL WHERE id = (SELECT min(u.id) FROM "
        "offre.utilisateur u JOIN offre.utilisateur_historique h ON h.utilisateur_id = u.id "
        "AND h.mode = 'migre' WHERE u.entite_id IS NOT NULL) RETURNING courriel",
    )
    (created,) = _execute(
        engine,
        "INSERT INTO offre.groupe_places (id, dispositif_id, libelle, nb_places, type_place) "
        "SELECT 999999999, dispositif_id, 'Nouveau groupe', 3, 'urgence' "
        "FROM offre.groupe_places LIMIT 1 RETURNING id",
    )
    changes = apercu()["modifications_depuis"]
    assert len(changes) == 3, changes
    assert f"n° {renamed}" in changes[0]
    assert moved_account in changes[1]
    assert f"n° {created}" in changes[2]
    response = api_client.post(f"{API}/jobs/{job['id']}/revenir", headers=national)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "MODIFIE_DEPUIS"
    assert f"n° {renamed}" in response.json()["message"]
    _execute(engine, "DELETE FROM offre.groupe_places WHERE id = :id", id=created)

    # An account created by the switch submits a Temps 1 import since: it will be deactivated.
    (user_id, courriel) = _execute(
        engine,
        "SELECT u.id, u.courriel FROM offre.utilisateur u JOIN offre.utilisateur_historique h "
        "ON h.utilisateur_id = u.id AND h.mode = 'migre' "
        "WHERE u.profil_code IN ('ADMIN_SIAO', 'ADMIN_DEPARTEMENTAL') ORDER BY u.id LIMIT 1",
    )
    headers = {"Authorization": f"Bearer {issue_token(courriel, get_settings())}"}
    workbook = xlsx_bytes(
        {"Entités": [["SIREN", "Raison sociale", "Département du siège"]], "Dispositifs": [[
            "SIREN de l'entité", "Nom du dispositif", "Type de dispositif", "Département"]]}
    )  # fmt: skip
    response = api_client.post(
        f"{API}/imports", headers=headers, files={"fichier": ("vide.xlsx", workbook)}
    )
    assert response.status_code == 202, response.text
    wait_for(api_client, headers, response.json()["id"])

    response = api_client.post(
        f"{API}/jobs/{job['id']}/revenir", headers=national, json={"forcer": True}
    )
    assert response.status_code == 202, response.text
    revert = wait_for(api_client, national, response.json()["id"], timeout=120)
    assert revert["statut"] == "termine", revert
    after = departement_digests(engine, "75")
    assert {t: d for t, d in after.items() if t != "groupe_places"} == {
        t: d for t, d in before.items() if t != "groupe_places"
    }
    restored = _rows(engine)
    assert restored.keys() == groupes.keys()
    # places_occupees is column 6: one more there, the rest as it was (the renamed groupe's
    # legacy row included: the module's rename is not SI SIAO's).
    assert restored[filled][6] == groupes[filled][6] + 1
    assert {i: r for i, r in restored.items() if i != filled} == {
        i: r for i, r in groupes.items() if i != filled
    }
    state = _execute(engine, "SELECT actif FROM offre.utilisateur WHERE id = :id", id=user_id)
    assert state == (False,)  # deactivated, not deleted: its import job still names it
    left = _execute(
        engine,
        "SELECT count(*) FROM offre.utilisateur u WHERE u.actif AND u.siao_utilisateur_id "
        "IS NOT NULL",
    )
    assert left == (0,)
