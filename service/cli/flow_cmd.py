"""`offre apercu`, `offre appliquer`, `offre annuler`, `offre revenir`: the rest of a job's life,
through the API, each saying what comes next."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from service.cli.client import pages
from service.cli.connect import Api, ApiOption, CourrielOption, JetonOption, connect
from service.cli.explain import summary
from service.cli.failures import CliError
from service.cli.imports_cmd import JobArgument
from service.cli.progress import follow, watching

console = Console(soft_wrap=True)
ACTIONS = {
    "creation": "Créations",
    "modification": "Modifications",
    "fermeture": "Fermetures",
}
# Unchanged rows are counted, not listed (the job's « inchanges »).
UNCHANGED = "inchange"
SHOWN_PER_ACTION = 10
NOT_CONFIRMED = 1


def _describe(item: dict[str, Any]) -> str:
    if item.get("changements"):
        return "\n".join(
            f"{field} : {_value(change['avant'])} → {_value(change['apres'])}"
            for field, change in item["changements"].items()
        )
    values = item.get("valeurs") or {}
    return str(values.get("nom") or values.get("raison_sociale") or "")


def _value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(vide)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _key(item: dict[str, Any]) -> str:
    """The identifiant, or the key when it is one a person reads (a SIREN), not an internal
    composite one."""
    if item.get("identifiant"):
        return str(item["identifiant"])
    if "|" not in item["cle"]:
        return str(item["cle"])
    return "(nouveau)" if item["action"] == "creation" else str(item["cle"])


def _plan_table(title: str, items: list[dict[str, Any]]) -> Table:
    table = Table("Feuille", "Ligne", "Dépt", "Identifiant / clé", "Détail", title=title)
    for item in items:
        table.add_row(
            item["feuille"],
            str(item["ligne"] or ""),
            item["departement"] or "",
            _key(item),
            _describe(item),
        )
    return table


def apercu(
    job_id: JobArgument,
    action: Annotated[
        str | None,
        typer.Option(help="creation, modification ou fermeture : cette action seule."),
    ] = None,
    departement: Annotated[str | None, typer.Option(help="Ce département seul.")] = None,
    toutes: Annotated[bool, typer.Option("--toutes", help="Toutes les lignes du plan.")] = False,
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """Le plan d'un job : ce qui sera créé, modifié (ancien → nouveau) et fermé."""
    if action is not None and action not in ACTIONS and action != UNCHANGED:
        raise typer.BadParameter(
            f"« {action} » n'est pas une action ; actions possibles : {', '.join(ACTIONS)}.",
            param_hint="--action",
        )
    target = connect(api, jeton, courriel)
    filters = {"departement": departement.upper()} if departement else {}
    wanted = [action] if action in ACTIONS else [] if action else list(ACTIONS)
    for name in wanted:

        def fetch(page: int, name: str = name) -> Any:
            return target.client.plan(job_id, page=page, taille=200, action=name, **filters)

        first = fetch(1)
        if not first["total"]:
            continue
        items = list(pages(fetch)) if toutes else first["items"][:SHOWN_PER_ACTION]
        console.print(_plan_table(f"{ACTIONS[name]} ({first['total']})", items))
        if len(items) < first["total"]:
            more = ["--action", name, "--toutes"]
            if departement:
                more += ["--departement", departement]
            console.print(
                f"… et {first['total'] - len(items)} autre(s) : "
                f"{target.cmd('apercu', job_id, *more)}",
                highlight=False,
            )
    summary(target, target.client.job(job_id), console, anomalies=False)


