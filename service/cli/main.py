"""The `offre` command line (in French, like its users)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from service.cli import (
    bascule_cmd,
    capacites_cmd,
    demo,
    files_cmd,
    flow_cmd,
    historique,
    imports_cmd,
    rattachement_cmd,
    stack,
    users,
)
from service.cli.chrome import FrenchTyper
from service.cli.failures import require_database

app = FrenchTyper(help="SI SIAO — Module Offre : import, rattachement et bascule.")
db_app = FrenchTyper(help="Schéma de la base de données.")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Applique les migrations à la base DATABASE_URL."""
    from service.db.migrate import upgrade

    upgrade(require_database())
    typer.echo("Base à jour.")


@app.command()
def modele(
    fichier: Annotated[
        Path, typer.Argument(metavar="FICHIER", dir_okay=False, help="Chemin du classeur à écrire.")
    ],
) -> None:
    """Écrit le modèle Temps 1 à remplir (entités et dispositifs, listes déroulantes,
    Lisez-moi)."""
    from service.imports.template import build_template

    fichier.write_bytes(build_template())
    typer.echo(f"Modèle écrit : {fichier}")
    typer.echo(f"Remplissez-le, puis : offre importer {fichier} --courriel VOTRE_COURRIEL")


COMMANDS: tuple[Callable[..., None], ...] = (
    stack.up,
    demo.demo,
    *stack.SERVERS,
    imports_cmd.importer,
    imports_cmd.jobs,
    imports_cmd.job,
    flow_cmd.apercu,
    flow_cmd.appliquer,
    flow_cmd.annuler,
    flow_cmd.revenir,
    files_cmd.anomalies,
    files_cmd.rapport,
    capacites_cmd.capacites,
)
for command in COMMANDS:
    app.command()(command)
app.add_typer(db_app, name="db")
app.add_typer(users.app, name="utilisateurs")
app.add_typer(historique.app, name="historique")
app.add_typer(rattachement_cmd.app, name="rattachement")
app.add_typer(bascule_cmd.app, name="bascule")
