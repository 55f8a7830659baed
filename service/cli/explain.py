"""What a job means for the person at the terminal: its counts in the right tense (« à créer »
until applied, « créés » after), its anomalies (the Entités sheet first, as the file is fixed
in that order), and the command that comes next."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from service.cli.client import Client, pages
from service.cli.connect import Api
from service.jobs.enums import Statut

ENTITES = "Entités"
FIRST_ANOMALIES = 15
_PLANNED = (
    ("creations", "à créer"),
    ("modifications", "à modifier"),
    ("inchanges", "inchangé(s)"),
    ("fermetures", "à fermer"),
)
_DONE = (
    ("creations", "créé(s)"),
    ("modifications", "modifié(s)"),
    ("inchanges", "inchangé(s)"),
    ("fermetures", "fermé(s)"),
)
# Stages after which the entités of an import are written.
_ENTITES_WRITTEN = ("departements", "cloture", "fin")


def libelle(statut: str) -> str:
    """A state as users read it (with its accents)."""
    try:
        return Statut(statut).libelle
    except ValueError:
        return statut


def counts(figures: dict[str, Any], applied: bool) -> str:
    words = _DONE if applied else _PLANNED
    return ", ".join(
        f"{figures.get(key, 0)} {word}"
        for key, word in words
        if figures.get(key) or key in ("creations", "modifications")
    )


def departement_line(dep: dict[str, Any], job_type: str) -> str:
    label = libelle(dep["statut"])
    if job_type == "retour_arriere":
        return f"{label}" + (f" — {dep['message']}" if dep.get("message") else "")
    line = f"{label} — {counts(dep, dep['statut'] == 'termine')}"
    if dep.get("erreurs"):
        line += f", {dep['erreurs']} erreur(s)"
    if dep.get("message") and dep["statut"] in ("echec", "annule"):
        line += f" ({dep['message']})"
    return line


def summary(
    api: Api, job: dict[str, Any], console: Console, steps: bool = True, anomalies: bool = True
) -> None:
    """The job, its départements, its first anomalies and what to do next."""
    title = job.get("libelle_type") or job["type"]
    if job.get("job_source_id"):
        title += f" du job {job['job_source_id']}"
    line = f"Job {job['id']} — {title} : [bold]{libelle(job['statut'])}[/bold]."
    if job["type"] != "retour_arriere":  # it reads no file
        line += (
            f" {job['lignes']} ligne(s) lue(s), {job['erreurs']} erreur(s), "
            f"{job['avertissements']} avertissement(s)."
        )
    console.print(line, highlight=False)
    if job.get("message"):
        console.print(f"  {job['message']}", highlight=False)
    if "entites" in job:
        written = job["statut"] != "annule" and job.get("etape") in _ENTITES_WRITTEN
        console.print(f"  Entités : {counts(job['entites'], written)}", highlight=False)
    for dep in job["departements"]:
        console.print(
            f"  {dep['departement']:>3} : {departement_line(dep, job['type'])}", highlight=False
        )
    if "entites" in job and job["departements"]:
        console.print(f"  Total : {counts(job, job['statut'] == 'termine')}", highlight=False)
    if anomalies and (job["erreurs"] or job["avertissements"]):
        items, total = first_anomalies(api.client, job["id"], FIRST_ANOMALIES)
        console.print(anomalies_table(items, f"Anomalies ({total})"))
        if total > len(items):
            more = api.cmd("anomalies", job["id"], "--toutes")
            console.print(f"… et {total - len(items)} autre(s) : {more}", highlight=False)
    for line in next_steps(api, job) if steps else ():
        console.print(line, highlight=False)


def first_anomalies(client: Client, job_id: int, limit: int) -> tuple[list[Any], int]:
    """The first ``limit`` anomalies, those of the Entités sheet first; and their total."""
    entites = client.anomalies(job_id, taille=limit, feuille=ENTITES)
    items = list(entites["items"])
    total = client.anomalies(job_id, taille=1)["total"]
    if len(items) < limit:
        for item in pages(lambda page: client.anomalies(job_id, page=page, taille=200)):
            if len(items) >= limit:
                break
            if item["feuille"] != ENTITES:
                items.append(item)
    return items, total


def all_anomalies(client: Client, job_id: int) -> Any:
    """Every anomaly, the Entités sheet first."""
    yield from pages(lambda p: client.anomalies(job_id, page=p, taille=1000, feuille=ENTITES))
    for item in pages(lambda p: client.anomalies(job_id, page=p, taille=1000)):
        if item["feuille"] != ENTITES:
            yield item


def anomalies_table(items: Any, title: str) -> Table:
    table = Table("Feuille", "Ligne", "Colonne", "Valeur", "Sévérité", "Code", "Message")
    table.title = title
    for a in items:
        table.add_row(
            a["feuille"],
            str(a["ligne"] or ""),
            a["colonne"],
            a["valeur"],
            a["severite"],
            a["code"],
            a["message"],
        )
    return table


def next_steps(api: Api, job: dict[str, Any]) -> list[str]:
    """What the person can do now, as commands to copy."""
    job_id, state = job["id"], job["statut"]
    if state in ("en_attente", "analyse", "application"):
        return [f"Le job continue. Pour le suivre : {api.cmd('job', job_id, '--suivre')}"]
    if job["type"] == "retour_arriere":
        return []
    if state == "valide":
        closures = job.get("fermetures") or 0
        apply = api.cmd("appliquer", job_id, *(["--fermetures", closures] if closures else []))
        lines = [
            "Rien n'a encore été écrit.",
            f"  Voir le plan : {api.cmd('apercu', job_id)}",
            f"  L'appliquer : {apply}",
            f"  L'abandonner : {api.cmd('annuler', job_id)}",
        ]
        if job["erreurs"]:
            lines.insert(1, "  Les départements en erreur ne seront pas appliqués.")
        return lines
    if state == "invalide":
        return [
            "Rien n'a été écrit : le fichier doit être corrigé.",
            f"  Toutes les anomalies : {api.cmd('anomalies', job_id, '--toutes')}",
            "  Le classeur annoté, à corriger : "
            + api.cmd("rapport", job_id, f"rapport-{job_id}.xlsx"),
            "  Puis déposez le fichier corrigé : offre importer FICHIER" + api.identity,
        ]
    if state == "termine":
        return [f"Pour revenir en arrière : {api.cmd('revenir', job_id)}"]
    if state == "echec":
        return [f"Le détail par département : {api.cmd('job', job_id)}"]
    return []
