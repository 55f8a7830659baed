"""`offre utilisateurs …`: nominative accounts (created, listed, changed, deactivated — each
change audited), their bearer tokens and console sign-in codes. They write to the database of
the stack directly: an operator of the service manages its accounts, not an API user."""

from __future__ import annotations

import getpass
import socket
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from service.auth.accounts import (
    AccountError,
    Scope,
    add_user,
    deactivate_user,
    identity_for,
    list_users,
    update_user,
)
from service.auth.sessions import CODE_MINUTES, issue_code
from service.auth.tokens import issue_token
from service.cli.chrome import FrenchTyper
from service.cli.failures import CliError, require_database
from service.config import get_settings
from service.db.engine import session_scope

app = FrenchTyper(help="Comptes utilisateurs et jetons d'accès.")
console = Console(soft_wrap=True)
REFUSED = 2

CourrielOption = Annotated[str, typer.Option("--courriel", help="Courriel du compte.")]
DepartementsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--departement", help="Département du périmètre ; répétez l'option pour plusieurs."
    ),
]
EntiteOption = Annotated[
    str | None, typer.Option("--entite", help="SIREN de l'entité (profils d'entité).")
]


def _operator() -> str:
    """Who ran the command, for the audit trail (no account behind the command line)."""
    return f"{getpass.getuser()}@{socket.gethostname()} (ligne de commande)"


def _scope_text(scope: Scope) -> str:
    text = scope.profil
    if scope.departements:
        text += f", départements {', '.join(scope.departements)}"
    if scope.entite_id is not None:
        text += f", entité n° {scope.entite_id}"
    return text


@app.command("ajouter")
def ajouter(
    courriel: Annotated[str, typer.Option("--courriel", help="Courriel professionnel nominatif.")],
    profil: Annotated[
        str, typer.Option("--profil", help="Profil unique (ex. ADMIN_SIAO, ADMIN_DEPARTEMENTAL).")
    ],
    departement: DepartementsOption = None,
    entite: EntiteOption = None,
) -> None:
    """Crée un compte nominatif avec un profil unique et son périmètre."""
    require_database()
    try:
        with session_scope() as session:
            user = add_user(session, courriel, profil, departement or (), entite, par=_operator())
            said = f"Compte créé : {user.courriel} ({user.profil_code}"
            said += f", départements {', '.join(departement)})." if departement else ")."
    except AccountError as exc:
        raise CliError(f"Refusé : {exc}", REFUSED) from exc
    console.print(said, highlight=False)
    console.print(
        f"Son jeton d'accès : offre utilisateurs jeton --courriel {user.courriel}", highlight=False
    )


@app.command("liste")
def liste(
    tous: Annotated[bool, typer.Option("--tous", help="Les comptes désactivés aussi.")] = False,
) -> None:
    """Liste les comptes : courriel, profil, départements, entité, état."""
    require_database()
    with session_scope() as session:
        accounts = list_users(session, include_inactive=tous)
    table = Table("Courriel", "Profil", "Départements", "Entité (SIREN)", "État", "Créé le")
    for a in accounts:
        table.add_row(
            a.courriel,
            a.profil,
            ", ".join(a.departements),
            a.entite_siren or "",
            "actif" if a.actif else "désactivé",
            a.cree_le.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)
    console.print(f"{len(accounts)} compte(s).")


@app.command("modifier")
def modifier(
    courriel: CourrielOption,
    profil: Annotated[str | None, typer.Option("--profil", help="Nouveau profil.")] = None,
    departement: DepartementsOption = None,
    entite: EntiteOption = None,
) -> None:
    """Change le profil et/ou le périmètre d'un compte actif (les départements donnés
    remplacent les anciens)."""
    require_database()
    if profil is None and departement is None and entite is None:
        raise CliError("Indiquez ce qui change : --profil, --departement ou --entite.", REFUSED)
    try:
        with session_scope() as session:
            before, after = update_user(
                session, courriel, profil, departement, entite, par=_operator()
            )
    except AccountError as exc:
        raise CliError(f"Refusé : {exc}", REFUSED) from exc
    console.print(
        f"Compte modifié : {courriel} — avant : {_scope_text(before)} ; "
        f"après : {_scope_text(after)}.",
        highlight=False,
    )


@app.command("desactiver")
def desactiver(courriel: CourrielOption) -> None:
    """Désactive un compte : il ne peut plus ni lire ni agir ; ses jobs restent, à son nom."""
    require_database()
    try:
        with session_scope() as session:
            user = deactivate_user(session, courriel, par=_operator())
            email = user.courriel
    except AccountError as exc:
        raise CliError(f"Refusé : {exc}", REFUSED) from exc
    console.print(f"Compte désactivé : {email}.", highlight=False)


@app.command("jeton")
def jeton(courriel: CourrielOption) -> None:
    """Émet un jeton d'accès ; il est imprimé seul sur la dernière ligne."""
    require_database()
    with session_scope() as session:
        identity = identity_for(session, courriel)
    if identity is None:
        raise CliError(f"Aucun compte actif pour « {courriel} ».", REFUSED)
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
