"""The report « capacité financée vs occupation » on the real database: a switched département
written as Temps 3 leaves it (tests/support/capacites.py), another with the same offre but not
switched; the JSON of both routes, the workbooks, and the scope of each reader."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from tests.support.capacites import TOTAUX, TYPES, figures, statements

API = "/api/v1"


@pytest.fixture
def offre(engine: Engine) -> None:
    with engine.begin() as conn:
        for statement in statements("75", switched=True, first_groupe=1):
            conn.execute(text(statement))
        for statement in statements("93", switched=False, first_groupe=100):
            conn.execute(text(statement))


def test_departement_report(api_client: TestClient, user_headers: Any, offre: None) -> None:
    analyste = user_headers("analyste.75@exemple.gouv.fr", "ANALYSTE", ["75"])
    response = api_client.get(f"{API}/departements/75/capacites", headers=analyste)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["statut"], body["libelle_statut"]) == ("bascule", "basculé")
    assert body["bascule_le"] is not None
    # Open dispositifs with a capacity unit: the closed CHRS and the maraude are left out.
    shown = {d["identifiant"]: d for d in body["dispositifs"]}
    assert set(shown) == {f"DSP-75-{n:06d}" for n in (1, 2, 4, 5, 7, 8)}
    chrs = shown["DSP-75-000001"]
    assert (chrs["groupes"], chrs["places_installees"], chrs["places_occupees"]) == (2, 35, 33)
    assert (chrs["taux_occupation"], chrs["ecart"], chrs["unite"]) == (0.9429, 5, "places")
    assert shown["DSP-75-000002"]["ecart"] is None  # capacité financée not filled
    avdl = shown["DSP-75-000005"]
    assert avdl["sans_objet"] and avdl["places_installees"] is None and avdl["ecart"] is None
    assert shown["DSP-75-000004"]["unite"] == "logements"
    assert {t["type_code"]: figures(t) for t in body["types"]} == TYPES
    assert [t["type_code"] for t in body["types"]] == [  # in the nomenclature's order
        "RS_PENSION_FAMILLE",
        "HEB_CHRS",
        "HEB_HORS_CHRS",
        "HEB_HOTEL",
        "HEB_AUTRE",
        "ACC_AVDL",
    ]
    categories = {c["categorie_code"]: figures(c) for c in body["categories"]}
    assert categories == {
        "HEBERGEMENT": TOTAUX["places"],
        "LOGEMENT_RS": TOTAUX["logements"],
        "ACCOMPAGNEMENT": TOTAUX["mesures"],
    }
    assert {t["unite"]: figures(t) for t in body["totaux"]} == TOTAUX

    # Not switched: said so, nothing counted.
    national = user_headers("equipe@exemple.gouv.fr", "ADMIN_NATIONAL")
    other = api_client.get(f"{API}/departements/93/capacites", headers=national).json()
    assert (other["statut"], other["libelle_statut"]) == ("non_bascule", "non basculé")
    assert other["dispositifs"] == other["types"] == other["totaux"] == []
    # Another département's reader: 404; a profile without the right: 403.
    assert api_client.get(f"{API}/departements/93/capacites", headers=analyste).status_code == 404
    ecoutant = user_headers("ecoutant@siao75.fr", "ECOUTANT_115", ["75"])
    assert api_client.get(f"{API}/departements/75/capacites", headers=ecoutant).status_code == 403


def test_national_report_and_scope(api_client: TestClient, user_headers: Any, offre: None) -> None:
    national = user_headers("equipe@exemple.gouv.fr", "ADMIN_NATIONAL")
    body = api_client.get(f"{API}/capacites", headers=national).json()
    assert body["departements_bascules"] == 1
    assert len(body["departements"]) == 101
    states = {d["departement"]: d for d in body["departements"]}
    assert {u["unite"]: figures(u) for u in states["75"]["totaux"]} == TOTAUX
    assert (states["93"]["statut"], states["93"]["totaux"]) == ("non_bascule", [])
    assert {t["unite"]: figures(t) for t in body["totaux"]} == TOTAUX  # 93 is not counted
    assert {t["type_code"]: figures(t) for t in body["types"]} == TYPES

    # A reader of 93 only: its scope, nothing of 75.
    analyste = user_headers("analyste.93@exemple.gouv.fr", "ANALYSTE", ["93"])
    mine = api_client.get(f"{API}/capacites", headers=analyste).json()
    assert [d["departement"] for d in mine["departements"]] == ["93"]
    assert (mine["departements_bascules"], mine["totaux"], mine["types"]) == (0, [], [])


def _sheet(data: bytes, name: str) -> list[list[Any]]:
    wb = load_workbook(io.BytesIO(data))
    return [list(r) for r in wb[name].iter_rows(values_only=True)]


def test_workbooks(api_client: TestClient, user_headers: Any, engine: Engine, offre: None) -> None:
    national = user_headers("equipe@exemple.gouv.fr", "ADMIN_NATIONAL")
    response = api_client.get(f"{API}/departements/75/capacites.xlsx", headers=national)
    assert response.status_code == 200
    assert 'filename="capacites-75.xlsx"' in response.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Dispositifs", "Types", "Catégories", "Département"]
    dispositifs = wb["Dispositifs"]
    header = [c.value for c in dispositifs[1]]
    assert header[:6] == [
        "Département",
        "Identifiant",
        "Nom du dispositif",
        "Catégorie",
        "Type",
        "Unité",
    ]
    assert dispositifs["A1"].comment is None and dispositifs["F1"].comment is not None
    rows = {r[1]: r for r in dispositifs.iter_rows(min_row=2, values_only=True)}
    assert rows["DSP-75-000001"][6:] == (40, 2, 35, 33, 0.9429, 5)
    assert rows["DSP-75-000005"][8:] == ("sans objet",) * 4
    # A name starting with « = » stays text, never a formula.
    gymnase = next(r for r in dispositifs.iter_rows(min_row=2) if r[1].value == "DSP-75-000008")
    assert (gymnase[2].value, gymnase[2].data_type) == ("=Gymnase (fermeture prévue)", "s")
    assert gymnase[10].number_format == "0.0%" and gymnase[6].number_format == "#,##0"
    assert dispositifs.freeze_panes == "A2" and dispositifs.auto_filter.ref == "A1:L7"
    types = {r[1]: r[3:] for r in wb["Types"].iter_rows(min_row=2, values_only=True)}
    assert types["CHRS"] == TYPES["HEB_CHRS"]
    assert types["AVDL"] == (1, 60, 0, "sans objet", "sans objet", "sans objet", "sans objet")
    totals = _sheet(response.content, "Département")
    assert totals[0][:5] == ["Département", "Nom", "Statut", "Basculé le (UTC)", "Unité"]
    assert [r[4] for r in totals[1:]] == ["places", "logements", "mesures"]
    assert tuple(totals[1][5:]) == TOTAUX["places"]

    response = api_client.get(f"{API}/capacites.xlsx", headers=national)
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Dispositifs", "Types", "Catégories", "Départements", "National"]
    departements = _sheet(response.content, "Départements")
    assert len(departements) == 1 + 100 + 3  # 100 « non basculé » rows, 3 units for 75
    assert ["93", "Seine-Saint-Denis", "non basculé", None, None] in [r[:5] for r in departements]
    national_rows = [tuple(r) for r in _sheet(response.content, "National")[1:]]
    assert national_rows[:2] == [("places", *TOTAUX["places"]), ("logements", *TOTAUX["logements"])]
    assert national_rows[2] == ("mesures", 1, 60, 0, *["sans objet"] * 4)
    # Nothing anywhere is a formula.
    for ws in wb.worksheets:
        assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row), ws.title
    with engine.connect() as conn:  # the report only reads: the accounts' creation only
        assert (
            conn.scalar(text("SELECT count(*) FROM offre.audit WHERE action <> 'compte.creation'"))
            == 0
        )
