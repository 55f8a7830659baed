"""Issue 11's « Done when » on the real stack (PostgreSQL, Redis, Celery worker): an
OPERATEUR_SIAO of 93 downloads workbook 2, sees a proposal with its confidence and reason for
each groupe, changes two targets (the workbook saved again by LibreOffice Calc when installed),
imports it, gets precise anomalies for a wrong target, fixes it, applies, and the figures move;
the ``siao`` tables keep their digests through every step and after a revert; an OPERATEUR_SIAO
of 75 gets 404 on all of it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.support.api import wait_for
from tests.support.rattachement import (
    NATIONAL,
    Sheet,
    open_xlsx,
    saved,
    siao_digests,
    temps1_world,
)

API = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def submit(client: TestClient, headers: dict[str, str], data: bytes, **form: str) -> Any:
    files = {"fichier": ("rattachement-93.xlsx", data)}
    return client.post(f"{API}/rattachements", headers=headers, files=files, data=form)


@pytest.mark.usefixtures("celery_worker")
def test_operator_attaches_the_groupes_of_93(
    engine: Engine,
    api_client: TestClient,
    user_headers,  # type: ignore[no-untyped-def]
) -> None:
    national = user_headers(NATIONAL, "ADMIN_NATIONAL")
    temps1_world(engine, api_client, national)
    op93 = user_headers("operateur.93@siao93.fr", "OPERATEUR_SIAO", ["93"])
    op75 = user_headers("operateur.75@siao75.fr", "OPERATEUR_SIAO", ["75"])
    legacy = siao_digests(engine)

    # Export: every active groupe with a proposal, its confidence and its reason.
    response = api_client.get(f"{API}/departements/93/rattachement.xlsx", headers=op93)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    wb = open_xlsx(response.content)
    assert wb.sheetnames == ["Lisez-moi", "Groupes de places", "Utilisateurs", "Dispositifs"]
    assert wb["Lisez-moi"]["Z1"].value.startswith("offre-temps2-v1;93;")
    groupes = Sheet(wb["Groupes de places"])
    rows = groupes.rows()
    listing = api_client.get(
        f"{API}/departements/93/propositions", headers=op93, params={"taille": 1000}
    ).json()
    assert listing["total"] == len(rows) > 0
    by_id = {p["groupe"]: p for p in listing["items"]}
    for row in rows:
        proposal = by_id[row["Identifiant groupe"]]["proposition"]
        assert row["Confiance"] == proposal["confiance"]
        assert row["Motif de la proposition"].startswith(proposal["motif"])
        assert (row["Dispositif cible"] or None) == (
            row["Dispositif proposé"] or None
        )  # pre-filled with the proposal
        assert row["Décision"] is None  # « à décider » until someone decides
    before = api_client.get(f"{API}/departements/93/rattachement", headers=op93).json()
    assert before["groupes"] == {
        "total": len(rows),
        "rattaches": 0,
        "exclus": 0,
        "restants": len(rows),
    }
    assert siao_digests(engine) == legacy

    # The operator accepts the proposals, excludes what has none, changes two targets, and
    # mistypes one: a dispositif of 75.
    choices = [r["Dispositif"] for r in Sheet(wb["Dispositifs"]).rows()]
    proposed = [r for r in rows if r["Dispositif proposé"]]
    changed = {}
    for row in rows:
        groupes.set(
            row["ligne"], "Décision", "Rattacher" if row["Dispositif proposé"] else "Exclure"
        )
    for row in proposed[:2]:
        other = next(c for c in choices if not c.startswith(row["Dispositif proposé"][:13]))
        groupes.set(row["ligne"], "Dispositif cible", other)
        changed[row["Identifiant groupe"]] = other[:13]
    wrong = proposed[2]
    groupes.set(wrong["ligne"], "Dispositif cible", "DSP-75-000001")
    response = submit(api_client, op93, saved(wb))
    assert response.status_code == 202, response.text
    job = wait_for(api_client, op93, response.json()["id"])
    assert (job["statut"], job["type"], job["departement"]) == ("invalide", "rattachement", "93")
    anomalies = api_client.get(f"{API}/jobs/{job['id']}/anomalies", headers=op93).json()
    assert [
        (a["code"], a["feuille"], a["ligne"], a["colonne"], a["valeur"]) for a in anomalies["items"]
    ] == [
        (
            "DISPOSITIF_INCONNU",
            "Groupes de places",
            wrong["ligne"],
            "Dispositif cible",
            "DSP-75-000001",
        )
    ]
    message = anomalies["items"][0]["message"]
    assert message.startswith(
        f"Feuille Groupes de places, ligne {wrong['ligne']}, colonne Dispositif cible : "
        "« DSP-75-000001 » n'est pas un dispositif du département 93"
    ), message
    report = open_xlsx(api_client.get(f"{API}/jobs/{job['id']}/rapport.xlsx", headers=op93).content)
    assert report.sheetnames == ["Anomalies", "Groupes de places", "Utilisateurs"]
    marked = Sheet(report["Groupes de places"])
    cell = marked.ws.cell(row=wrong["ligne"], column=marked.columns["Dispositif cible"])
    assert cell.value == "DSP-75-000001" and cell.comment.text == message
    assert siao_digests(engine) == legacy

    # Fixed, imported again: the preview lists the decisions that change, old → new.
    groupes.set(wrong["ligne"], "Dispositif cible", wrong["Dispositif proposé"])
    response = submit(api_client, op93, saved(wb))
    job = wait_for(api_client, op93, response.json()["id"])
    assert job["statut"] == "valide", job
    assert (job["creations"], job["modifications"], job["erreurs"]) == (len(rows), 0, 0)
    preview = api_client.get(
        f"{API}/jobs/{job['id']}/apercu", headers=op93, params={"taille": 1000}
    ).json()
    items = {int(i["cle"]): i for i in preview["items"] if i["feuille"] == "Groupes de places"}
    assert len(items) == len(rows)
    for groupe_id, identifiant in changed.items():
        assert items[groupe_id]["action"] == "rattacher"
        assert items[groupe_id]["identifiant"] == identifiant
        assert items[groupe_id]["valeurs"] is None
        assert items[groupe_id]["changements"]["dispositif"] == {
            "avant": None,
            "apres": identifiant,
        }
    assert siao_digests(engine) == legacy

    # Applied: the figures move.
    response = api_client.post(f"{API}/jobs/{job['id']}/appliquer", headers=op93)
    assert response.status_code == 202, response.text
    assert wait_for(api_client, op93, job["id"])["statut"] == "termine"
    after = api_client.get(f"{API}/departements/93/rattachement", headers=op93).json()
    exclus = sum(1 for r in rows if not r["Dispositif proposé"])
    assert after["groupes"] == {
        "total": len(rows),
        "rattaches": len(rows) - exclus,
        "exclus": exclus,
        "restants": 0,
    }
    assert "GROUPE_A_DECIDER" not in after["bloquants"]
    assert siao_digests(engine) == legacy
    again = Sheet(
        open_xlsx(api_client.get(f"{API}/departements/93/rattachement.xlsx", headers=op93).content)[
            "Groupes de places"
        ]
    )
    decided = {r["Identifiant groupe"]: r for r in again.rows()}
    for groupe_id, identifiant in changed.items():
        assert decided[groupe_id]["Décision"] == "Rattacher"
        assert decided[groupe_id]["Dispositif cible"].startswith(identifiant)

    # Another département's operator: 404 on all of it.
    some_groupe = rows[0]["Identifiant groupe"]
    some_account = Sheet(wb["Utilisateurs"]).rows()[0]["Identifiant utilisateur"]
    for call in (
        lambda h: api_client.get(f"{API}/departements/93/rattachement.xlsx", headers=h),
        lambda h: api_client.get(f"{API}/departements/93/propositions", headers=h),
        lambda h: api_client.get(f"{API}/departements/93/rattachement", headers=h),
        lambda h: api_client.get(f"{API}/jobs/{job['id']}", headers=h),
        lambda h: api_client.get(f"{API}/jobs/{job['id']}/apercu", headers=h),
        lambda h: api_client.put(
            f"{API}/groupes-places/{some_groupe}/rattachement",
            headers=h,
            json={"decision": "exclure"},
        ),
        lambda h: api_client.put(
            f"{API}/utilisateurs-historiques/{some_account}/migration",
            headers=h,
            json={"decision": "desactiver"},
        ),
        lambda h: submit(api_client, h, saved(wb)),
    ):
        response = call(op75)
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "INTROUVABLE"

    # Reverted: the decisions are gone, the legacy tables never moved.
    response = api_client.post(f"{API}/jobs/{job['id']}/revenir", headers=op93)
    assert response.status_code == 202, response.text
    assert wait_for(api_client, op93, response.json()["id"])["statut"] == "termine"
    reverted = api_client.get(f"{API}/departements/93/rattachement", headers=op93).json()
    assert reverted["groupes"] == before["groupes"]
    assert siao_digests(engine) == legacy
