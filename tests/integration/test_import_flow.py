"""Temps 1 through the API on a real worker: import, anomalies, fix, re-import, scope."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.api import submit, wait_for
from tests.support.samples import GOOD_DISPOSITIFS, GOOD_ENTITES, workbook


@pytest.mark.usefixtures("celery_worker")
def test_import_fix_reimport_and_scope(api_client: TestClient, user_headers) -> None:  # type: ignore[no-untyped-def]
    admin75 = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    admin69 = user_headers("admin.lyon@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["69"])

    faulty = workbook(
        GOOD_ENTITES,
        [
            *GOOD_DISPOSITIFS[:2],
            [None, "732829320", "Accueil DNA", "DNA", "75", 12, None],  # capacity forbidden
            [None, "732829321", "CHRS Sans Entité", "CHRS", "75", 10, None],  # bad SIREN key
        ],
    )
    response = submit(api_client, admin75, faulty)
    assert response.status_code == 202, response.text
    job = wait_for(api_client, admin75, response.json()["id"])
    assert job["statut"] == "invalide"
    anomalies = api_client.get(
        f"/api/v1/jobs/{job['id']}/anomalies", headers=admin75, params={"severite": "erreur"}
    ).json()
    found = {(a["feuille"], a["ligne"], a["code"]) for a in anomalies["items"]}
    assert ("Dispositifs", 4, "CAPACITE_INTERDITE") in found
    assert ("Dispositifs", 5, "SIREN_INVALIDE") in found
    assert anomalies["total"] == len(anomalies["items"]) == 2

    # Another département's admin neither sees nor touches it.
    assert api_client.get(f"/api/v1/jobs/{job['id']}", headers=admin69).status_code == 404
    assert api_client.post(f"/api/v1/jobs/{job['id']}/annuler", headers=admin69).status_code == 404
    assert api_client.get("/api/v1/jobs", headers=admin69).json()["total"] == 0

    fixed = workbook(GOOD_ENTITES, GOOD_DISPOSITIFS)
    job = wait_for(api_client, admin75, submit(api_client, admin75, fixed).json()["id"])
    assert job["statut"] == "valide", job
    assert (job["creations"], job["modifications"], job["inchanges"]) == (5, 0, 0)
    preview = api_client.get(f"/api/v1/jobs/{job['id']}/apercu", headers=admin75).json()
    assert preview["total"] == 5
    applied = api_client.post(f"/api/v1/jobs/{job['id']}/appliquer", headers=admin75)
    assert applied.status_code == 202, applied.text
    job = wait_for(api_client, admin75, job["id"])
    assert job["statut"] == "termine", job
    (dep,) = job["departements"]
    assert (dep["departement"], dep["statut"], dep["creations"]) == ("75", "termine", 3)

    listing = api_client.get("/api/v1/departements/75/dispositifs", headers=admin75).json()
    assert listing["total"] == 3
    assert sorted(d["identifiant"] for d in listing["items"]) == [
        "DSP-75-000001",
        "DSP-75-000002",
        "DSP-75-000003",
    ]
    assert api_client.get("/api/v1/departements/75/dispositifs", headers=admin69).status_code == 404
    empty = api_client.get("/api/v1/departements/69/dispositifs", headers=admin69).json()
    assert (empty["items"], empty["total"]) == ([], 0)
    assert (
        api_client.get("/api/v1/entites/552081317", headers=admin75).json()["raison_sociale"]
        == "Emmaüs Solidarité"
    )

    again = wait_for(
        api_client,
        admin75,
        submit(api_client, admin75, fixed, application="automatique").json()["id"],
    )
    assert again["statut"] == "termine", again
    assert (again["creations"], again["modifications"], again["inchanges"]) == (0, 0, 5)
    # Unchanged rows are a count of the preview, not rows of it.
    preview = api_client.get(f"/api/v1/jobs/{again['id']}/apercu", headers=admin75).json()
    assert (preview["total"], preview["resume"]["inchanges"]) == (0, 5)
    assert (
        api_client.get("/api/v1/departements/75/dispositifs", headers=admin75).json()["total"] == 3
    )


@pytest.mark.usefixtures("celery_worker")
def test_metrics_report_jobs_by_state(api_client: TestClient, user_headers) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    data = workbook(GOOD_ENTITES, GOOD_DISPOSITIFS)
    wait_for(
        api_client, admin, submit(api_client, admin, data, application="automatique").json()["id"]
    )
    body = api_client.get("/metrics").text
    assert 'offre_jobs{statut="termine",type="import_offre"} 1.0' in body
    assert 'offre_lignes_appliquees_total{action="creation"} 3.0' in body


@pytest.mark.usefixtures("celery_worker")
def test_a_file_without_a_row_of_my_departement_leaves_no_unit_in_analysis(
    api_client: TestClient, user_headers
) -> None:  # type: ignore[no-untyped-def]
    admin93 = user_headers("admin.siao@siao93.fr", "ADMIN_SIAO", ["93"])
    elsewhere = [
        [None, "732829320", "CHRS Marseille", "CHRS", "13", None, None],
        [None, "732829320", "CHRS Lyon", "CHRS", "69", None, None],
    ]
    job = wait_for(
        api_client,
        admin93,
        submit(api_client, admin93, workbook(GOOD_ENTITES, elsewhere)).json()["id"],
    )
    assert job["statut"] == "invalide"
    (mine,) = job["departements"]
    assert (mine["departement"], mine["statut"], mine["lignes"]) == ("93", "valide", 0)
