"""`offre importer`, `offre jobs`, `offre job`: imports through the API, with live progress."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from service.cli.client import ApiFailure, Client, token_for
from service.cli.progress import STATUTS, follow, summary
from service.config import get_settings

console = Console()

ApiOption = Annotated[str | None, typer.Option("--api", help="Adresse de l'API (défaut : locale).")]
JetonOption = Annotated[str | None, typer.Option(help="Jeton d'accès (offre utilisateurs jeton).")]
CourrielOption = Annotated[
    str | None, typer.Option(help="Courriel du compte : jeton émis localement (pile locale).")
]


def connect(api: str | None, jeton: str | None, courriel: str | None) -> Client:
    try:
        return Client(api or get_settings().api_base_url, token_for(courriel, jeton))
    except ApiFailure as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def importer(
    fichier: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Classeur à importer.")
    ],
    appliquer: Annotated[
        bool, typer.Option(help="Appliquer automatiquement s'il n'y a pas d'erreur.")
    ] = False,
    mode: Annotated[str, typer.Option(help="complement (défaut) ou miroir.")] = "complement",
    par_departement: Annotated[
        bool, typer.Option(help="Appliquer les départements sans erreur.")
    ] = False,
    attendre: Annotated[bool, typer.Option(help="Suivre le job jusqu'à la fin.")] = False,
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """Dépose un classeur Temps 1 (entités et dispositifs) et suit sa progression."""
    client = connect(api, jeton, courriel)
    try:
        job = client.submit(
            fichier, "automatique" if appliquer else "manuelle", mode, par_departement
        )
        console.print(f"Job {job['id']} créé pour {fichier.name}.")
        if attendre:
            job = follow(client, job["id"], console, until_applied=appliquer)
            summary(client, job, console)
    except ApiFailure as exc:
        console.print(f"[red]Refusé ({exc.status}) :[/red] {exc}")
        raise typer.Exit(1) from exc
    if job["statut"] in ("invalide", "echec"):
        raise typer.Exit(1)


def jobs(api: ApiOption = None, jeton: JetonOption = None, courriel: CourrielOption = None) -> None:
    """Liste mes jobs et ceux de mon périmètre."""
    client = connect(api, jeton, courriel)
    try:
        page = client.jobs()
    except ApiFailure as exc:
        console.print(f"[red]Refusé ({exc.status}) :[/red] {exc}")
        raise typer.Exit(1) from exc
    table = Table(
        "Job", "Type", "Statut", "Soumis par", "Créé le", "Lignes", "Erreurs", "Départements"
    )
    for j in page["items"]:
        table.add_row(
            str(j["id"]),
            j["type"],
            STATUTS.get(j["statut"], j["statut"]),
            j["soumis_par"] or "",
            (j["cree_le"] or "")[:19],
            str(j["lignes"]),
            str(j["erreurs"]),
            ", ".join(d["departement"] for d in j["departements"]),
        )
    console.print(table)
    console.print(f"{page['total']} job(s).")


def job(
    job_id: Annotated[int, typer.Argument(help="Numéro du job.")],
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """Affiche un job : progression par département et anomalies."""
    client = connect(api, jeton, courriel)
    try:
        detail = client.job(job_id)
    except ApiFailure as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    table = Table(
        "Département",
        "Statut",
        "Lignes",
        "Erreurs",
        "Avert.",
        "Créations",
        "Modifications",
        "Inchangés",
        "Fermetures",
    )
    for d in detail["departements"]:
        table.add_row(
            d["departement"],
            STATUTS.get(d["statut"], d["statut"]),
            str(d["lignes"]),
            str(d["erreurs"]),
            str(d["avertissements"]),
            str(d["creations"]),
            str(d["modifications"]),
            str(d["inchanges"]),
            str(d["fermetures"]),
        )
    console.print(table)
    summary(client, detail, console)
