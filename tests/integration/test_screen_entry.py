"""Screen entry through the API (issue 10, item 4): the import's rules and codes, its scope and
reserved State fields, the département write lock, one job with its journal and audit — and a
revert through the generic route."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from service.imports.columns import DISPOSITIFS
from service.imports.normalise import normalise_row
from service.imports.rules import RuleContext, check_dispositif_row
from tests.support.api import wait_for

API = "/api/v1"
SIREN = "732829320"
ENTITE = {
    "siren": "732 829 320",
    "raison_sociale": "Association Aurore",
    "forme_juridique": "Association loi 1901",
    "departement_siege": "75",
}
CHRS = {
    "siren": SIREN,
    "nom": "CHRS Les Lilas",
    "type_code": "CHRS",
    "departement": "75",
    "capacite_financee": 40,
    "financeurs": ["BOP 177"],
    "publics": ["Homme seul", "Femme seule"],
    "date_ouverture": "01/02/2020",
}


@pytest.fixture
def admin_75(user_headers: Any) -> dict[str, str]:
    headers: dict[str, str] = user_headers(
        "admin.75@exemple.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"]
    )
    return headers


@pytest.fixture
def entite(api_client: TestClient, admin_75: dict[str, str]) -> dict[str, Any]:
    response = api_client.post(f"{API}/entites", headers=admin_75, json=ENTITE)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _codes(response: Any) -> list[tuple[str, str]]:
    return [(a["colonne"], a["code"]) for a in response.json()["details"]["anomalies"]]


def test_entite_created_with_the_import_normalisation(entite: dict[str, Any]) -> None:
    assert entite["siren"] == SIREN  # spaces gone, as the import does
    assert entite["raison_sociale"] == "Association Aurore"
    assert entite["job_id"] is not None


def test_entite_errors_are_the_import_codes(
    api_client: TestClient, admin_75: dict[str, str], entite: dict[str, Any]
) -> None:
    bad = {**ENTITE, "siren": "732829321", "telephone": "12", "departement_siege": "99"}
    response = api_client.post(f"{API}/entites", headers=admin_75, json=bad)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "SAISIE_INVALIDE"
    assert set(_codes(response)) == {
        ("siren", "SIREN_INVALIDE"),
        ("telephone", "TELEPHONE_INVALIDE"),
        ("departement_siege", "DEPARTEMENT_INCONNU"),
    }
    first = body["details"]["anomalies"][0]
    assert set(first) == {"colonne", "valeur", "code", "severite", "message"}
    assert first["message"].startswith("SIREN : « 732829321 »")
    again = api_client.post(f"{API}/entites", headers=admin_75, json=ENTITE)
    assert (again.status_code, _codes(again)) == (422, [("siren", "ENTITE_EXISTANTE")])


def test_dispositif_rules_are_exactly_the_import_ones(
    api_client: TestClient, admin_75: dict[str, str], entite: dict[str, Any]
) -> None:
    """The same pure functions: what the API answers is what normalise_row + dispositif_rules
    say of the same row as a workbook line."""
    row = {
        "siren": SIREN,
        "nom": "Maraude de nuit",
        "type_code": "Maraude",
        "departement": "75",
        "capacite_financee": "12",
        "siret": "73282932000075",
        "date_ouverture": "2024-05-01",
        "date_fermeture": "01/01/2020",
    }
    response = api_client.post(f"{API}/dispositifs", headers=admin_75, json=row)
    assert response.status_code == 422, response.text
    normalised = normalise_row(DISPOSITIFS, 0, row)
    expected = normalised.anomalies + check_dispositif_row(
        normalised, RuleContext(scope=frozenset({"75"}), state_profile=True)
    )
    assert sorted(a["code"] for a in response.json()["details"]["anomalies"]) == sorted(
        a.code for a in expected
    )
    assert {"CAPACITE_INTERDITE", "DATES_INCOHERENTES", "SIRET_INVALIDE"} <= {
        code for _, code in _codes(response)
    }


def test_create_update_close_with_history_and_revert(
    api_client: TestClient,
    admin_75: dict[str, str],
    entite: dict[str, Any],
    engine: Engine,
    celery_worker: Any,
) -> None:
    created = api_client.post(f"{API}/dispositifs", headers=admin_75, json=CHRS)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["identifiant"] == "DSP-75-000001"
    assert (body["type_code"], body["capacite_financee"]) == ("HEB_CHRS", 40)
    assert body["publics"] == ["Homme seul", "Femme seule"]
    identifiant = body["identifiant"]
    changed = api_client.patch(
        f"{API}/dispositifs/{identifiant}",
        headers=admin_75,
        json={"capacite_financee": 45, "date_fermeture": "2030-12-31"},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["capacite_financee"], changed.json()["date_fermeture"]) == (
        45,
        "2030-12-31",
    )
    detail = api_client.get(f"{API}/dispositifs/{identifiant}", headers=admin_75).json()
    history = detail["historique"]
    assert [h["action"] for h in history] == ["creation", "modification"]
    assert history[1]["changements"]["capacite_financee"] == {"avant": 40, "apres": 45}
    assert history[1]["par"] == "admin.75@exemple.gouv.fr"
    with engine.connect() as conn:
        journal = (
            conn.execute(text("SELECT operation FROM offre.journal_annulation ORDER BY id"))
            .scalars()
            .all()
        )
        audits = (
            conn.execute(
                text("SELECT action FROM offre.audit WHERE objet = 'dispositif' ORDER BY id")
            )
            .scalars()
            .all()
        )
    assert journal == ["insert", "insert", "update"]  # the entité, then the dispositif
    assert audits == ["saisie.dispositif.creation", "saisie.dispositif.modification"]
    # The change is a job: reverted through the generic route, the capacity is back.
    revert = api_client.post(f"{API}/jobs/{changed.json()['job_id']}/revenir", headers=admin_75)
    assert revert.status_code == 202, revert.text
    assert wait_for(api_client, admin_75, revert.json()["id"])["statut"] == "termine"
    after = api_client.get(f"{API}/dispositifs/{identifiant}", headers=admin_75).json()
    assert (after["capacite_financee"], after["date_fermeture"]) == (40, None)
    assert after["historique"][1]["annule_par"] == revert.json()["id"]


def test_scope_reserved_fields_and_duplicates(
    api_client: TestClient, user_headers: Any, admin_75: dict[str, str], entite: dict[str, Any]
) -> None:
    siao = user_headers("siao.75@exemple.gouv.fr", "ADMIN_SIAO", ["75"])
    elsewhere = api_client.post(
        f"{API}/dispositifs", headers=siao, json={**CHRS, "departement": "69"}
    )
    assert (elsewhere.status_code, _codes(elsewhere)) == (
        422,
        [("departement", "HORS_PERIMETRE")],
    )
    created = api_client.post(f"{API}/dispositifs", headers=siao, json=CHRS)
    assert created.status_code == 201, created.text
    body = created.json()
    # An SIAO is not the State: capacity and funders are ignored, with the import's warning.
    assert (body["capacite_financee"], body["financeurs"]) == (None, [])
    assert {a["code"] for a in body["avertissements"]} == {"CHAMP_RESERVE_ETAT"}
    twin = api_client.post(
        f"{API}/dispositifs", headers=admin_75, json={**CHRS, "nom": "chrs les lilas"}
    )
    assert (twin.status_code, _codes(twin)) == (422, [("nom", "DISPOSITIF_EXISTANT")])
    other = user_headers("admin.69@exemple.gouv.fr", "ADMIN_DEPARTEMENTAL", ["69"])
    hidden = api_client.patch(
        f"{API}/dispositifs/{body['identifiant']}", headers=other, json={"nom": "Autre"}
    )
    assert hidden.status_code == 404
    moved = api_client.patch(
        f"{API}/dispositifs/{body['identifiant']}", headers=admin_75, json={"departement": "92"}
    )
    assert moved.status_code == 422
    assert set(_codes(moved)) == {
        ("identifiant", "IDENTIFIANT_INVALIDE"),
        ("departement", "HORS_PERIMETRE"),
    }


def test_the_departement_lock_answers_409_naming_the_job(
    api_client: TestClient, admin_75: dict[str, str], entite: dict[str, Any], engine: Engine
) -> None:
    with engine.begin() as conn:
        job_id = conn.execute(
            text(
                "INSERT INTO offre.job (type, statut, soumis_par) "
                "SELECT 'import_offre', 'analyse', id FROM offre.utilisateur LIMIT 1 RETURNING id"
            )
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO offre.job_departement (job_id, departement, statut) "
                "VALUES (:j, '75', 'analyse')"
            ),
            {"j": job_id},
        )
    response = api_client.post(f"{API}/dispositifs", headers=admin_75, json=CHRS)
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == "DEPARTEMENT_OCCUPE"
    assert body["details"] == {"departement": "75", "job_actif": job_id}
    assert f"job {job_id}" in body["message"]
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM offre.dispositif")) == 0
