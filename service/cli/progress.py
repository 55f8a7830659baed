"""Live display of a job: one progress bar per département, then a summary of anomalies."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from service.cli.client import Client

STATUTS = {
    "en_attente": "en attente",
    "analyse": "analyse",
    "valide": "validé",
    "invalide": "invalide",
    "application": "application",
    "termine": "terminé",
    "echec": "échec",
    "annule": "annulé",
}
WAITING = ("en_attente", "analyse", "application")


def counts(dep: dict[str, Any]) -> str:
    return (
        f"{dep['creations']} création(s), {dep['modifications']} modification(s), "
        f"{dep['inchanges']} inchangé(s), {dep['erreurs']} erreur(s)"
    )


def follow(
    client: Client,
    job_id: int,
    console: Console,
    until_applied: bool,
    detail: Callable[[dict[str, Any]], str] = counts,
) -> dict[str, Any]:
    """Poll the job until it stops moving (JSON polling gives the same figures as events);
    ``detail`` says what a département's unit did, next to its bar."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[etat]}"),
        console=console,
        transient=False,
    ) as progress:
        overall = progress.add_task(f"Job {job_id}", total=None, etat="")
        bars: dict[str, TaskID] = {}
        while True:
            job = client.job(job_id)
            progress.update(
                overall,
                completed=job["traitees"],
                total=job["lignes"] or None,
                etat=STATUTS.get(job["statut"], job["statut"]),
            )
            for dep in job["departements"]:
                if dep["departement"] not in bars:
                    bars[dep["departement"]] = progress.add_task(
                        f"  {dep['departement']:>3}", total=dep["lignes"] or 1, etat=""
                    )
                done = (
                    dep["lignes"]
                    if dep["statut"] in ("termine", "valide", "invalide")
                    else (dep["traitees"] if dep["statut"] != "application" else 0)
                )
                progress.update(
                    bars[dep["departement"]],
                    total=dep["lignes"] or 1,
                    completed=done or 0,
                    etat=f"{STATUTS.get(dep['statut'], dep['statut'])} — {detail(dep)}",
                )
            if job["statut"] not in WAITING and not (
                until_applied
                and job["statut"] == "valide"
                and job["options"].get("application") == "automatique"
            ):
                return job
            time.sleep(0.5)


def summary(client: Client, job: dict[str, Any], console: Console) -> None:
    console.print(
        f"Job {job['id']} : [bold]{STATUTS.get(job['statut'], job['statut'])}[/bold] — "
        f"{job['lignes']} ligne(s), {job['erreurs']} erreur(s), "
        f"{job['avertissements']} avertissement(s) ; {job['creations']} création(s), "
        f"{job['modifications']} modification(s), {job['inchanges']} inchangé(s), "
        f"{job['fermetures']} fermeture(s)."
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
