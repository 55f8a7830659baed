"""`offre rattachement exporter | importer | etat`: Temps 2 through the API, like any user."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from service.cli.chrome import FrenchTyper
from service.cli.client import Client
from service.cli.connect import ApiOption, CourrielOption, JetonOption, connect
from service.cli.explain import libelle
from service.cli.progress import follow

app = FrenchTyper(help="Temps 2 : rattachement des groupes de places et des comptes.")
console = Console(soft_wrap=True)
DepartementArg = Annotated[str, typer.Argument(help="Code du département (93, 2A, 971…).")]


@app.command()
def exporter(
    departement: DepartementArg,
    fichier: Annotated[Path, typer.Argument(dir_okay=False, help="Classeur à écrire (.xlsx).")],
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """Écrit le classeur de rattachement du département, pré-rempli des propositions."""
    client = connect(api, jeton, courriel).client
    fichier.write_bytes(client.rattachement_workbook(departement.upper()))
    console.print(f"Classeur de rattachement du {departement.upper()} écrit : {fichier}")


def resume(client: Client, job: dict[str, Any]) -> None:
    console.print(
        f"Job {job['id']} ({job.get('departement') or '?'}) : "
        f"[bold]{libelle(job['statut'])}[/bold] — {job['lignes']} ligne(s), "
        f"{job['erreurs']} erreur(s), {job['avertissements']} avertissement(s) ; décisions : "
        f"{job['creations']} nouvelle(s), {job['modifications']} modifiée(s), "
        f"{job['fermetures']} remise(s) à décider, {job['inchanges']} inchangée(s)."
    )
    if job.get("message"):
        console.print(job["message"])
    if job["erreurs"] or job["avertissements"]:
        page = client.anomalies(job["id"], taille=15)
        table = Table("Feuille", "Ligne", "Colonne", "Code", "Message", title="Anomalies")
        for a in page["items"]:
            table.add_row(a["feuille"], str(a["ligne"]), a["colonne"], a["code"], a["message"])
        console.print(table)
        if page["total"] > len(page["items"]):
            console.print(
                f"… et {page['total'] - len(page['items'])} autre(s) : offre job {job['id']}"
            )


@app.command()
def importer(
    fichier: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Classeur de rattachement complété.")
    ],
    appliquer: Annotated[
        bool, typer.Option(help="Appliquer automatiquement s'il n'y a pas d'erreur.")
    ] = False,
    attendre: Annotated[bool, typer.Option(help="Suivre le job jusqu'à la fin.")] = False,
    departement: Annotated[
        str | None, typer.Option(help="Le département, si le classeur ne le dit pas.")
    ] = None,
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """Dépose un classeur de rattachement et suit sa progression."""
    target = connect(api, jeton, courriel)
    job = target.client.submit_rattachement(
        fichier, "automatique" if appliquer else "manuelle", departement
    )
    console.print(f"Job {job['id']} créé pour {fichier.name} (département {job['departement']}).")
    if attendre:
        job = follow(target, job["id"], console, until_applied=appliquer)
        resume(target.client, job)
    if job["statut"] in ("invalide", "echec"):
        raise typer.Exit(1)


@app.command()
def etat(
    departement: DepartementArg,
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """La progression du rattachement du département et ce qui bloque encore le Temps 3."""
    p = connect(api, jeton, courriel).client.rattachement_progress(departement.upper())
    g, u = p["groupes"], p["utilisateurs"]
    console.print(f"Rattachement du département {p['departement']}", style="bold")
    console.print(
        f"Groupes de places : {g['total']} — {g['rattaches']} rattaché(s), {g['exclus']} "
        f"exclu(s), {g['restants']} à décider."
    )
    console.print(
        f"Comptes historiques : {u['total']} — {u['migres']} migré(s), {u['lies']} lié(s), "
        f"{u['desactives']} désactivé(s), {u['restants']} à décider."
    )
    if p["alertes"]:
        table = Table("Alerte", "Total", "Résolues", "Acquittées", "Restantes", title="Alertes")
        for code, a in p["alertes"].items():
            table.add_row(
                code, *(str(a[k]) for k in ("total", "resolues", "acquittees", "restantes"))
            )
        console.print(table)
    if p["bloquants"]:
        table = Table("Bloquant", "Nombre", title="Ce qui bloque le Temps 3")
        for code, n in p["bloquants"].items():
            table.add_row(code, str(n))
        console.print(table)
    else:
        console.print("Rien ne bloque le Temps 3.")
    if p["job_actif"]:
        console.print(f"Job en cours sur le département : {p['job_actif']}.")
