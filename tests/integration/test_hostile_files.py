"""Hostile and costly files through the API and the real worker: a clear French message, a
security log line for dangerous ones, nothing applied, and a worker that survives."""

from __future__ import annotations

import time
from typing import Any

import pytest
import structlog
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from service.imports.filecheck import FileInfo, SpreadsheetFormat
from tests.support.api import submit, wait_for
from tests.support.samples import GOOD_DISPOSITIFS, GOOD_ENTITES, workbook
from tests.support.workbooks import (
    QUADRATIC_BLOWUP,
    patch_central_directory,
    raw_xlsx,
    rows_xml,
    sheet_xml,
    streamed_sheet,
    with_prolog,
    xlsx_bytes,
)

pytestmark = pytest.mark.usefixtures("celery_worker")

ENTITE_HEADER = ["SIREN", "Raison sociale", "Département du siège"]
DISPOSITIF_HEADER = ["SIREN de l'entité", "Nom du dispositif", "Type de dispositif", "Département"]
BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
XXE = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
ENTITY_CELL = '<row r="2"><c r="A2" t="inlineStr"><is><t>&{name};</t></is></c></row>'


def one_sheet(body: str, **kw: Any) -> bytes:
    return raw_xlsx({"Entités": sheet_xml(rows_xml([ENTITE_HEADER]) + body, **kw)})


def nothing_applied(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM offre.entite")) == 0


@pytest.fixture
def admin(user_headers) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])


def refused_at_upload(
    client: TestClient, admin: dict[str, str], data: bytes, code: str, name: str = "offre.xlsx"
) -> dict[str, Any]:
    with structlog.testing.capture_logs() as logs:
        response = client.post("/api/v1/imports", headers=admin, files={"fichier": (name, data)})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == code
    if code == "FICHIER_DANGEREUX":
        assert any(entry["event"] == "security.file_refused" for entry in logs)
    return body


def refused_by_worker(client: TestClient, admin: dict[str, str], data: bytes, code: str) -> Any:
    with structlog.testing.capture_logs() as logs:
        job = wait_for(
            client, admin, submit(client, admin, data, application="automatique").json()["id"]
        )
    assert job["statut"] == "invalide", job
    (anomaly,) = client.get(f"/api/v1/jobs/{job['id']}/anomalies", headers=admin).json()["items"]
    assert (anomaly["code"], anomaly["ligne"]) == (code, 0)
    if code == "FICHIER_DANGEREUX":
        assert any(entry["event"] == "security.file_refused" for entry in logs)
    return anomaly


