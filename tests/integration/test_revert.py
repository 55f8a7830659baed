"""Revert of an applied import: table digests equal to before; twice is a no-op; later changes
are protected unless the national team forces it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.support.api import submit, wait_for
from tests.support.samples import GOOD_DISPOSITIFS, GOOD_ENTITES, workbook

pytestmark = pytest.mark.usefixtures("celery_worker")


def digest(engine: Engine) -> tuple[str, str]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.scalar(
                text(
                    f"SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), '')) "
                    f"FROM offre.{table} t"
                )
            )
            for table in ("entite", "dispositif")
        )


def applied(client: TestClient, headers: dict[str, str], data: bytes) -> dict:  # type: ignore[type-arg]
    job = wait_for(
        client, headers, submit(client, headers, data, application="automatique").json()["id"]
    )
    assert job["statut"] == "termine", job
    return job


def revert(client: TestClient, headers: dict[str, str], job_id: int, **body: object):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/jobs/{job_id}/revenir", headers=headers, json=body or None)


def test_apply_then_revert_restores_tables_and_twice_is_a_noop(
    api_client: TestClient, user_headers, engine: Engine
) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    empty = digest(engine)
    first = applied(api_client, admin, workbook(GOOD_ENTITES, GOOD_DISPOSITIFS))
    before_second = digest(engine)

    changed = [row[:] for row in GOOD_DISPOSITIFS]
    changed[0][5] = 55  # capacity 40 → 55
    changed.append(
        [None, "552081317", "Halte de nuit Ménilmontant", "Halte de nuit", "75", None, None]
    )
    entites = [*GOOD_ENTITES, ["356000000", "La Poste", "Autre", "75"]]
    second = applied(api_client, admin, workbook(entites, changed))
    assert (second["creations"], second["modifications"]) == (2, 1)
    assert digest(engine) != before_second

    response = revert(api_client, admin, second["id"])
    assert response.status_code == 202, response.text
    back = wait_for(api_client, admin, response.json()["id"])
    assert back["type"] == "retour_arriere" and back["statut"] == "termine", back
    assert digest(engine) == before_second
    assert (
        api_client.get(f"/api/v1/jobs/{second['id']}", headers=admin).json()["statut"] == "termine"
    )  # the reverted job keeps its state

    again = revert(api_client, admin, second["id"])
    assert again.json()["id"] == back["id"]
    assert digest(engine) == before_second

    wait_for(api_client, admin, revert(api_client, admin, first["id"]).json()["id"])
    assert digest(engine) == empty


def test_later_changes_block_the_revert_unless_national_forces(
    api_client: TestClient, user_headers, engine: Engine
) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    national = user_headers("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    first = applied(api_client, admin, workbook(GOOD_ENTITES, GOOD_DISPOSITIFS))
    later = [row[:] for row in GOOD_DISPOSITIFS]
    later[1][5] = 30
    applied(api_client, admin, workbook(GOOD_ENTITES, later))

    refused = revert(api_client, admin, first["id"])
    assert refused.status_code == 409
    assert refused.json()["code"] == "MODIFIE_DEPUIS"
    assert revert(api_client, admin, first["id"], forcer=True).status_code == 403

    forced = revert(api_client, national, first["id"], forcer=True)
    assert forced.status_code == 202, forced.text
    assert wait_for(api_client, national, forced.json()["id"])["statut"] == "termine"
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM offre.dispositif")) == 0
