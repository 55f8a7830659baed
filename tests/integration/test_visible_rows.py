"""A job covering several départements shows each reader only the rows of its own départements
(and the entités, national): the preview, the anomalies, the report and the CSV of a national
file read by a 93 admin never show 75's rows nor their responsables' e-mails."""

from __future__ import annotations

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient

from tests.support.api import submit, wait_for
from tests.support.workbooks import xlsx_bytes

SECRET_75 = "directrice.lilas@aurore.asso.fr"
MAIL_93 = "directeur.bondy@aurore.asso.fr"

WORKBOOK = xlsx_bytes(
    {
        "Entités": [
            ["SIREN", "Raison sociale", "Département du siège"],
            ["732829320", "Association Aurore", "75"],
        ],
        "Dispositifs": [
            [
                "SIREN de l'entité",
                "Nom du dispositif",
                "Type de dispositif",
                "Département",
                "Capacité financée",
                "Courriel du responsable",
            ],
            ["732829320", "CHRS Les Lilas", "CHRS", "75", 40, SECRET_75],
            ["732829320", "Accueil DNA Paris", "DNA", "75", 12, SECRET_75],  # an error in 75
            ["732829320", "CHRS Bondy", "CHRS", "93", 30, MAIL_93],
            ["732829320", "Accueil DNA Bondy", "DNA", "93", 9, MAIL_93],  # an error in 93
        ],
    }
)


@pytest.mark.usefixtures("celery_worker")
def test_a_reader_of_93_sees_93_and_the_entites_only(api_client: TestClient, user_headers) -> None:  # type: ignore[no-untyped-def]
    national = user_headers("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    admin93 = user_headers("admin.bobigny@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["93"])
    job_id = submit(api_client, national, WORKBOOK, par_departement="true").json()["id"]
    job = wait_for(api_client, national, job_id)
    assert {d["departement"] for d in job["departements"]} == {"75", "93"}

    every = api_client.get(f"/api/v1/jobs/{job_id}/anomalies", headers=national).json()
    assert {a["departement"] for a in every["items"]} == {"75", "93"}
    mine = api_client.get(f"/api/v1/jobs/{job_id}/anomalies", headers=admin93).json()
    assert mine["total"] >= 1
    assert {a["departement"] for a in mine["items"]} <= {"93", None}

    preview = api_client.get(f"/api/v1/jobs/{job_id}/apercu", headers=admin93).json()
    assert preview["items"] and {i["departement"] for i in preview["items"]} <= {"93", None}
    assert SECRET_75 not in str(preview)

    csv = api_client.get(f"/api/v1/jobs/{job_id}/anomalies.csv", headers=admin93)
    assert csv.status_code == 200 and "Dispositifs;5;" in csv.text  # 93's DNA row
    assert "Dispositifs;3;" not in csv.text and SECRET_75 not in csv.text  # 75's

    report = api_client.get(f"/api/v1/jobs/{job_id}/rapport.xlsx", headers=admin93)
    assert report.status_code == 200, report.text
    cells = [
        str(c)
        for ws in openpyxl.load_workbook(io.BytesIO(report.content)).worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    assert MAIL_93 in cells and "Association Aurore" in cells
    assert SECRET_75 not in cells and "CHRS Les Lilas" not in cells

    whole = api_client.get(f"/api/v1/jobs/{job_id}/rapport.xlsx", headers=national)
    assert b"CHRS Les Lilas" in _sheet_text(whole.content)  # the national team sees it all


def _sheet_text(content: bytes) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return " ".join(
        str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    ).encode()
