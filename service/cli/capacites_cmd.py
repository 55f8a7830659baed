"""`offre capacites [--departement X] [--xlsx FICHIER]`: the report « capacité financée vs
occupation » through the API, like any reader (the national team sees its 101 départements)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from service.capacites.display import nombre, pourcentage
from service.cli.connect import ApiOption, CourrielOption, JetonOption, connect

console = Console(soft_wrap=True)
FIGURES = ("Dispositifs", "Capacité financée", "Installées", "Occupées", "Taux", "Écart")


def _financee(c: dict[str, Any]) -> str:
    """The sum, and how many dispositifs did not fill theirs (counted 0)."""
    missing = c["capacite_non_renseignee"]
    note = f" ({missing} non renseignée{'s' if missing > 1 else ''})" if missing else ""
    return nombre(c["capacite_financee"]) + note


def _figures(c: dict[str, Any]) -> list[str]:
    so = c["sans_objet"]
    return [
        nombre(c["dispositifs"]),
        _financee(c),
        nombre(c["places_installees"], so),
        nombre(c["places_occupees"], so),
        pourcentage(c["taux_occupation"], so),
        nombre(c["ecart"], so),
    ]


def _table(title: str, heads: Iterable[str], rows: Iterable[list[str]]) -> Table:
    table = Table(*heads, *FIGURES, title=title)
    for row in rows:
        table.add_row(*row)
    return table


def _levels(report: dict[str, Any], totals_title: str) -> None:
    console.print(
        _table(
            "Par type (chiffres dans l'unité du type)",
            ("Catégorie", "Type", "Unité"),
            (
                [t["categorie_libelle"], t["type_libelle"], t["unite"], *_figures(t)]
                for t in report["types"]
            ),
        )
    )
    console.print(
        _table(
            "Par catégorie",
            ("Catégorie", "Unité"),
            ([c["categorie_libelle"], c["unite"], *_figures(c)] for c in report["categories"]),
        )
    )
    console.print(
        _table(totals_title, ("Unité",), ([t["unite"], *_figures(t)] for t in report["totaux"]))
    )


def _departement(report: dict[str, Any]) -> None:
    console.print(
        f"Capacité financée et occupation — {report['departement']} {report['nom']}", style="bold"
    )
    if report["statut"] != "bascule":
        console.print("Département non basculé : le rapport porte sur les départements basculés.")
        return
    console.print(f"{len(report['dispositifs'])} dispositif(s) ouvert(s).")
    _levels(report, "Département")


def _national(report: dict[str, Any]) -> None:
    states = report["departements"]
    waiting = [d["departement"] for d in states if d["statut"] != "bascule"]
    console.print(
        f"Capacité financée et occupation — {report['departements_bascules']} département(s) "
        f"basculé(s) sur {len(states)}",
        style="bold",
    )
    switched = [d for d in states if d["statut"] == "bascule"]
    if switched:
        console.print(
            _table(
                "Par département",
                ("Département", "Unité"),
                (
                    [f"{d['departement']} {d['nom']}", t["unite"], *_figures(t)]
                    for d in switched
                    for t in d["totaux"]
                ),
            )
        )
        _levels(report, "Ensemble des départements basculés")
    if waiting:
        shown = ", ".join(waiting[:20]) + (" …" if len(waiting) > 20 else "")
        console.print(f"Non basculé(s) ({len(waiting)}) : {shown}")


def compact(report: dict[str, Any]) -> Table:
    """The national report in one table: each switched département, then all of them, per
    unit (what `offre demo` shows after its switch)."""
    table = Table(
        "Département",
        "Unité",
        *FIGURES,
        title=f"Capacité financée et occupation — {report['departements_bascules']} "
        f"département(s) basculé(s) sur {len(report['departements'])}",
    )
    for d in report["departements"]:
        for n, t in enumerate(d["totaux"] if d["statut"] == "bascule" else ()):
            name = "" if n else f"{d['departement']} {d['nom']}"  # once per département
            table.add_row(name, t["unite"], *_figures(t))
    table.add_section()
    for t in report["totaux"]:
        table.add_row("Ensemble", t["unite"], *_figures(t), style="bold")
    return table


def capacites(
    departement: Annotated[
        str | None, typer.Option(help="Un département (défaut : tout votre périmètre).")
    ] = None,
    xlsx: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Écrire aussi le rapport en classeur.")
    ] = None,
    api: ApiOption = None,
    jeton: JetonOption = None,
    courriel: CourrielOption = None,
) -> None:
    """Capacité financée, places installées et occupées des dispositifs ouverts des
    départements basculés : par type, catégorie, département et pour l'ensemble."""
    client = connect(api, jeton, courriel).client
    code = departement.upper() if departement else None
    report = client.capacites(code)
    content = client.capacites_xlsx(code) if xlsx else None
    if code:
        _departement(report)
    else:
        _national(report)
    if xlsx and content is not None:
        xlsx.write_bytes(content)
        console.print(f"Rapport écrit : {xlsx}")
