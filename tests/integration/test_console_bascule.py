"""The national Temps 3 dashboard of the console over HTTP, on the real stack (PostgreSQL,
Redis, a Celery worker): the 101 départements with their state and blockers, one département's
preflight, the form's refusals (CSRF, nothing checked, no confirmation), a wave stopped after a
failure (« non lancé »), a switch, its rollback per département with its preview first —
refused when the module changed since (MODIFIE_DEPUIS) unless forced — and 403 for every
other profile."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.support.api import wait_for
from tests.support.console import csrf_of, issue_code, sign_in
from tests.support.rattachement import NATIONAL
from tests.support.temps3 import API, settle_exclusions, temps3_world

READY, BLOCKED = "75", "13"


@pytest.fixture
def browser(database_url: str) -> Iterator[TestClient]:
    from api.app import create_app

    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        yield client


def _row(html: str, dep: str) -> str:
    found = re.search(rf'<tr id="departement-{dep}"(.*?)</tr>', html, re.S)
    assert found, dep
    return found.group(1)


def _launch(browser: TestClient, **form: Any) -> Any:
    csrf = csrf_of(browser.get("/console/bascule").text)
    return browser.post("/console/bascule", data={"csrf": csrf, **form}, follow_redirects=False)


def _job_id(response: Any) -> int:
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/console/jobs/(\d+)", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


@pytest.mark.usefixtures("celery_worker")
def test_dashboard_wave_and_rollback(
    engine: Engine,
    api_client: TestClient,
    browser: TestClient,
    user_headers,  # type: ignore[no-untyped-def]
) -> None:
    national = user_headers(NATIONAL, "ADMIN_NATIONAL")
    temps3_world(engine, api_client, national, (READY, BLOCKED), taille=15)
    for dep in (READY, BLOCKED):
        settle_exclusions(api_client, national, dep)
    listing = api_client.get(
        f"{API}/departements/{BLOCKED}/propositions", headers=national, params={"taille": 1}
    ).json()["items"]
    undecided = listing[0]["groupe"]
    response = api_client.put(
        f"{API}/groupes-places/{undecided}/rattachement", headers=national, json={"decision": None}
    )
    assert response.status_code == 200, response.text

    # Another profile: no link, 403 on every page and form.
    user_headers("admin.75@exemple.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    sign_in(browser, issue_code("admin.75@exemple.gouv.fr"))
    assert 'href="/console/bascule"' not in browser.get("/console/").text
    assert browser.get("/console/bascule").status_code == 403
    assert browser.get(f"/console/departements/{READY}/bascule").status_code == 403
    csrf = csrf_of(browser.get("/console/").text)
    refused = browser.post("/console/bascule", data={"csrf": csrf, "departements": READY})
    assert refused.status_code == 403
    assert "La bascule (Temps 3) est réservée" in refused.text
    browser.cookies.clear()

    # The national team: the link, the 101 départements, ready and blocked with why.
    sign_in(browser, issue_code(NATIONAL))
    assert 'href="/console/bascule"' in browser.get("/console/national").text
    page = browser.get("/console/bascule")
    assert page.status_code == 200
    assert page.text.count('<tr id="departement-') == 101
    assert 'data-statut="pret"' in _row(page.text, READY)
    blocked = _row(page.text, BLOCKED)
    assert 'data-statut="bloque"' in blocked
    assert "GROUPE_NON_RATTACHE&nbsp;×&nbsp;1" in blocked
    checked = browser.get("/console/bascule?statut=pret&cocher=prets").text
    assert re.search(rf'id="choix-{READY}" [^>]*checked', checked)
    assert f'id="departement-{BLOCKED}"' not in checked
    detail = browser.get(f"/console/departements/{BLOCKED}/bascule")
    assert detail.status_code == 200
    assert "groupe de places actif sans décision de rattachement" in detail.text.lower()
    assert f"<td>{undecided}</td>" in detail.text

    # Refusals: no token, nothing checked, no confirmation, a bad number.
    assert browser.post("/console/bascule", data={"departements": READY}).status_code == 403
    empty = _launch(browser, mode="bascule", confirme="oui")
    assert empty.status_code == 422 and "Cochez au moins un département" in empty.text
    unconfirmed = _launch(browser, departements=READY, mode="bascule")
    assert unconfirmed.status_code == 422 and "case de confirmation" in unconfirmed.text
    assert re.search(rf'id="choix-{READY}" [^>]*checked', unconfirmed.text)
    wrong = _launch(browser, departements=READY, mode="simulation", parallele="0")
    assert wrong.status_code == 422 and "Départements à la fois" in wrong.text

    # A simulation, then a wave stopped after its first failure: 75 « non lancé ».
    job = _job_id(_launch(browser, departements=READY, mode="simulation"))
    assert wait_for(api_client, national, job, timeout=120)["statut"] == "termine"
    simulated = browser.get(f"/console/jobs/{job}").text
    assert "basculerait" in simulated and "Simulé" in simulated
    assert "retour-bascule" not in simulated
    job = _job_id(
        _launch(
            browser,
            departements=[BLOCKED, READY],
            mode="bascule",
            confirme="oui",
            parallele="1",
            arret_apres_echecs="1",
        )
    )
    assert wait_for(api_client, national, job, timeout=120)["statut"] == "echec"
    stopped = browser.get(f"/console/jobs/{job}").text
    assert "non lancé — arrêt après 1 échec(s)" in stopped
    assert re.search(r'<tr id="unite-75">.*?Non lancé</p>', stopped, re.S)
    assert "GROUPE_NON_RATTACHE" in stopped

    # The switch of 75, then its rollback: preview first, refused once the module changed.
    job = _job_id(_launch(browser, departements=READY, mode="bascule", confirme="oui"))
    assert wait_for(api_client, national, job, timeout=120)["statut"] == "termine"
    switched = browser.get(f"/console/jobs/{job}").text
    assert "Groupes de places déplacés" in switched
    link = f"/console/jobs/{job}/retour-bascule?departement={READY}"
    assert link in switched
    assert 'data-statut="bascule"' in _row(browser.get("/console/bascule").text, READY)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE offre.groupe_places SET libelle = libelle || ' (modifié)' WHERE id = "
                "(SELECT min(g.id) FROM offre.groupe_places g JOIN offre.dispositif d "
                "ON d.id = g.dispositif_id WHERE d.departement = :dep)"
            ),
            {"dep": READY},
        )
    preview = browser.get(link)
    assert preview.status_code == 200
    assert "Lignes rétablies" in preview.text and "MODIFIE_DEPUIS" in preview.text
    form = {"csrf": csrf_of(preview.text), "departement": READY, "confirme": "oui"}
    refused = browser.post(f"/console/jobs/{job}/retour-bascule", data=form)
    assert refused.status_code == 409
    assert "modifications" in refused.text and 'id="forcer"' in refused.text
    reverted = browser.post(
        f"/console/jobs/{job}/retour-bascule",
        data={**form, "forcer": "oui"},
        follow_redirects=False,
    )
    revert_job = _job_id(reverted)
    assert wait_for(api_client, national, revert_job, timeout=120)["statut"] == "termine"
    assert (
        f'Annulé par le <a href="/console/jobs/{revert_job}">'
        in browser.get(f"/console/jobs/{job}").text
    )
    assert 'data-statut="pret"' in _row(browser.get("/console/bascule").text, READY)
