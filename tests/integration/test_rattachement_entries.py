"""Temps 2 screen entry and its guards on the real stack: one decision per request with the
workbook's rules, its audit row, 409 while a write job holds the département, the national
team's acknowledgements; stale plans and reverts over later decisions are refused. The legacy
tables never change."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from service.db.engine import session_scope
from service.rattachement.queries import load_contexte
from tests.support.api import wait_for
from tests.support.rattachement import NATIONAL, Sheet, open_xlsx, saved, siao_digests, temps1_world

API = "/api/v1"
pytestmark = pytest.mark.usefixtures("celery_worker")


@pytest.fixture
def world(engine: Engine, api_client: TestClient, user_headers) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    national = user_headers(NATIONAL, "ADMIN_NATIONAL")
    temps1_world(engine, api_client, national, departements=("93",), taille=30, graine=4)
    op93 = user_headers("operateur.93@siao93.fr", "OPERATEUR_SIAO", ["93"])
    listing = api_client.get(
        f"{API}/departements/93/propositions", headers=op93, params={"taille": 1000}
    ).json()["items"]
    attached = next(p for p in listing if p["proposition"]["dispositif"])
    with engine.connect() as conn:
        comptes = dict(
            conn.execute(
                text(
                    "SELECT u.id, array_agg(p.profil_historique_code) FROM siao.utilisateur u "
                    "JOIN siao.utilisateur_profil p ON p.utilisateur_id = u.id "
                    "WHERE u.departement = '93' AND u.actif GROUP BY u.id ORDER BY u.id"
                )
            ).all()
        )
    ecoutant = next(i for i, profils in comptes.items() if profils == ["ECOUTANT"])
    return {
        "national": national,
        "op93": op93,
        "groupe": attached["groupe"],
        "proposition": attached["proposition"]["dispositif"],
        "ecoutant": ecoutant,
        "legacy": siao_digests(engine),
    }


def hold_93(engine: Engine) -> int:
    """An import job of 93 in application, as a worker would be running it."""
    with engine.begin() as conn:
        soumis_par = conn.scalar(text("SELECT min(id) FROM offre.utilisateur"))
        job_id = conn.scalar(
            text(
                "INSERT INTO offre.job (type, statut, etape, soumis_par) "
                "VALUES ('import_offre', 'application', 'departements', :u) RETURNING id"
            ),
            {"u": soumis_par},
        )
        conn.execute(
            text(
                "INSERT INTO offre.job_departement (job_id, departement, statut) "
                "VALUES (:j, '93', 'application')"
            ),
            {"j": job_id},
        )
    return int(job_id)


def release(engine: Engine, job_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE offre.job_departement SET statut = 'termine' WHERE job_id = :j"),
            {"j": job_id},
        )
        conn.execute(text("UPDATE offre.job SET statut = 'termine' WHERE id = :j"), {"j": job_id})


def test_one_groupe_decided_on_screen(
    engine: Engine, api_client: TestClient, world: dict[str, Any]
) -> None:
    op93, groupe = world["op93"], world["groupe"]
    url = f"{API}/groupes-places/{groupe}/rattachement"
    response = api_client.put(
        url, headers=op93, json={"decision": "rattacher", "dispositif": "DSP-93-999999"}
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "DISPOSITIF_INCONNU"
    assert body["message"].startswith(
        f"Groupe de places n° {groupe}, champ « dispositif » : « DSP-93-999999 » n'est pas "
        "un dispositif du département 93"
    )
    assert body["details"]["anomalies"][0]["champ"] == "dispositif"
    response = api_client.put(
        url, headers=op93, json={"decision": "rattacher", "dispositif": world["proposition"]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["decision"] == {
        "decision": "rattacher",
        "dispositif": world["proposition"],
        "commentaire": None,
    }
    figures = api_client.get(f"{API}/departements/93/rattachement", headers=op93).json()
    assert figures["groupes"]["rattaches"] == 1
    with engine.connect() as conn:
        audit = conn.execute(
            text(
                "SELECT action, objet_id, departement, details FROM offre.audit "
                "WHERE action LIKE 'rattachement.%'"
            )
        ).one()
    assert audit[:3] == ("rattachement.groupe.decide", str(groupe), "93")
    assert audit[3]["apres"]["dispositif"] == world["proposition"]

    held = hold_93(engine)
    response = api_client.put(url, headers=op93, json={"decision": "exclure"})
    assert response.status_code == 409, response.text
    assert (response.json()["code"], response.json()["details"]["job_actif"]) == (
        "DEPARTEMENT_OCCUPE",
        held,
    )
    response = api_client.post(
        f"{API}/rattachements",
        headers=op93,
        files={
            "fichier": (
                "r.xlsx",
                api_client.get(f"{API}/departements/93/rattachement.xlsx", headers=op93).content,
            )
        },
    )
    assert response.status_code == 409, response.text
    assert (
        api_client.get(f"{API}/departements/93/rattachement", headers=op93).json()["job_actif"]
        == held
    )
    release(engine, held)
    response = api_client.put(url, headers=op93, json={"decision": None})
    assert response.status_code == 200 and response.json()["decision"] is None
    assert siao_digests(engine) == world["legacy"]


def test_accounts_on_screen_and_the_national_acknowledgements(
    engine: Engine, api_client: TestClient, world: dict[str, Any]
) -> None:
    op93, national, compte = world["op93"], world["national"], world["ecoutant"]
    url = f"{API}/utilisateurs-historiques/{compte}/migration"
    escalation = {"decision": "migrer", "profil": "ADMIN_SIAO", "departements": ["93"]}
    response = api_client.put(url, headers=op93, json=escalation)
    assert (response.status_code, response.json()["code"]) == (422, "PROFIL_RESERVE"), response.text
    assert api_client.put(url, headers=national, json=escalation).status_code == 200
    response = api_client.put(
        url,
        headers=op93,
        json={
            "decision": "migrer",
            "profil": "Écoutant 115",
            "departements": ["93"],
            "courriel": NATIONAL,
        },
    )
    assert (response.status_code, response.json()["code"]) == (422, "COURRIEL_EN_DOUBLE"), (
        response.text
    )
    response = api_client.put(
        url,
        headers=op93,
        json={"decision": "migrer", "profil": "ECOUTANT_115", "departements": ["93"]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["decision"]["profil"] == "ECOUTANT_115"

    with session_scope() as session:
        ctx = load_contexte(session, "93")
    alerted, code = next(
        (i, p.alertes[0].code) for i, p in sorted(ctx.propositions_comptes.items()) if p.alertes
    )
    ack = f"{API}/utilisateurs-historiques/{alerted}/alertes/acquitter"
    assert api_client.post(ack, headers=op93).status_code == 403
    response = api_client.post(ack, headers=national, json={"codes": ["PAS_UNE_ALERTE"]})
    assert (response.status_code, response.json()["code"]) == (422, "ALERTE_INCONNUE"), (
        response.text
    )
    response = api_client.post(ack, headers=national, json={"codes": [code]})
    assert response.status_code == 200, response.text
    assert {a["code"]: a["acquittee"] for a in response.json()["alertes"]}[code]
    figures = api_client.get(f"{API}/departements/93/rattachement", headers=op93).json()
    assert figures["alertes"][code]["acquittees"] == 1
    assert figures["utilisateurs"]["migres"] == 1
    assert siao_digests(engine) == world["legacy"]


def test_a_stale_plan_and_a_revert_over_later_decisions_are_refused(
    engine: Engine, api_client: TestClient, world: dict[str, Any]
) -> None:
    op93, groupe = world["op93"], world["groupe"]
    wb = open_xlsx(api_client.get(f"{API}/departements/93/rattachement.xlsx", headers=op93).content)
    sheet = Sheet(wb["Groupes de places"])
    row = next(r for r in sheet.rows() if r["Identifiant groupe"] == groupe)
    sheet.set(row["ligne"], "Décision", "Rattacher")
    data = saved(wb)
    submitted = api_client.post(
        f"{API}/rattachements", headers=op93, files={"fichier": ("r.xlsx", data)}
    )
    job = wait_for(api_client, op93, submitted.json()["id"])
    assert (job["statut"], job["creations"]) == ("valide", 1)
    # A decision taken on screen since the analysis: the plan is stale.
    api_client.put(
        f"{API}/groupes-places/{groupe}/rattachement", headers=op93, json={"decision": "exclure"}
    )
    response = api_client.post(f"{API}/jobs/{job['id']}/appliquer", headers=op93)
    assert (response.status_code, response.json()["code"]) == (409, "PLAN_PERIME"), response.text

    # Applied automatically this time, then changed on screen: its revert is refused.
    submitted = api_client.post(
        f"{API}/rattachements",
        headers=op93,
        files={"fichier": ("r.xlsx", data)},
        data={"application": "automatique"},
    )
    job = wait_for(api_client, op93, submitted.json()["id"])
    assert (job["statut"], job["modifications"], job["avertissements"]) == ("termine", 1, 1)
    (warning,) = api_client.get(f"{API}/jobs/{job['id']}/anomalies", headers=op93).json()["items"]
    assert (warning["code"], warning["ligne"]) == ("DECISION_MODIFIEE_DEPUIS", row["ligne"])
    api_client.put(
        f"{API}/groupes-places/{groupe}/rattachement", headers=op93, json={"decision": None}
    )
    response = api_client.post(f"{API}/jobs/{job['id']}/revenir", headers=op93)
    assert (response.status_code, response.json()["code"]) == (409, "MODIFIE_DEPUIS"), response.text
    assert siao_digests(engine) == world["legacy"]


def test_accounts_in_the_workbook(
    engine: Engine, api_client: TestClient, world: dict[str, Any]
) -> None:
    op93 = world["op93"]
    wb = open_xlsx(api_client.get(f"{API}/departements/93/rattachement.xlsx", headers=op93).content)
    users = Sheet(wb["Utilisateurs"])
    rows = users.rows()
    ecoutant = next(r for r in rows if r["Identifiant utilisateur"] == world["ecoutant"])
    other = next(r for r in rows if r is not ecoutant and r["Nouveau profil"] == "Écoutant 115")
    for r in (ecoutant, other):
        users.set(r["ligne"], "Décision", "Migrer")
        users.set(r["ligne"], "Nouveau courriel", "lea.martin@siao93.fr")
    users.set(ecoutant["ligne"], "Nouveau profil", "Administrateur SIAO")
    submitted = api_client.post(
        f"{API}/rattachements", headers=op93, files={"fichier": ("r.xlsx", saved(wb))}
    )
    job = wait_for(api_client, op93, submitted.json()["id"])
    assert job["statut"] == "invalide"
    anomalies = api_client.get(f"{API}/jobs/{job['id']}/anomalies", headers=op93).json()["items"]
    assert sorted((a["code"], a["ligne"], a["colonne"]) for a in anomalies) == sorted(
        [
            ("COURRIEL_EN_DOUBLE", other["ligne"], "Nouveau courriel"),
            ("COURRIEL_EN_DOUBLE", ecoutant["ligne"], "Nouveau courriel"),
            ("PROFIL_RESERVE", ecoutant["ligne"], "Décision"),
        ]
    )
    assert siao_digests(engine) == world["legacy"]
