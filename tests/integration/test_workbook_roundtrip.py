"""The users' round trip: template → filled and saved by LibreOffice Calc → import → annotated
report → fix → re-import; and export of the current offre → edit 3 cells → 3 modifications."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from service.db.engine import session_scope
from service.referentiels.text import normalise_name
from tests.support.api import submit, wait_for
from tests.support.libreoffice import saved_by_calc
from tests.support.samples import DISPOSITIFS_ROWS, ENTITES_ROWS, fill

pytestmark = pytest.mark.usefixtures("celery_worker")


def test_calc_round_trip_with_report_fix_and_reimport(api_client: TestClient, user_headers) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    template = api_client.get("/api/v1/modeles/offre.xlsx", headers=admin)
    assert template.status_code == 200
    faulty = saved_by_calc(fill(template.content, ENTITES_ROWS, DISPOSITIFS_ROWS), "xlsx")

    job = wait_for(api_client, admin, submit(api_client, admin, faulty).json()["id"])
    assert job["statut"] == "invalide", job
    errors = api_client.get(
        f"/api/v1/jobs/{job['id']}/anomalies", headers=admin, params={"severite": "erreur"}
    ).json()["items"]
    assert {(a["ligne"], a["colonne"], a["code"]) for a in errors} == {
        (3, "Capacité financée", "CAPACITE_INTERDITE"),
        (4, "SIRET", "SIRET_INVALIDE"),
    }

    report = api_client.get(f"/api/v1/jobs/{job['id']}/rapport.xlsx", headers=admin)
    assert report.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(report.content))
    assert wb.sheetnames[0] == "Anomalies"
    ws = wb["Dispositifs"]
    headers = [c.value for c in ws[1]]
    capacity = ws.cell(row=3, column=headers.index("Capacité financée") + 1)
    assert capacity.fill.fgColor.rgb.endswith("FFC7CE") or capacity.fill.fill_type == "solid"
    assert "n'a pas de capacité" in capacity.comment.text
    name = ws.cell(row=3, column=headers.index("Nom du dispositif") + 1)
    assert name.value == "=Accueil de jour" and name.data_type == "s"  # never a formula

    csv_export = api_client.get(f"/api/v1/jobs/{job['id']}/anomalies.csv", headers=admin)
    assert csv_export.status_code == 200
    rows = list(csv.reader(io.StringIO(csv_export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Feuille", "Ligne", "Colonne", "Valeur", "Code"]
    assert len(rows) == 3

    fixed_rows = [dict(r) for r in DISPOSITIFS_ROWS]
    fixed_rows[1]["capacite_financee"] = None
    fixed_rows[2]["siret"] = "73282932000074"
    fixed = saved_by_calc(fill(template.content, ENTITES_ROWS, fixed_rows), "ods")
    response = api_client.post(
        "/api/v1/imports",
        headers=admin,
        files={"fichier": ("offre.ods", fixed)},
        data={"application": "automatique"},
    )
    job = wait_for(api_client, admin, response.json()["id"])
    assert job["statut"] == "termine", job
    assert job["creations"] == 4

    again = api_client.post(
        "/api/v1/imports",
        headers=admin,
        files={"fichier": ("offre.ods", fixed)},
        data={"application": "automatique"},
    )
    job = wait_for(api_client, admin, again.json()["id"])
    assert (job["creations"], job["modifications"], job["inchanges"]) == (0, 0, 4)
    listing = api_client.get("/api/v1/departements/75/dispositifs", headers=admin).json()
    assert "=Accueil de jour" in {d["nom"] for d in listing["items"]}


def test_export_edit_three_cells_reimport_three_modifications(
    api_client: TestClient, user_headers
) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    other = user_headers("admin.lyon@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["69"])
    template = api_client.get("/api/v1/modeles/offre.xlsx", headers=admin).content
    rows = [dict(r) for r in DISPOSITIFS_ROWS]
    rows[1]["capacite_financee"] = None
    rows[2]["siret"] = "73282932000074"
    first = submit(api_client, admin, fill(template, ENTITES_ROWS, rows), application="automatique")
    assert wait_for(api_client, admin, first.json()["id"])["statut"] == "termine"

    assert api_client.get("/api/v1/departements/75/offre.xlsx", headers=other).status_code == 404
    export = api_client.get("/api/v1/departements/75/offre.xlsx", headers=admin)
    assert export.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(export.content))
    ws = wb["Dispositifs"]
    headers = [c.value for c in ws[1]]
    assert ws.cell(row=2, column=1).value == "DSP-75-000001"
    ws.cell(row=2, column=headers.index("Capacité financée") + 1, value=45)
    ws.cell(row=3, column=headers.index("Nom du dispositif") + 1, value="Accueil de jour Oberkampf")
    ws.cell(row=4, column=headers.index("Adresse") + 1, value="12 rue des Lilas")
    out = io.BytesIO()
    wb.save(out)
    edited = saved_by_calc(out.getvalue(), "xlsx")

    job = wait_for(
        api_client, admin, submit(api_client, admin, edited, application="automatique").json()["id"]
    )
    assert job["statut"] == "termine", job
    assert (job["creations"], job["modifications"]) == (0, 3)
    names = {
        d["identifiant"]: d
        for d in api_client.get("/api/v1/departements/75/dispositifs", headers=admin).json()[
            "items"
        ]
    }
    assert names["DSP-75-000002"]["nom"] == "Accueil de jour Oberkampf"  # renamed by identifier
    with session_scope() as session:  # its key follows, the others keep theirs
        keys = dict(
            session.execute(text("SELECT identifiant, nom_normalise FROM offre.dispositif")).all()
        )
    assert keys["DSP-75-000002"] == normalise_name("Accueil de jour Oberkampf")
    assert all(keys[i] == normalise_name(d["nom"]) for i, d in names.items())
    assert names["DSP-75-000001"]["capacite_financee"] == 45