def appliquer(
    job_id: JobArgument,
    fermetures: Annotated[
        int | None,
        typer.Option(help="Mode miroir : le nombre de fermetures annoncé par l'aperçu."),
    ] = None,
    attendre: Annotated[
        bool, typer.Option("--attendre/--sans-attendre", help="Suivre l'application.")
    ] = True,
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """Confirme et applique le plan d'un job validé, département par département."""
    target = connect(api, jeton, courriel)
    job = target.client.apply(job_id, fermetures)
    with watching(target, job_id):
        console.print(f"Application du job {job_id} demandée.", highlight=False)
        if attendre:
            job = follow(target, job_id, console, until_applied=True)
    summary(target, job, console)
    if job["statut"] == "echec":
        raise typer.Exit(1)


def annuler(
    job_id: JobArgument,
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """Abandonne un job : rien n'est écrit s'il n'est pas encore appliqué ; en cours, il
    s'arrête entre deux lots ou deux départements."""
    target = connect(api, jeton, courriel)
    job = target.client.cancel(job_id)
    if job["statut"] == "annule":
        console.print(f"Job {job_id} annulé.", highlight=False)
    else:
        console.print(
            f"Annulation du job {job_id} demandée : il s'arrête entre deux lots ou deux "
            "départements.",
            highlight=False,
        )
    summary(target, job, console)


def _say_revert(preview: dict[str, Any]) -> None:
    console.print(f"Le retour arrière du job {preview['job_source_id']} va :", highlight=False)
    for part in preview["parties"]:
        where = f"département {part['departement']}" if part["departement"] else "entités"
        what = []
        if part["a_restaurer"]:
            what.append(f"remettre {part['a_restaurer']} ligne(s) dans leur état d'avant le job")
        if part["a_supprimer"]:
            what.append(f"supprimer {part['a_supprimer']} ligne(s) que le job a créée(s)")
        console.print(f"  {where} : {' ; '.join(what) or 'rien à rétablir'}", highlight=False)
    if not preview["parties"]:
        console.print("  rien : le job n'a rien écrit dans ce périmètre.", highlight=False)
    if not preview["job_entier"]:
        console.print("  (les entités ne sont rétablies qu'avec le job entier)", highlight=False)


def _confirmed(question: str) -> bool:
    if not sys.stdin.isatty():
        raise CliError(
            "Confirmation impossible sans terminal : ajoutez --oui pour confirmer.", NOT_CONFIRMED
        )
    try:
        answer = input(f"{question} [o/N] ")
    except (EOFError, KeyboardInterrupt):
        console.print()
        return False
    return answer.strip().lower() in ("o", "oui", "y", "yes")


def revenir(
    job_id: JobArgument,
    departement: Annotated[
        list[str] | None,
        typer.Option(help="Ce département seul ; répétez l'option pour plusieurs."),
    ] = None,
    oui: Annotated[bool, typer.Option("--oui", help="Confirmer sans question (scripts).")] = False,
    forcer: Annotated[
        bool,
        typer.Option(
            "--forcer", help="Écraser les modifications postérieures (administration nationale)."
        ),
    ] = False,
    attendre: Annotated[
        bool, typer.Option("--attendre/--sans-attendre", help="Suivre le retour arrière.")
    ] = True,
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """Retour arrière : rétablit ce que le job avait écrit, après avoir montré quoi et demandé
    confirmation."""
    target = connect(api, jeton, courriel)
    codes = [d.upper() for d in departement or []]
    preview = target.client.revert_preview(job_id, codes)
    existing = preview.get("retour_arriere_job_id")
    if existing:
        raise CliError(
            f"Un retour arrière est déjà demandé pour ce job : le job {existing} "
            f"({target.cmd('job', existing)})."
        )
    _say_revert(preview)
    if preview["modifications_depuis"]:
        console.print("D'autres jobs ont modifié ces lignes depuis :", highlight=False)
        for change in preview["modifications_depuis"]:
            console.print(f"  {change}", highlight=False)
        if not forcer:
            raise CliError(
                "Retour arrière refusé : il effacerait ces modifications. L'administration "
                "nationale peut le forcer (--forcer)."
            )
    if not oui and not _confirmed(f"Revenir en arrière sur le job {job_id} ?"):
        raise CliError("Abandon : rien n'a été fait.", NOT_CONFIRMED)
    revert = target.client.revert(job_id, codes, forcer)
    with watching(target, revert["id"]):
        console.print(f"Retour arrière demandé : job {revert['id']}.", highlight=False)
        if attendre:
            revert = follow(target, revert["id"], console, until_applied=True)
    _done(target, revert)


def _done(target: Api, revert: dict[str, Any]) -> None:
    summary(target, revert, console)
    if revert["statut"] == "echec":
        raise typer.Exit(1)
