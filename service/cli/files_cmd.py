"""`offre anomalies`, `offre rapport`: every anomaly of a job, on the terminal or as files to
work on (the annotated workbook, the CSV)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from service.cli.connect import ApiOption, CourrielOption, JetonOption, connect
from service.cli.explain import FIRST_ANOMALIES, all_anomalies, anomalies_table, first_anomalies
from service.cli.failures import CliError
from service.cli.imports_cmd import JobArgument

console = Console(soft_wrap=True)
said = Console(stderr=True, soft_wrap=True)  # what is not the file itself, when it goes to stdout
# Past this many anomalies a table on the terminal helps nobody: the CSV does.
TABLE_LIMIT = 5_000


def _waiting(nom: str) -> Callable[[int], None]:
    def say(delay: int) -> None:
        said.print(f"« {nom} » en préparation : nouvel essai dans {delay} s…", highlight=False)

    return say


def anomalies(
    job_id: JobArgument,
    toutes: Annotated[
        bool, typer.Option("--toutes", help="Toutes, pas seulement les premières.")
    ] = False,
    csv: Annotated[
        bool,
        typer.Option("--csv", help="Toutes, en CSV (point-virgule, UTF-8) sur la sortie standard."),
    ] = False,
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """Les anomalies d'un job, celles de la feuille Entités d'abord : feuille, ligne, colonne,
    valeur, code et message."""
    target = connect(api, jeton, courriel)
    if csv:
        out = sys.stdout.buffer
        target.client.download(job_id, "anomalies.csv", out, _waiting("anomalies.csv"))
        sys.stdout.buffer.flush()
        return
    if not toutes:
        items, total = first_anomalies(target.client, job_id, FIRST_ANOMALIES)
        console.print(anomalies_table(items, f"Anomalies du job {job_id} ({total})"))
        if total > len(items):
            more = target.cmd("anomalies", job_id, "--toutes")
            console.print(f"… et {total - len(items)} autre(s) : {more}", highlight=False)
        return
    total = target.client.anomalies(job_id, taille=1)["total"]
    if total > TABLE_LIMIT:
        raise CliError(
            f"Le job {job_id} a {total} anomalies : trop pour un tableau. Prenez le CSV "
            f"({target.cmd('anomalies', job_id, '--csv')} > anomalies-{job_id}.csv) ou le "
            f"classeur annoté ({target.cmd('rapport', job_id, f'rapport-{job_id}.xlsx')})."
        )
    every = all_anomalies(target.client, job_id)
    console.print(anomalies_table(every, f"Anomalies du job {job_id} ({total})"))


def rapport(
    job_id: JobArgument,
    fichier: Annotated[
        Path, typer.Argument(metavar="FICHIER", dir_okay=False, help="Classeur à écrire (.xlsx).")
    ],
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """Télécharge le classeur annoté : vos feuilles, cellules en erreur en rouge et
    avertissements en orange, commentées, et une première feuille « Anomalies ». Corrigé, il se
    ré-importe."""
    if not fichier.parent.is_dir():
        raise CliError(f"Le dossier « {fichier.parent} » n'existe pas.", 2)
    target = connect(api, jeton, courriel)
    draft = fichier.with_name(f".{fichier.name}.partiel")
    try:
        with draft.open("wb") as out:
            target.client.download(job_id, "rapport.xlsx", out, _waiting("rapport.xlsx"))
        draft.replace(fichier)
    finally:
        draft.unlink(missing_ok=True)
    console.print(f"Rapport écrit : {fichier}", highlight=False)
    console.print(
        f"Corrigez-le puis déposez-le : {target.cmd('importer', fichier)}", highlight=False
    )
