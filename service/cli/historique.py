"""`offre historique …`: fictitious legacy SI SIAO data for demos, tests and measurements.

It must never write fake rows into a real SI SIAO: by default it writes into the embedded
PostgreSQL of the data folder (the one `offre up` uses); into the database of DATABASE_URL only
when OFFRE_ALLOW_DEMO_DATA=1 says that this database is a demo one; and never for a département
that already has legacy rows.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import Connection, text

from service.cli.chrome import FrenchTyper
from service.config import get_settings
from service.legacy.generator import DEFAULT_SIZE, generate
from service.referentiels.departements import check_departement

if TYPE_CHECKING:
    from service.legacy.noisy_temps1 import NoisyTemps1

app = FrenchTyper(help="Données SI SIAO historiques fictives.")
console = Console(soft_wrap=True)  # plain lines: the output is read and grepped
REFUSED = 2
_LIBELLES = {
    "entite": "entités",
    "structure": "structures",
    "groupe_places": "groupes de places",
    "utilisateur": "comptes utilisateurs",
    "utilisateur_profil": "profils historiques de ces comptes",
}


def _refuse(message: str) -> typer.Exit:
    console.print(f"[red]Refusé :[/red] {message}", highlight=False)
    return typer.Exit(REFUSED)


def _database() -> tuple[str, Any]:
    """The URL to write to and the embedded server's handle (None for DATABASE_URL)."""
    settings = get_settings()
    running = settings.running_stack
    if running is not None and running.embedded_postgres and settings.database_from_stack:
        return running.database_url, None  # the embedded database, `offre up` serving it
    if settings.database_url:
        if not settings.allow_demo_data:
            raise _refuse(
                "DATABASE_URL désigne une base configurée, qui peut être un SI SIAO réel. "
                "Pour y écrire des données fictives, définissez OFFRE_ALLOW_DEMO_DATA=1 ; "
                "sans DATABASE_URL, la base embarquée du dossier de données est utilisée."
            )
        return settings.database_url, None
    from service.db.migrate import upgrade
    from service.embedded import start_postgres

    data_dir = Path(settings.data_dir).resolve()
    console.print(f"PostgreSQL embarqué dans {data_dir / 'postgres'}…", highlight=False)
    url, handle = start_postgres(data_dir)
    upgrade(url)
    return url, handle


def _codes(departements: list[str]) -> list[str]:
    codes: list[str] = []
    for raw in departements:
        checked = check_departement(raw)
        if checked.value is None:
            raise _refuse(f"« {raw} » n'est pas un code de département (ex. 75, 2A, 971).")
        if checked.value not in codes:
            codes.append(checked.value)
    return codes


def _already_there(conn: Connection, codes: list[str]) -> dict[str, int]:
    """Legacy rows (structures and accounts) per département, read under the generator's lock."""
    conn.execute(
        text(
            "LOCK TABLE siao.entite, siao.structure, siao.groupe_places, siao.utilisateur "
            "IN SHARE ROW EXCLUSIVE MODE"
        )
    )
    rows = conn.execute(
        text(
            "SELECT departement, count(*) FROM (SELECT departement FROM siao.structure "
            "WHERE departement = ANY(:d) UNION ALL SELECT departement FROM siao.utilisateur "
            "WHERE departement = ANY(:d)) t GROUP BY departement ORDER BY departement"
        ),
        {"d": codes},
    )
    return {code: count for code, count in rows}


@app.command("generer")
def generer(
    departement: Annotated[
        list[str], typer.Option("--departement", help="Département ; répétez l'option.")
    ],
    taille: Annotated[
        int, typer.Option(min=1, help="Groupes de places par département (comptes ≈ 0,75 ×).")
    ] = DEFAULT_SIZE,
    graine: Annotated[int, typer.Option(help="Mêmes arguments et graine : mêmes données.")] = 0,
    classeur_bruite: Annotated[
        Path | None,
        typer.Option(
            "--classeur-bruite",
            dir_okay=False,
            help="Écrit aussi le classeur Temps 1 « bruité » tiré de ces structures (mesure du "
            "Temps 2) et sa vérité terrain à côté (FICHIER.verite.csv).",
        ),
    ] = None,
) -> None:
    """Génère des structures, groupes de places et comptes SI SIAO fictifs pour des
    départements qui n'en ont pas encore."""
    from service.db.engine import make_engine
    from service.legacy.noisy_temps1 import noisy_from_legacy

    codes = _codes(departement)
    url, _server = _database()  # an embedded server lives as long as its handle
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            present = _already_there(conn, codes)
            if present:
                detail = ", ".join(f"{code} ({n} lignes)" for code, n in present.items())
                raise _refuse(
                    f"des données SI SIAO historiques existent déjà pour {detail}. Le générateur "
                    "n'écrit jamais de données fictives à côté de données existantes."
                )
            stats = generate(conn, codes, size=taille, seed=graine)
            noisy = noisy_from_legacy(conn, codes, graine) if classeur_bruite else None
    finally:
        engine.dispose()
    secondes = f"{stats.seconds:.2f}".replace(".", ",")
    console.print(
        f"Données SI SIAO historiques générées pour {', '.join(codes)} "
        f"(taille {taille}, graine {graine}) en {secondes} s :",
        highlight=False,
    )
    for table, count in stats.per_table.items():
        console.print(f"  siao.{table:<20} {count:>8} {_LIBELLES[table]}", highlight=False)
    console.print(
        f"  offre.utilisateur{'':<8} {stats.module_accounts:>8} comptes du module déjà créés "
        "pour des utilisateurs historiques",
        highlight=False,
    )
    for code, counts in stats.per_departement.items():
        console.print(
            f"  {code} : {counts['structure']} structures, {counts['groupe_places']} groupes "
            f"de places, {counts['utilisateur']} comptes",
            highlight=False,
        )
    if classeur_bruite is not None and noisy is not None:
        verite = _write_noisy(classeur_bruite, noisy)
        console.print(
            f"Classeur Temps 1 bruité : {classeur_bruite} ({len(noisy.prefill.entites)} entités, "
            f"{len(noisy.prefill.dispositifs)} dispositifs) ; vérité terrain : {verite}",
            highlight=False,
        )


def _write_noisy(path: Path, noisy: NoisyTemps1) -> Path:
    """The workbook, and one truth row per active legacy groupe (empty key: to exclude)."""
    from service.imports.template import build_template

    path.write_bytes(build_template(noisy.prefill))
    verite = path.with_name(path.stem + ".verite.csv")
    with verite.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(
            ["groupe_places", "siren", "departement", "type_code", "nom_normalise", "ligne",
             "raison"]
        )  # fmt: skip
        for groupe_id, v in sorted(noisy.verite.items()):
            key = v.dispositif or ("", "", "", "")
            writer.writerow([groupe_id, *key, v.ligne or "", v.raison])
    return verite