def test_zip_bombs_are_refused_before_any_parser(
    api_client: TestClient, admin: dict[str, str], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.config import get_settings

    good = workbook(GOOD_ENTITES, GOOD_DISPOSITIFS)
    declared = patch_central_directory(good, 2, uncompressed=0xFFFF_FF00)
    body = refused_at_upload(api_client, admin, declared, "FICHIER_DANGEREUX")
    assert "décompressé" in body["message"]
    ratio = raw_xlsx(
        {"Entités": sheet_xml(rows_xml([ENTITE_HEADER]))},
        extra_parts={"xl/media/zeros.bin": b"\0" * (4 * 1024 * 1024)},
    )
    refused_at_upload(api_client, admin, ratio, "FICHIER_DANGEREUX")
    many = raw_xlsx(
        {"Entités": sheet_xml(rows_xml([ENTITE_HEADER]))},
        extra_parts={f"xl/media/i{i}.bin": b"x" for i in range(250)},
    )
    monkeypatch.setattr(get_settings(), "max_zip_entries", 200)
    refused_at_upload(api_client, admin, many, "FICHIER_DANGEREUX")
    assert nothing_applied(engine)


def test_entity_expansion_and_external_entities(
    api_client: TestClient, admin: dict[str, str], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import defusedxml  # the guard the parsers rely on is installed

    assert defusedxml.__version__
    laughs = one_sheet(ENTITY_CELL.format(name="lol3"), prolog=BILLION_LAUGHS)
    xxe = one_sheet(ENTITY_CELL.format(name="xxe"), prolog=XXE)
    shared = raw_xlsx(
        {"Entités": sheet_xml(rows_xml([ENTITE_HEADER]))},
        extra_parts={"xl/sharedStrings.xml": with_prolog("<sst/>", QUADRATIC_BLOWUP)},
    )
    for bomb in (laughs, xxe, shared):
        refused_at_upload(api_client, admin, bomb, "FICHIER_DANGEREUX")
    # The worker does not trust the API's checks (another version may run there): with the
    # upload check out of the way, it refuses them itself and logs them as attacks too.
    monkeypatch.setattr(
        "api.routers.imports.inspect_upload",
        lambda name, data: FileInfo(name, SpreadsheetFormat.XLSX, len(data), "0" * 64),
    )
    refused_by_worker(api_client, admin, laughs, "FICHIER_DANGEREUX")
    message = refused_by_worker(api_client, admin, xxe, "FICHIER_DANGEREUX")["message"]
    assert "root:" not in message
    refused_by_worker(api_client, admin, shared, "FICHIER_DANGEREUX")
    assert nothing_applied(engine)


def test_sheets_the_import_does_not_read_are_not_dangerous(
    api_client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    far = '<row r="1"><c r="A1"><v>1</v></c></row>'
    far += '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    sheets = {
        "Entités": sheet_xml(rows_xml([ENTITE_HEADER, ["732829320", "Aurore", "75"]])),
        "Dispositifs": sheet_xml(rows_xml([DISPOSITIF_HEADER])),
        "Notes": sheet_xml(far),
        **{f"Feuil{i}": sheet_xml(rows_xml([[i]])) for i in range(1021)},
    }
    with structlog.testing.capture_logs() as logs:
        job = wait_for(
            api_client,
            admin,
            submit(api_client, admin, raw_xlsx(sheets), application="automatique").json()["id"],
        )
    assert job["statut"] == "termine", job
    assert not any(entry["event"] == "security.file_refused" for entry in logs)
    assert not nothing_applied(engine)


def test_extreme_dimensions_and_the_cell_that_aborts_calamine(
    api_client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    lying = one_sheet(
        '<row r="2"><c r="A2" t="inlineStr"><is><t>732829320</t></is></c>'
        '<c r="B2" t="inlineStr"><is><t>Aurore</t></is></c>'
        '<c r="C2" t="inlineStr"><is><t>75</t></is></c></row>',
        dimension="A1:XFD1048576",
    )
    job = wait_for(api_client, admin, submit(api_client, admin, lying).json()["id"])
    assert job["statut"] == "invalide"  # only because « Dispositifs » is missing
    codes = {
        a["code"]
        for a in api_client.get(f"/api/v1/jobs/{job['id']}/anomalies", headers=admin).json()[
            "items"
        ]
    }
    assert codes == {"FEUILLE_MANQUANTE"}

    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    refused_by_worker(api_client, admin, one_sheet(far), "FICHIER_DANGEREUX")
    # The worker survived: the next file goes through.
    ok = wait_for(
        api_client,
        admin,
        submit(
            api_client, admin, workbook(GOOD_ENTITES, GOOD_DISPOSITIFS), application="automatique"
        ).json()["id"],
    )
    assert ok["statut"] == "termine"


def test_more_rows_than_the_cap(
    api_client: TestClient, admin: dict[str, str], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.config import get_settings

    monkeypatch.setattr(get_settings(), "max_rows_per_file", 50)
    rows = [["732829320", f"Association {i}", "75"] for i in range(60)]
    data = xlsx_bytes({"Entités": [ENTITE_HEADER, *rows]})
    anomaly = refused_by_worker(api_client, admin, data, "TROP_DE_LIGNES")
    assert "50" in anomaly["message"]
    assert nothing_applied(engine)


def test_control_characters_and_huge_cells_are_refused_on_their_cell(
    api_client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    body = (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>732829320</t></is></c>'
        # Excel and LibreOffice write control characters as _xHHHH_ escapes.
        '<c r="B2" t="inlineStr"><is><t>Aurore_x0001__x000B_</t></is></c>'
        '<c r="C2" t="inlineStr"><is><t>75</t></is></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t>552081317</t></is></c>'
        f'<c r="B3" t="inlineStr"><is><t>{"x" * 40_000}</t></is></c>'
        '<c r="C3" t="inlineStr"><is><t>75</t></is></c></row>'
    )
    data = raw_xlsx(
        {
            "Entités": sheet_xml(rows_xml([ENTITE_HEADER]) + body),
            "Dispositifs": sheet_xml(
                rows_xml(
                    [
                        [
                            "SIREN de l'entité",
                            "Nom du dispositif",
                            "Type de dispositif",
                            "Département",
                        ]
                    ]
                )
            ),
        }
    )
    job = wait_for(
        api_client, admin, submit(api_client, admin, data, application="automatique").json()["id"]
    )
    assert job["statut"] == "invalide"
    found = {
        (a["ligne"], a["code"])
        for a in api_client.get(f"/api/v1/jobs/{job['id']}/anomalies", headers=admin).json()[
            "items"
        ]
    }
    assert (2, "CARACTERE_INTERDIT") in found
    assert (3, "TEXTE_TROP_LONG") in found
    assert nothing_applied(engine)


def test_nul_bytes_in_a_csv(api_client: TestClient, admin: dict[str, str], engine: Engine) -> None:
    data = "SIREN;Raison sociale;Département du siège\r\n732829320;Aur\x00ore;75\r\n".encode()
    response = api_client.post(
        "/api/v1/imports", headers=admin, files={"fichier": ("entites.csv", data)}
    )
    job = wait_for(api_client, admin, response.json()["id"])
    codes = {
        a["code"]
        for a in api_client.get(f"/api/v1/jobs/{job['id']}/anomalies", headers=admin).json()[
            "items"
        ]
    }
    assert "CARACTERE_INTERDIT" in codes
    assert nothing_applied(engine)


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("../../etc/passwd/offre.xlsx", "offre.xlsx"),
        ("..\\..\\windows\\offre.xlsx", "offre.xlsx"),
        ("o" * 300 + ".xlsx", "o" * 115 + ".xlsx"),
    ],
)
def test_hostile_file_names_are_sanitised(
    api_client: TestClient, admin: dict[str, str], engine: Engine, name: str, stored: str
) -> None:
    data = workbook(GOOD_ENTITES, GOOD_DISPOSITIFS)
    response = api_client.post("/api/v1/imports", headers=admin, files={"fichier": (name, data)})
    assert response.status_code == 202
    wait_for(api_client, admin, response.json()["id"])
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT nom FROM offre.job_fichier")) == stored


def test_body_over_the_cap_is_refused_before_it_is_stored(
    api_client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    from service.config import get_settings

    size = get_settings().max_upload_bytes + 2 * 1024 * 1024
    response = api_client.post(
        "/api/v1/imports", headers=admin, files={"fichier": ("gros.xlsx", b"P" * size)}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "FICHIER_TROP_GROS"
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM offre.job")) == 0


def test_million_styled_empty_rows_import_normally(
    api_client: TestClient, admin: dict[str, str]
) -> None:
    real = rows_xml([ENTITE_HEADER, ["732829320", "Aurore", "75"], ["552081317", "Emmaüs", "75"]])
    empty = (f'<row r="{r}" s="1" customFormat="1"/>' for r in range(4, 1_048_577))
    data = raw_xlsx(
        {
            "Entités": streamed_sheet(real, empty),
            "Dispositifs": sheet_xml(
                rows_xml(
                    [
                        [
                            "SIREN de l'entité",
                            "Nom du dispositif",
                            "Type de dispositif",
                            "Département",
                        ]
                    ]
                )
            ),
        }
    )
    started = time.monotonic()
    job = wait_for(api_client, admin, submit(api_client, admin, data).json()["id"], timeout=120)
    elapsed = time.monotonic() - started
    print(
        f"1 048 576 lignes stylées vides ({len(data) / 1e6:.1f} Mo) : analysées en {elapsed:.1f} s"
    )
    assert job["statut"] == "valide", job
    assert job["lignes"] == 2  # the two real rows only
    codes = {
        a["code"]
        for a in api_client.get(f"/api/v1/jobs/{job['id']}/anomalies", headers=admin).json()[
            "items"
        ]
    }
    assert "TROP_DE_LIGNES" not in codes and "FICHIER_DANGEREUX" not in codes
