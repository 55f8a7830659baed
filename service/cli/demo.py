"""`offre demo`: the main job on the embedded default, from legacy data to an applied Temps 1."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import text

from service.auth.accounts import add_user, identity_for
from service.cli.client import Client
from service.cli.connect import Api
from service.cli.demo_temps2 import accept_proposals
from service.cli.demo_temps3 import temps3
from service.cli.explain import summary
from service.cli.progress import follow
from service.cli.rattachement_cmd import resume
from service.cli.stack import RunningStack, running_stack
from service.config import get_settings
from service.db.engine import make_engine, session_scope
from service.imports.template import build_template

console = Console()
DEMO_USER = "equipe.projet@offre-siao.gouv.fr"


def demo(
    departements: Annotated[
        str, typer.Option(help="Départements de la démonstration, séparés par des virgules.")
    ] = "75,93,13",
    taille: Annotated[
        int, typer.Option(help="Groupes de places historiques par département.")
    ] = 80,
    port: Annotated[int, typer.Option(help="Port HTTP de l'API.")] = 8000,
    garder: Annotated[
        bool, typer.Option("--garder", help="Garder la pile et la console ouvertes (Ctrl-C).")
    ] = False,
) -> None:
    """Démonstration : données SI SIAO historiques, classeur Temps 1, import suivi par
    département, application, ré-import du même fichier (rien ne doit changer), puis Temps 2 :
    classeur de rattachement de chaque département, propositions acceptées, import,
    application et chiffres du rattachement ; Temps 3 : ce qui bloque réglé par saisie,
    bascule des départements prêts, rapport capacité financée et occupation
    (national et par département), retour arrière de l'un d'eux (empreintes des tables SI
    SIAO avant / après) ; enfin l'adresse de la console web et un code de connexion à usage
    unique."""
    from service.auth.tokens import issue_token
    from service.legacy.generator import generate
    from service.legacy.temps1 import prefill_from_legacy

    codes = [c.strip().upper() for c in departements.split(",") if c.strip()]
    logs = Path(get_settings().data_dir).resolve() / "journaux"
    console.print(f"Journaux de l'API, du worker et de beat : {logs}/", highlight=False)
    with running_stack(port, logs=logs, demo=True) as stack:
        engine = make_engine(stack.database_url)
        with engine.begin() as conn:
            existing = conn.scalar(
                text("SELECT count(*) FROM siao.structure WHERE departement = ANY(:d)"),
                {"d": codes},
            )
            if existing:
                console.print(f"Données historiques déjà présentes ({existing} structures).")
            else:
                stats = generate(conn, codes, size=taille, seed=2026)
                console.print(
                    f"Données SI SIAO historiques générées pour {', '.join(codes)} en "
                    f"{stats.seconds:.2f} s : "
                    + ", ".join(f"{n} {t}" for t, n in stats.per_table.items())
                )
            legacy = prefill_from_legacy(conn, codes)
        with session_scope(engine) as session:
            if identity_for(session, DEMO_USER) is None:
                add_user(session, DEMO_USER, "ADMIN_NATIONAL")
        engine.dispose()
        workbook = Path(get_settings().data_dir).resolve() / "demo-temps1.xlsx"
        workbook.write_bytes(build_template(legacy.prefill))
        console.print(
            f"Classeur Temps 1 écrit : {workbook} — {len(legacy.prefill.entites)} entités, "
            f"{len(legacy.prefill.dispositifs)} dispositifs décrivant {legacy.structures} "
            f"structures ({legacy.skipped_without_siren} sans SIREN, laissées pour plus tard)."
        )
        client = Client(stack.api_url, issue_token(DEMO_USER, get_settings()))
        api = Api(client, f" --courriel {DEMO_USER}")
        for attempt in ("Import", "Ré-import du même fichier"):
            console.rule(attempt)
            job = client.submit(workbook, "automatique", "complement", False)
            job = follow(api, job["id"], console, until_applied=True)
            summary(api, job, console, steps=False)
            if job["statut"] != "termine":
                raise typer.Exit(1)
        for code in codes:
            console.rule(f"Temps 2 — rattachement du {code}")
            temps2(api, code, workbook.with_name(f"demo-rattachement-{code}.xlsx"))
        temps3(api, console, stack.database_url, codes)
        console.print(
            f"Offre consultable : {stack.api_url}/api/v1/departements/{codes[0]}/dispositifs "
            f"(jeton : offre utilisateurs jeton --courriel {DEMO_USER})."
        )
        _open_console(stack, garder)


def _open_console(stack: RunningStack, garder: bool) -> None:
    """The console's address and a single-use sign-in code; with ``garder``, the stack stays up
    until Ctrl-C (a new code on Entrée, as the first one lasts 5 minutes)."""
    from service.auth.sessions import CODE_MINUTES, issue_code

    def new_code() -> str:
        engine = make_engine(stack.database_url)
        try:
            with session_scope(engine) as session:
                identity = identity_for(session, DEMO_USER)
                assert identity is not None
                return issue_code(session, identity.utilisateur_id)
        finally:
            engine.dispose()

    console.rule("Console web")
    console.print(f"Ouvrez [bold]{stack.api_url}/console/[/bold] dans votre navigateur.")
    console.print(
        f"Code de connexion ({DEMO_USER}, administration nationale ; usage unique, "
        f"{CODE_MINUTES} minutes) : [bold]{new_code()}[/bold]"
    )
    if not garder:
        console.print("La pile s'arrête maintenant ; « offre demo --garder » la laisse ouverte.")
        return
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    if sys.stdin.isatty():
        threading.Thread(target=_codes_on_enter, args=(new_code, stopping), daemon=True).start()
        console.print("Entrée : un nouveau code. Ctrl-C : arrêter la pile.")
    else:
        console.print("Ctrl-C : arrêter la pile.")
    while not stopping.wait(0.5):
        if stack.dead():
            console.print(f"[red]Arrêt inattendu : {', '.join(stack.dead())}.[/red]")
            raise typer.Exit(1)


def _codes_on_enter(new_code: Callable[[], str], stopping: threading.Event) -> None:
    while not stopping.is_set():
        if sys.stdin.readline() == "":
            return
        console.print(f"Nouveau code de connexion : [bold]{new_code()}[/bold]")


def temps2(api: Api, departement: str, path: Path) -> None:
    """Export workbook 2, accept the proposals, import and apply it, print the figures."""
    client = api.client
    path.write_bytes(accept_proposals(client.rattachement_workbook(departement)))
    console.print(f"Classeur de rattachement complété : {path}")
    job = client.submit_rattachement(path, "automatique", departement)
    job = follow(api, job["id"], console, until_applied=True)
    resume(client, job)
    if job["statut"] != "termine":
        raise typer.Exit(1)
    figures = client.rattachement_progress(departement)
    g, u = figures["groupes"], figures["utilisateurs"]
    console.print(
        f"Groupes de places : {g['rattaches']} rattaché(s), {g['exclus']} exclu(s), "
        f"{g['restants']} à décider sur {g['total']} ; comptes : {u['migres']} migré(s), "
        f"{u['lies']} lié(s), {u['desactives']} désactivé(s), {u['restants']} à décider sur "
        f"{u['total']}."
    )
    if figures["bloquants"]:
        console.print(
            "Reste avant le Temps 3 : "
            + ", ".join(f"{code} {n}" for code, n in figures["bloquants"].items())
        )
