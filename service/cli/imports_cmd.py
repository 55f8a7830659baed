"""`offre importer`, `offre jobs`, `offre job`: imports through the API, with live progress and
what to do next."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from service.cli.connect import ApiOption, CourrielOption, JetonOption, connect
from service.cli.explain import libelle, summary
from service.cli.progress import follow, watching

console = Console(soft_wrap=True)  # whole lines: they hold commands to copy

JobArgument = Annotated[int, typer.Argument(metavar="JOB", help="Numéro du job.")]


def importer(
    fichier: Annotated[
        Path,
        typer.Argument(metavar="FICHIER", exists=True, dir_okay=False, help="Classeur à importer."),
    ],
    appliquer: Annotated[
        bool,
        typer.Option("--appliquer", help="Appliquer dès l'analyse finie, s'il n'y a pas d'erreur."),
    ] = False,
    mode: Annotated[
        Literal["complement", "miroir"],
        typer.Option(
            help="complement : ajoute et met à jour ; miroir : ferme aussi les dispositifs "
            "absents du fichier."
        ),
    ] = "complement",
    par_departement: Annotated[
        bool,
        typer.Option("--par-departement", help="Appliquer les départements sans erreur."),
    ] = False,
    attendre: Annotated[
        bool,
        typer.Option(
            "--attendre/--sans-attendre", help="Suivre le job jusqu'à la fin de l'analyse."
        ),
    ] = True,
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """Dépose un classeur Temps 1 (entités et dispositifs), suit son analyse et dit la suite."""
    target = connect(api, jeton, courriel)
    application = "automatique" if appliquer else "manuelle"
    job = target.client.submit(fichier, application, mode, par_departement)
    with watching(target, job["id"]):
        console.print(f"Job {job['id']} créé pour {fichier.name}.", highlight=False)
        if attendre:
            job = follow(target, job["id"], console, until_applied=appliquer)
    summary(target, job, console)
    if job["statut"] in ("invalide", "echec"):
        raise typer.Exit(1)


def jobs(api: ApiOption = None, jeton: JetonOption = None, courriel: CourrielOption = None) -> None:
    """Liste mes jobs et ceux de mon périmètre, du plus récent au plus ancien."""
    target = connect(api, jeton, courriel)
    page = target.client.jobs()
    table = Table(
        "Job", "Type", "Statut", "Soumis par", "Créé le", "Lignes", "Erreurs", "Départements"
    )
    for j in page["items"]:
        table.add_row(
            str(j["id"]),
            j.get("libelle_type") or j["type"],
            libelle(j["statut"]),
            j["soumis_par"] or "",
            (j["cree_le"] or "")[:19].replace("T", " "),
            str(j["lignes"]),
            str(j["erreurs"]),
            ", ".join(d["departement"] for d in j["departements"]),
        )
    console.print(table)
    console.print(f"{page['total']} job(s).")
    if not page["total"]:
        console.print("Déposez un classeur : offre importer FICHIER" + target.identity)


def job(
    job_id: JobArgument,
    suivre: Annotated[
        bool, typer.Option("--suivre", help="Suivre sa progression jusqu'à ce qu'il s'arrête.")
    ] = False,
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """Affiche un job : progression par département, premières anomalies, et la suite."""
    target = connect(api, jeton, courriel)
    if suivre:
        detail = follow(target, job_id, console, until_applied=True)
    else:
        detail = target.client.job(job_id)
    summary(target, detail, console)
