"""Temps 2 in the console over HTTP, on the real stack: a département's rattachement page (its
figures, one groupe decided in place, errors next to the field), workbook 2 downloaded and
deposited as a job confirmed on the job page, the accounts' page, and rights exactly like the
API's. The legacy tables never change."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.support.api import wait_for
from tests.support.console import csrf_of, issue_code, sign_in
from tests.support.rattachement import NATIONAL, Sheet, open_xlsx, siao_digests, temps1_world

API = "/api/v1"
OP_93 = "operateur.93@siao93.fr"
PAGE = "/console/departements/93/rattachement"
pytestmark = pytest.mark.usefixtures("celery_worker")


@pytest.fixture
def browser(database_url: str) -> Iterator[TestClient]:
    from api.app import create_app

    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def world(engine: Engine, api_client: TestClient, user_headers: Any) -> dict[str, Any]:
    national = user_headers(NATIONAL, "ADMIN_NATIONAL")
    temps1_world(engine, api_client, national, departements=("93",), taille=30, graine=4)
    op93 = user_headers(OP_93, "OPERATEUR_SIAO", ["93"])
    listing = api_client.get(
        f"{API}/departements/93/propositions", headers=op93, params={"taille": 1000}
    ).json()["items"]
    return {
        "national": national,
        "op93": op93,
        "propositions": listing,
        "legacy": siao_digests(engine),
    }


def _figure(html: str, name: str) -> int:
    match = re.search(rf'id="{name}">(\d+)<', html)
    assert match, name
    return int(match.group(1))


def test_rights_are_the_apis(browser: TestClient, world: dict[str, Any], user_headers: Any) -> None:
    groupe = world["propositions"][0]["groupe"]
    user_headers("operateur.75@siao75.fr", "OPERATEUR_SIAO", ["75"])
    user_headers("admin.siao.93@siao93.fr", "ADMIN_SIAO", ["93"])
    user_headers("admin.93@exemple.gouv.fr", "ADMIN_DEPARTEMENTAL", ["93"])
    user_headers("analyste.93@exemple.gouv.fr", "ANALYSTE", ["93"])
    user_headers("ecoutant.93@siao93.fr", "ECOUTANT_115", ["93"])
    pages = (PAGE, PAGE + ".xlsx", PAGE + "/comptes")
    for courriel, expected in (
        ("operateur.75@siao75.fr", 404),
        ("admin.93@exemple.gouv.fr", 403),
        ("analyste.93@exemple.gouv.fr", 403),
        ("ecoutant.93@siao93.fr", 403),
        ("admin.siao.93@siao93.fr", 200),
        (NATIONAL, 200),
    ):
        browser.cookies.clear()
        sign_in(browser, issue_code(courriel))
        dashboard = browser.get("/console/")
        assert ("Rattachement (Temps 2)" in dashboard.text) is (expected != 403), courriel
        for path in pages:
            response = browser.get(path)
            assert response.status_code == expected, (courriel, path)
            if expected == 404:
                assert "Page introuvable" in response.text
            elif expected == 403:
                assert "Accès refusé" in response.text
        refused = browser.post(
            f"{PAGE}/groupes/{groupe}",
            data={"csrf": csrf_of(dashboard.text), "decision": "exclure"},
            follow_redirects=False,
        )
        assert refused.status_code == (expected if expected != 200 else 303), courriel
        if expected == 200:  # undo, for the next visitor
            browser.post(f"{PAGE}/groupes/{groupe}", data={"csrf": csrf_of(dashboard.text)})
    # The chooser sends a one-département operator straight to it.
    browser.cookies.clear()
    sign_in(browser, issue_code(OP_93))
    assert browser.get("/console/rattachement", follow_redirects=False).headers["location"] == PAGE


def test_one_groupe_decided_in_place(
    browser: TestClient, engine: Engine, world: dict[str, Any]
) -> None:
    sign_in(browser, issue_code(OP_93))
    page = browser.get(PAGE)
    assert page.status_code == 200
    total, restants = _figure(page.text, "groupes-total"), _figure(page.text, "groupes-restants")
    assert total == restants == len(world["propositions"]) > 0
    proposed = next(p for p in world["propositions"] if p["proposition"]["dispositif"])
    groupe, target = proposed["groupe"], proposed["proposition"]["dispositif"]
    assert f'id="groupe-{groupe}"' in page.text and proposed["proposition"]["motif"] in page.text
    csrf = csrf_of(page.text)

    # Without the session's token: refused, nothing stored.
    forged = browser.post(f"{PAGE}/groupes/{groupe}", data={"decision": "exclure"})
    assert forged.status_code == 403 and "jeton de sécurité" in forged.text

    # A wrong target: the page again, the message next to the row's field, nothing stored.
    wrong = browser.post(
        f"{PAGE}/groupes/{groupe}",
        data={"csrf": csrf, "decision": "rattacher", "dispositif": "DSP-93-999999"},
    )
    assert wrong.status_code == 422
    messages = re.search(rf'id="cible-{groupe}-messages".*?</div>', wrong.text, re.S)
    assert messages and "DISPOSITIF_INCONNU" in messages.group(0)
    assert 'value="DSP-93-999999"' in wrong.text  # what was typed stays
    assert _figure(wrong.text, "groupes-restants") == restants

    # Rattacher without a target: the field is named.
    empty = browser.post(
        f"{PAGE}/groupes/{groupe}", data={"csrf": csrf, "decision": "rattacher", "dispositif": ""}
    )
    assert empty.status_code == 422
    assert "VALEUR_OBLIGATOIRE" in re.search(  # type: ignore[union-attr]
        rf'id="cible-{groupe}-messages".*?</div>', empty.text, re.S
    ).group(0)

    # The proposal confirmed: back to the same filters, the figures move.
    done = browser.post(
        f"{PAGE}/groupes/{groupe}",
        data={"csrf": csrf, "decision": "rattacher", "dispositif": target, "etat": "a_decider"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == (
        f"{PAGE}?etat=a_decider&fait=groupe&groupe={groupe}#groupe-{groupe}"
    )
    after = browser.get(done.headers["location"])
    assert "Décision enregistrée" in after.text and f"rattaché à {target}" in after.text
    assert _figure(after.text, "groupes-rattaches") == 1
    assert _figure(after.text, "groupes-restants") == restants - 1
    assert f'id="groupe-{groupe}"' not in after.text  # filtered out: no longer « à décider »

    # Changed to « exclu »: stored by the API's service, with its audit row.
    browser.post(f"{PAGE}/groupes/{groupe}", data={"csrf": csrf, "decision": "exclure"})
    decided = browser.get(PAGE, params={"etat": "exclu"})
    assert _figure(decided.text, "groupes-exclus") == 1
    assert f'id="groupe-{groupe}"' in decided.text
    with engine.connect() as conn:
        actions = conn.scalars(
            text(
                "SELECT action FROM offre.audit WHERE action LIKE 'rattachement.%' "
                "AND objet_id = :g ORDER BY id"
            ),
            {"g": str(groupe)},
        ).all()
    assert actions == ["rattachement.groupe.decide"] * 2
    assert siao_digests(engine) == world["legacy"]


def test_workbook_downloaded_deposited_and_confirmed(
    browser: TestClient, api_client: TestClient, engine: Engine, world: dict[str, Any]
) -> None:
    sign_in(browser, issue_code(OP_93))
    page = browser.get(PAGE)
    exported = browser.get(PAGE + ".xlsx")
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    assert 'filename="rattachement-93.xlsx"' in exported.headers["content-disposition"]
    wb = open_xlsx(exported.content)
    groupes = Sheet(wb["Groupes de places"])
    rows = groupes.rows()
    for row in rows:
        groupes.set(
            row["ligne"], "Décision", "Rattacher" if row["Dispositif proposé"] else "Exclure"
        )
    out = io.BytesIO()
    wb.save(out)
    refused = browser.post(
        PAGE + "/deposer",
        data={"csrf": csrf_of(page.text)},
        files={"fichier": ("notes.txt", b"pas un classeur")},
    )
    assert refused.status_code == 422 and "Fichier refusé" in refused.text
    deposited = browser.post(
        PAGE + "/deposer",
        data={"csrf": csrf_of(page.text), "application": "manuelle"},
        files={"fichier": ("rattachement-93.xlsx", out.getvalue())},
        follow_redirects=False,
    )
    assert deposited.status_code == 303, deposited.text
    job_url = deposited.headers["location"]
    job_id = int(job_url.rsplit("/", 1)[1])
    assert wait_for(api_client, world["op93"], job_id)["statut"] == "valide"
    job_page = browser.get(job_url)
    assert "Nouvelles décisions" in job_page.text and "Confirmer l'application" in job_page.text
    assert f'href="{PAGE}"' in job_page.text
    confirmed = browser.post(
        job_url + "/appliquer",
        data={"csrf": csrf_of(job_page.text), "confirme": "oui"},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303, confirmed.text
    assert wait_for(api_client, world["op93"], job_id)["statut"] == "termine"
    figures = browser.get(PAGE).text
    assert _figure(figures, "groupes-restants") == 0
    exclus = sum(1 for r in rows if not r["Dispositif proposé"])
    assert _figure(figures, "groupes-exclus") == exclus
    assert _figure(figures, "groupes-rattaches") == len(rows) - exclus
    assert siao_digests(engine) == world["legacy"]


def test_accounts_decided_and_acknowledged(
    browser: TestClient, engine: Engine, world: dict[str, Any]
) -> None:
    sign_in(browser, issue_code(OP_93))
    listing = browser.get(PAGE + "/comptes")
    assert listing.status_code == 200
    ids = [
        int(i) for i in re.findall(r'href="/console/utilisateurs-historiques/(\d+)"', listing.text)
    ]
    assert ids
    compte = ids[0]
    url = f"/console/utilisateurs-historiques/{compte}"
    account = browser.get(url)
    assert (
        account.status_code == 200
        and "Décision enregistrée : <strong>à décider</strong>" in account.text
    )
    csrf = csrf_of(account.text)
    wrong = browser.post(
        url,
        data={"csrf": csrf, "decision": "migrer", "profil": "ECOUTANT_115", "departements": "9x"},
    )
    assert wrong.status_code == 422
    messages = re.search(r'id="champ-departements-messages".*?</div>', wrong.text, re.S)
    assert messages and "9x" in messages.group(0)
    done = browser.post(url, data={"csrf": csrf, "decision": "desactiver"}, follow_redirects=False)
    assert done.status_code == 303
    decided = browser.get(done.headers["location"]).text
    assert "Décision enregistrée." in decided
    assert "Décision enregistrée : <strong>Désactiver</strong>." in decided
    assert _figure(browser.get(PAGE).text, "comptes-desactives") == 1
    assert (
        browser.get(PAGE + "/comptes", params={"etat": "desactiver"}).text.count(
            "/console/utilisateurs-historiques/"
        )
        == 1
    )

    # Alerts: acknowledged by the national team only.
    alerted = re.findall(
        r'href="/console/utilisateurs-historiques/(\d+)"',
        browser.get(PAGE + "/comptes", params={"etat": "alertes"}).text,
    )
    assert alerted
    other = f"/console/utilisateurs-historiques/{alerted[0]}"
    assert "Acquitter" not in browser.get(other).text
    assert browser.post(other + "/alertes", data={"csrf": csrf, "codes": "X"}).status_code == 403
    browser.cookies.clear()
    sign_in(browser, issue_code(NATIONAL))
    page = browser.get(other)
    code = re.search(r'name="codes" value="([A-Z_]+)"', page.text)
    assert code, page.text
    acknowledged = browser.post(
        other + "/alertes",
        data={"csrf": csrf_of(page.text), "codes": code.group(1)},
        follow_redirects=False,
    )
    assert acknowledged.status_code == 303
    assert "Alertes acquittées" in browser.get(acknowledged.headers["location"]).text
    assert siao_digests(engine) == world["legacy"]
