"""The `offre` command line (in French, like its users)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.cli import bascule_cmd, demo, historique, imports_cmd, rattachement_cmd, stack, users

app = typer.Typer(
    help="SI SIAO — Module Offre : import, rattachement et bascule.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="Schéma de la base de données.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Applique les migrations à la base DATABASE_URL."""
    from service.db.migrate import upgrade

    upgrade()
    typer.echo("Base à jour.")


@app.command()
def modele(
    fichier: Annotated[Path, typer.Argument(dir_okay=False, help="Chemin du classeur à écrire.")],
) -> None:
    """Écrit le modèle Temps 1 (entités et dispositifs, listes déroulantes, Lisez-moi)."""
    from service.imports.template import build_template

    fichier.write_bytes(build_template())
    typer.echo(f"Modèle écrit : {fichier}")


app.command()(stack.up)
app.command()(demo.demo)
app.command()(stack.api)
app.command()(stack.worker)
app.command()(stack.beat)
app.command()(stack.flower)
app.command()(imports_cmd.importer)
app.command()(imports_cmd.jobs)
app.command()(imports_cmd.job)
app.add_typer(db_app, name="db")
app.add_typer(users.app, name="utilisateurs")
app.add_typer(historique.app, name="historique")
app.add_typer(rattachement_cmd.app, name="rattachement")
app.add_typer(bascule_cmd.app, name="bascule")
