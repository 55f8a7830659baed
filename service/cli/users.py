"""`offre utilisateurs …`: nominative accounts, their bearer tokens and console sign-in codes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from service.auth.accounts import AccountError, add_user, identity_for
from service.auth.sessions import CODE_MINUTES, issue_code
from service.auth.tokens import issue_token
from service.config import get_settings
from service.db.engine import session_scope

app = typer.Typer(help="Comptes utilisateurs et jetons d'accès.", no_args_is_help=True)
console = Console()


@app.command("ajouter")
def ajouter(
    courriel: Annotated[str, typer.Option(help="Courriel professionnel nominatif.")],
    profil: Annotated[str, typer.Option(help="Profil unique (ex. ADMIN_DEPARTEMENTAL).")],
    departement: Annotated[
        list[str] | None,
        typer.Option(help="Département du périmètre ; répétez l'option pour plusieurs."),
    ] = None,
    entite: Annotated[
        str | None, typer.Option(help="SIREN de l'entité (profils d'entité).")
    ] = None,
) -> None:
    """Crée un compte nominatif avec un profil unique et son périmètre."""
    try:
        with session_scope() as session:
            user = add_user(session, courriel, profil, departement or (), entite)
            console.print(
                f"Compte créé : {user.courriel} ({user.profil_code}"
                + (f", départements {', '.join(departement)}" if departement else "")
                + ")."
            )
    except AccountError as exc:
        console.print(f"[red]Refusé :[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command("jeton")
def jeton(courriel: Annotated[str, typer.Option(help="Courriel du compte.")]) -> None:
    """Émet un jeton d'accès ; il est imprimé seul sur la dernière ligne."""
    with session_scope() as session:
        identity = identity_for(session, courriel)
    if identity is None:
        typer.echo(f"Aucun compte actif pour « {courriel} ».", err=True)
        raise typer.Exit(2)
    settings = get_settings()
    typer.echo(f"Jeton valable {settings.token_ttl_hours} h pour {identity.courriel} :", err=True)
    # Plain print: never wrapped, so that `| tail -1` gives a usable token.
    print(issue_token(identity.courriel, settings))


@app.command("code")
def code(courriel: Annotated[str, typer.Option(help="Courriel du compte.")]) -> None:
    """Émet un code de connexion à la console, à usage unique, valable 5 minutes ; il est
    imprimé seul sur la dernière ligne."""
    with session_scope() as session:
        identity = identity_for(session, courriel)
        if identity is None:
            typer.echo(f"Aucun compte actif pour « {courriel} ».", err=True)
            raise typer.Exit(2)
        issued = issue_code(session, identity.utilisateur_id)
    typer.echo(
        f"Code de connexion à la console pour {identity.courriel}, valable {CODE_MINUTES} "
        "minutes et une seule fois :",
        err=True,
    )
    print(issued)
