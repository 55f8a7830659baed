"""Benchmark of the legacy-data generator on the national dataset (101 départements).

    python bench/bench_legacy_generator.py --database-url postgresql://…/base_migree
    python bench/bench_legacy_generator.py            # temporary database, dropped afterwards

Without ``--database-url`` a database ``offre_bench_gen`` is created on the local PostgreSQL
(postgresql://postgres@127.0.0.1:5432/postgres), migrated, and dropped at the end. A given
database must already be migrated; the rows are appended to what it holds.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from service.config import libpq_url
from service.db.engine import make_engine
from service.db.migrate import upgrade
from service.legacy.generator import DEFAULT_SIZE, generate, national_departements

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DATABASE = "offre_bench_gen"
LIBELLES = {
    "entite": "entités",
    "structure": "structures",
    "groupe_places": "groupes de places",
    "utilisateur": "utilisateurs",
    "utilisateur_profil": "profils historiques",
}


def _entier(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def _secondes(value: float) -> str:
    return f"{value:.2f}".replace(".", ",") + " s"


@contextmanager
def _temporary_database() -> Iterator[str]:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DATABASE
    try:
        started = time.perf_counter()
        upgrade(url)
        duree = _secondes(time.perf_counter() - started)
        print(f"Base temporaire {BENCH_DATABASE} migrée en {duree}.")
        yield url
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        print(f"Base temporaire {BENCH_DATABASE} supprimée.")


def run(url: str, taille: int, graine: int) -> None:
    engine = make_engine(url)
    departements = national_departements()
    try:
        started = time.perf_counter()
        with engine.begin() as conn:
            stats = generate(conn, departements, size=taille, seed=graine)
        total = time.perf_counter() - started
    finally:
        engine.dispose()
    lignes = sum(stats.per_table.values())
    print(f"Jeu national : {len(departements)} départements, taille {taille}, graine {graine}.")
    for table, count in stats.per_table.items():
        print(f"  siao.{table:<20} {_entier(count):>10} {LIBELLES[table]}")
    print(f"  {'total':<25} {_entier(lignes):>10} lignes")
    print(f"  offre.utilisateur {_entier(stats.module_accounts):>16} comptes du module déjà créés")
    par_dep = [c["groupe_places"] for c in stats.per_departement.values()]
    print(f"Groupes de places par département : {min(par_dep)} à {max(par_dep)}.")
    print(f"Génération + COPY : {_secondes(stats.seconds)}", end="")
    print(f" ({_entier(lignes / stats.seconds)} lignes/s).")
    print(f"Avec la validation (COMMIT) : {_secondes(total)} ({_entier(lignes / total)} lignes/s).")


def main() -> None:
    parser = argparse.ArgumentParser(description="Mesure du générateur de données historiques.")
    parser.add_argument("--database-url", help="base déjà migrée (sinon base temporaire)")
    parser.add_argument("--taille", type=int, default=DEFAULT_SIZE)
    parser.add_argument("--graine", type=int, default=0)
    args = parser.parse_args()
    if args.database_url:
        run(libpq_url(args.database_url), args.taille, args.graine)
    else:
        with _temporary_database() as url:
            run(url, args.taille, args.graine)


if __name__ == "__main__":
    main()
