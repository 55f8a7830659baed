"""`offre bascule preparation | lancer`: Temps 3 through the API, like the national team's
console. The revert of a wave is the job's revert (POST /api/v1/jobs/{id}/revenir)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from service.cli.chrome import FrenchTyper
from service.cli.connect import ApiOption, CourrielOption, JetonOption, connect
from service.cli.explain import libelle
from service.cli.progress import follow

app = FrenchTyper(help="Temps 3 : bascule des départements dans le module Offre (national).")
console = Console(soft_wrap=True)
ETATS = {"pret": "[green]prêt[/green]", "bloque": "[red]bloqué[/red]", "bascule": "basculé"}


def _national(found: dict[str, Any]) -> None:
    table = Table(
        "Dép.", "Nom", "État", "Groupes", "Comptes", "Bloquants", title="Préparation du Temps 3"
    )
    for item in found["items"]:
        blockers = ", ".join(f"{code} {n}" for code, n in item["bloquants"].items())
        if item["statut"] == "bascule":
            blockers = f"job {item['job_id']}"
        table.add_row(
            item["departement"],
            item["nom"],
            ETATS.get(item["statut"], item["statut"]),
            str(item["groupes"]),
            str(item["utilisateurs"]),
            blockers,
        )
    console.print(table)
    resume = found["resume"]
    console.print(
        f"{resume.get('pret', 0)} prêt(s), {resume.get('bloque', 0)} bloqué(s), "
        f"{resume.get('bascule', 0)} basculé(s) sur {found['total']} départements."
    )


def _detail(found: dict[str, Any]) -> None:
    console.print(
        f"{found['departement']} — {found['nom']} : {ETATS.get(found['statut'], found['statut'])}",
        style="bold",
    )
    g, u = found["detail_groupes"], found["detail_utilisateurs"]
    if g or u:
        console.print(
            f"Groupes de places actifs : {g.get('actifs', 0)} ({g.get('rattaches', 0)} "
            f"rattaché(s), {g.get('exclus', 0)} exclu(s)), {g.get('inactifs', 0)} inactif(s) ; "
            f"comptes actifs : {u.get('actifs', 0)} ({u.get('migres', 0)} à migrer, "
            f"{u.get('lies', 0)} à lier, {u.get('desactives', 0)} à désactiver)."
        )
    for blocker in found["details"]:
        table = Table("N°", "Détail", title=f"{blocker['code']} × {blocker['total']} — "
                      f"{blocker['libelle']}")  # fmt: skip
        for element in blocker["elements"][:20]:
            table.add_row(str(element["id"] or ""), element["message"])
        console.print(table)
        if blocker["total"] > 20:
            console.print(f"… et {blocker['total'] - 20} autre(s).")
    if not found["details"]:
        console.print("Rien ne bloque la bascule.")


@app.command()
def preparation(
    departement: Annotated[
        str | None, typer.Option(help="Le détail d'un département, élément par élément.")
    ] = None,
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """Les 101 départements : prêts, bloqués (et par quoi) ou déjà basculés."""
    client = connect(api, jeton, courriel).client
    found = client.bascule_preparation(departement.upper() if departement else None)
    (_detail if departement else _national)(found)


def _unit(dep: dict[str, Any]) -> str:
    if dep["statut"] in ("echec", "annule"):
        return str(dep.get("message") or "")
    return (
        f"{dep['creations']} groupe(s) déplacé(s), {dep['modifications']} compte(s) migré(s) ou "
        f"lié(s), {dep['fermetures']} ligne(s) retirée(s) de SI SIAO"
    )


@app.command()
def lancer(
    departement: Annotated[
        list[str], typer.Option(help="Un département à basculer (répétez l'option, dans l'ordre).")
    ],
    simulation: Annotated[
        bool, typer.Option(help="Tous les contrôles et ce qui bougerait, sans rien écrire.")
    ] = False,
    arret_apres: Annotated[
        int | None, typer.Option(min=1, help="Après K échecs, ne pas lancer les suivants.")
    ] = None,
    parallele: Annotated[
        int | None, typer.Option(min=1, help="Départements basculés à la fois (tous par défaut).")
    ] = None,
    attendre: Annotated[
        bool, typer.Option(help="Suivre chaque département jusqu'à la fin.")
    ] = False,
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """Lance la bascule d'un département ou d'une vague (ou sa simulation)."""
    target = connect(api, jeton, courriel)
    job = target.client.submit_bascule(
        [d.upper() for d in departement],
        simulation=simulation,
        arret_apres_echecs=arret_apres,
        parallele=parallele,
    )
    what = "Simulation" if simulation else "Bascule"
    console.print(f"{what} : job {job['id']} pour {', '.join(departement)}.")
    if not attendre:
        console.print(f"Suivez-la : {target.cmd('job', job['id'], '--suivre')}")
        return
    job = follow(target, job["id"], console, until_applied=False, detail=_unit)
    console.print(
        f"Job {job['id']} : [bold]{libelle(job['statut'])}[/bold]"
        + (f" — {job['message']}" if job.get("message") else "")
    )
    for dep in job["departements"]:
        console.print(f"  {dep['departement']} : {dep.get('message') or dep['statut']}")
    if job["statut"] == "termine" and not simulation:
        console.print(
            "Pour revenir en arrière sur un département : "
            + target.cmd("revenir", job["id"], "--departement", "XX")
        )
    if job["statut"] != "termine":
        raise typer.Exit(1)
