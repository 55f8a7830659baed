"""The Temps 3 part of `offre demo`: the national team settles by screen entry what still blocks
each département — accounts left undecided or in conflict deactivated, alerts acknowledged,
excluded groupes that still have people in them attached —, switches the départements in one
wave followed per département, prints the capacity report of the switched départements (the
API's, like `offre capacites`), then rolls one back and shows its legacy tables restored
(digests before / after)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from service.cli.capacites_cmd import compact
from service.cli.client import ApiFailure, Client
from service.cli.connect import Api
from service.cli.progress import follow
from service.db.engine import make_engine
from service.legacy.digests import siao_digests

# The demo's answer to each blocker, as a person of the national team would choose it.
DESACTIVER = frozenset(
    {
        "UTILISATEUR_NON_MIGRE",
        "CONFLIT_PROFILS",
        "COURRIEL_EN_DOUBLE",
        "COMPTE_A_LIER_INCONNU",
        "PERIMETRE_INCOHERENT",
        "REFERENCE_AUTRE_DEPARTEMENT",
    }
)


ETATS = {"pret": "prêt", "bloque": "bloqué", "bascule": "basculé"}


def _target(client: Client, departement: str) -> str | None:
    """A dispositif of the département that takes places: the first one proposed."""
    found = client.http.get(
        f"/api/v1/departements/{departement}/propositions", params={"taille": 1000}
    ).json()
    return next(
        (p["proposition"]["dispositif"] for p in found["items"] if p["proposition"]["dispositif"]),
        None,
    )


def settle(client: Client, departement: str) -> dict[str, int]:
    """Screen entries until nothing the demo can decide blocks; what it did, by blocker."""
    done: dict[str, int] = {}
    for _ in range(3):
        details = client.bascule_preparation(departement)["details"]
        if not details:
            break
        for blocker in details:
            code = blocker["code"]
            for element in blocker["elements"]:
                try:
                    if code in DESACTIVER:
                        client.bascule_decision("compte", element["id"], {"decision": "desactiver"})
                    elif code == "COURRIEL_DEJA_UTILISE":
                        client.bascule_decision("compte", element["id"], {"decision": "lier"})
                    elif code == "ALERTE_NON_ACQUITTEE":
                        client.acknowledge(element["id"])
                    elif code == "GROUPE_EXCLU_OCCUPE" and (target := _target(client, departement)):
                        body = {"decision": "rattacher", "dispositif": target}
                        client.bascule_decision("groupe", element["id"], body)
                    else:
                        continue
                except ApiFailure:
                    continue  # already settled by another of its blockers
                done[code] = done.get(code, 0) + 1
    return done


def _unit(dep: dict[str, Any]) -> str:
    return str(dep.get("message") or dep["statut"])


def temps3(api: Api, console: Console, database_url: str, codes: Sequence[str]) -> None:
    client = api.client
    console.rule("Temps 3 — préparation de la bascule")
    for code in codes:
        done = settle(client, code)
        if done:
            console.print(
                f"{code} : réglé par saisie — "
                + ", ".join(f"{what} × {n}" for what, n in sorted(done.items()))
            )
    table = client.bascule_preparation()
    states = {i["departement"]: i for i in table["items"] if i["departement"] in codes}
    for code in codes:
        item = states[code]
        blockers = ", ".join(f"{c} {n}" for c, n in item["bloquants"].items()) or "rien"
        etat = ETATS.get(item["statut"], item["statut"])
        console.print(f"{code} : {etat} ({item['groupes']} groupes ; bloquants : {blockers})")
    ready = [code for code in codes if states[code]["statut"] == "pret"]
    if not ready:
        console.print("Aucun département prêt : pas de bascule.")
        return
    engine = make_engine(database_url)
    try:
        last = ready[-1]
        with engine.connect() as conn:
            before = siao_digests(conn, last)
        console.rule(f"Temps 3 — bascule de {', '.join(ready)}")
        job = client.submit_bascule(ready, parallele=2)
        job = follow(api, job["id"], console, until_applied=False, detail=_unit)
        for dep in job["departements"]:
            console.print(f"{dep['departement']} : {dep['message']}")
        for code in ready:
            found = client.http.get(f"/api/v1/departements/{code}/groupes-places").json()
            console.print(f"{code} : {found['total']} groupes de places sous leurs dispositifs.")
        console.rule("Temps 3 — capacité financée et occupation")
        console.print(compact(client.capacites(None)))
        console.rule(f"Temps 3 — retour arrière du {last}")
        revert = client.revert(job["id"], departements=[last], forcer=False)
        revert = follow(api, revert["id"], console, until_applied=False, detail=_unit)
        with engine.connect() as conn:
            after = siao_digests(conn, last)
    finally:
        engine.dispose()
    shown = Table("Table siao", "Avant la bascule", "Après le retour arrière", "Identique")
    for name, digest in before.items():
        shown.add_row(name, digest, after[name], "oui" if after[name] == digest else "NON")
    console.print(shown)
    console.print(f"Retour arrière du {last} : {revert['message']}")
