"""The capacity report in the console over HTTP: a département's page and the national one,
each type drawn as an SVG chart whose figures are also in a data table, the workbooks, and the
rights of the API (readers of the département; 403 for other profiles, 404 elsewhere)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from tests.support.capacites import statements
from tests.support.console import issue_code, sign_in


@pytest.fixture
def browser(database_url: str) -> Iterator[TestClient]:
    from api.app import create_app

    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def offre(engine: Engine) -> None:
    with engine.begin() as conn:
        for statement in statements("75", switched=True):
            conn.execute(text(statement))


def test_departement_page_with_its_charts(
    browser: TestClient, user_headers: Any, offre: None
) -> None:
    user_headers("analyste.75@exemple.gouv.fr", "ANALYSTE", ["75"])
    sign_in(browser, issue_code("analyste.75@exemple.gouv.fr"))
    assert 'href="/console/capacites"' in browser.get("/console/").text  # in the navigation
    landing = browser.get("/console/capacites", follow_redirects=False)
    assert landing.headers["location"] == "/console/departements/75/capacites"
    page = browser.get("/console/departements/75/capacites")
    assert page.status_code == 200
    html = page.text
    # One chart per type, its figures in its text alternative and in the « Par type » table.
    charts = re.findall(r'<svg role="img" aria-labelledby="([^"]+)"', html)
    assert len(charts) == 6
    chrs = re.search(r'<desc id="graphique-heb_chrs-desc">([^<]+)</desc>', html)
    assert chrs and chrs.group(1) == (
        "CHRS, en places : capacité financée 40, places installées 35, places occupées 33, "
        "taux d&#39;occupation 94,3\u00a0%."
    )
    row = re.search(r'<th scope="row">CHRS</th>(.*?)</tr>', html, re.S)
    assert row is not None
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row.group(1))]
    assert cells == ["Hébergement", "places", "1", "40", "35", "33", "94,3\u00a0%", "5"]
    pension = re.search(r'<desc id="graphique-rs_pension_famille-desc">([^<]+)</desc>', html)
    assert pension and "logements installés 20" in pension.group(1)
    avdl = re.search(r'<th scope="row">AVDL</th>(.*?)</tr>', html, re.S)
    assert avdl and avdl.group(1).count("sans objet") == 4
    assert "non renseignée" in html and "DSP-75-000008" in html
    workbook = browser.get("/console/departements/75/capacites.xlsx")
    assert load_workbook(io.BytesIO(workbook.content)).sheetnames[0] == "Dispositifs"

    assert browser.get("/console/departements/93/capacites").status_code == 404
    assert browser.get("/console/departements/93/capacites.xlsx").status_code == 404


def test_national_page_and_rights(browser: TestClient, user_headers: Any, offre: None) -> None:
    user_headers("equipe@exemple.gouv.fr", "ADMIN_NATIONAL")
    user_headers("ecoutant@siao75.fr", "ECOUTANT_115", ["75"])
    sign_in(browser, issue_code("equipe@exemple.gouv.fr"))
    page = browser.get("/console/capacites")
    assert page.status_code == 200
    assert "1 département(s) basculé(s) sur 101" in page.text
    assert page.text.count('class="console-non-bascule"') == 100
    assert 'href="/console/departements/75/capacites"' in page.text
    assert len(re.findall(r'<svg role="img"', page.text)) == 6
    workbook = browser.get("/console/capacites.xlsx")
    assert load_workbook(io.BytesIO(workbook.content)).sheetnames[-1] == "National"
    # Not switched: said so.
    other = browser.get("/console/departements/93/capacites")
    assert other.status_code == 200 and "Département non basculé" in other.text

    browser.cookies.clear()
    sign_in(browser, issue_code("ecoutant@siao75.fr"))
    assert 'href="/console/capacites"' not in browser.get("/console/").text
    for path in ("/console/capacites", "/console/departements/75/capacites"):
        refused = browser.get(path)
        assert refused.status_code == 403 and "Accès refusé" in refused.text
