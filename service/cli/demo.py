"""`offre demo`: the main job on the embedded default, from legacy data to an applied Temps 1."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import text

from service.auth.accounts import add_user, identity_for
from service.cli.client import Client
from service.cli.connect import Api
from service.cli.explain import summary
from service.cli.progress import follow
from service.cli.stack import running_stack
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
) -> None:
    """Démonstration : données SI SIAO historiques, classeur Temps 1, import suivi par
    département, application, puis ré-import du même fichier (rien ne doit changer)."""
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
        console.print(
            f"Offre consultable : {stack.api_url}/api/v1/departements/{codes[0]}/dispositifs "
            f"(jeton : offre utilisateurs jeton --courriel {DEMO_USER})."
        )
