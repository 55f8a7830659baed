"""Temps 1 next to Temps 2 and 3 (issue 12, item 5) on the real stack: an import of a switched
département keeps working; closing or retyping a dispositif that holds groupes de places is
DISPOSITIF_OCCUPE (erreur), in a file as on screen; before the switch, closing a Temps 2 target
warns DISPOSITIF_CIBLE; reverting a Temps 1 import whose dispositifs hold groupes or are targets
is MODIFIE_DEPUIS; Temps 2 refuses a switched département (DEJA_BASCULE)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.support.api import wait_for
from tests.support.rattachement import NATIONAL
from tests.support.temps3 import API, settle_exclusions, temps3_world
from tests.support.workbooks import xlsx_bytes

HEADERS = [
    "Identifiant",
    "SIREN de l'entité",
    "Nom du dispositif",
    "Type de dispositif",
    "Département",
    "Commune",
    "Date de fermeture",
]


def _dispositif(engine: Engine, sql: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT d.identifiant, e.siren, d.nom, t.libelle, d.departement FROM "
                "offre.dispositif d JOIN offre.entite e ON e.id = d.entite_id "
                f"JOIN offre.type_dispositif t ON t.code = d.type_code WHERE {sql} "
                "ORDER BY d.identifiant LIMIT 1"
            )
        ).one()
    return dict(zip(("identifiant", "siren", "nom", "type", "departement"), row, strict=True))


def _import(
    client: TestClient,
    headers: dict[str, str],
    rows: list[list[Any]],
    application: str = "automatique",
) -> dict[str, Any]:
    data = xlsx_bytes(
        {"Entités": [["SIREN", "Raison sociale", "Département du siège"]], "Dispositifs": [
            HEADERS, *rows]}
    )  # fmt: skip
    response = client.post(
        f"{API}/imports",
        headers=headers,
        files={"fichier": ("offre.xlsx", data)},
        data={"application": application},
    )
    assert response.status_code == 202, response.text
    return wait_for(client, headers, response.json()["id"])


def _row(d: dict[str, Any], commune: str | None = None, fermeture: str | None = None) -> list:
    return [d["identifiant"], d["siren"], d["nom"], d["type"], d["departement"], commune, fermeture]


def _anomalies(client: TestClient, headers: dict[str, str], job: dict[str, Any]) -> list[tuple]:
    items = client.get(f"{API}/jobs/{job['id']}/anomalies", headers=headers).json()["items"]
    return [(a["code"], a["severite"], a["ligne"], a["colonne"]) for a in items]


@pytest.mark.usefixtures("celery_worker")
def test_temps1_next_to_temps2_and_3(
    engine: Engine,
    api_client: TestClient,
    user_headers,  # type: ignore[no-untyped-def]
) -> None:
    national = user_headers(NATIONAL, "ADMIN_NATIONAL")
    temps3_world(engine, api_client, national, ("75", "93"), taille=20)
    settle_exclusions(api_client, national, "75")
    target = _dispositif(
        engine,
        "d.departement = '93' AND d.identifiant IN (SELECT dispositif_identifiant "
        "FROM offre.rattachement_groupe WHERE decision = 'rattacher')",
    )
    # Before the switch of 93: closing one of its Temps 2 targets is a warning.
    job = _import(api_client, national, [_row(target, fermeture="31/12/2030")], "manuelle")
    assert job["statut"] == "valide", job
    assert _anomalies(api_client, national, job) == [
        ("DISPOSITIF_CIBLE", "avertissement", 2, "Date de fermeture")
    ]
    api_client.post(f"{API}/jobs/{job['id']}/annuler", headers=national)

    response = api_client.post(f"{API}/bascules", headers=national, json={"departements": ["75"]})
    assert wait_for(api_client, national, response.json()["id"], timeout=120)["statut"] == (
        "termine"
    )
    held = _dispositif(
        engine,
        "d.id IN (SELECT dispositif_id FROM offre.groupe_places) AND d.departement = '75'",
    )

    # An import of the switched 75 keeps working…
    job = _import(api_client, national, [_row(held, commune="Paris 20e")])
    assert (job["statut"], job["modifications"]) == ("termine", 1), job
    # …but closing or retyping a dispositif holding groupes is refused, in a file…
    job = _import(api_client, national, [_row(held, fermeture="31/12/2030")])
    assert job["statut"] == "invalide", job
    assert _anomalies(api_client, national, job) == [
        ("DISPOSITIF_OCCUPE", "erreur", 2, "Date de fermeture")
    ]
    # …and on screen.
    response = api_client.patch(
        f"{API}/dispositifs/{held['identifiant']}", headers=national, json={"type_code": "Hôtel"}
    )
    assert response.status_code == 422, response.text
    assert [a["code"] for a in response.json()["details"]["anomalies"]] == ["DISPOSITIF_OCCUPE"]

    # The Temps 1 import that created those dispositifs can no longer be reverted as is.
    response = api_client.post(f"{API}/jobs/1/revenir", headers=national)
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == "MODIFIE_DEPUIS"
    assert "portent des groupes de places basculés" in body["message"]
    assert "sont des cibles du rattachement" in body["message"]

    # Temps 2 refuses the switched département.
    response = api_client.post(
        f"{API}/rattachements",
        headers=national,
        files={"fichier": ("rattachement.xlsx", xlsx_bytes({"Groupes de places": [["x"]]}))},
        data={"departement": "75"},
    )
    assert (response.status_code, response.json()["code"]) == (409, "DEJA_BASCULE"), response.text
