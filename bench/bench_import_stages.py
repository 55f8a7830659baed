"""CPU seconds of an import's stages, in one process (no API, no Celery): staging (pre-scan →
read → normalise → rules → COPY), plan (cross-row rules, plan, its rows), apply of the entités,
apply of every département; then the same file again (re-import).

The machine is shared: wall times follow the other sessions' load, the process's CPU seconds
much less, which is what compares two versions of the code (``--code`` a snapshot, e.g.
bench/out/code-<sha> written by run_bench.py). PostgreSQL's own CPU is not counted here.

usage: .venv/bin/python bench/bench_import_stages.py [--code DIR] [--taille national|petit]
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import sys
import time
from pathlib import Path
from typing import Any

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(label: str, data: bytes, user_id: int) -> None:
    from sqlalchemy import select

    from service.auth.accounts import identity_for_id
    from service.db.engine import session_scope
    from service.imports import apply
    from service.imports.kind import KIND
    from service.imports.options import ImportOptions
    from service.imports.submission import submit_import
    from service.jobs.enums import Etape, Statut
    from service.jobs.tables import Job, JobDepartement

    with session_scope() as session:
        identity = identity_for_id(session, user_id)
        assert identity is not None
        options = ImportOptions(application="manuelle")
        job_id = submit_import(session, identity, "classeur.xlsx", data, options).id
    stages: dict[str, tuple[float, float]] = {}
    start = (cpu(), time.perf_counter())

    def mark(name: str) -> None:
        nonlocal start
        now = (cpu(), time.perf_counter())
        stages[name] = (now[0] - start[0], now[1] - start[1])
        start = now

    with session_scope() as session:
        job = session.get_one(Job, job_id)
        job.statut = Statut.ANALYSE  # what the runner's transition does
        for _ in KIND.analyse(session, job):
            session.commit()
            if "staging" not in stages and job.etape == Etape.PLAN:
                mark("staging")
        session.commit()
        counts = (job.statut, job.creations, job.modifications, job.inchanges)
    mark("plan")
    with session_scope() as session:
        apply.apply_entites(session, session.get_one(Job, job_id))
    mark("application_entites")
    with session_scope() as session:
        rows = session.scalars(select(JobDepartement).where(JobDepartement.job_id == job_id))
        deps: list[Any] = [(r.departement, r.creations, r.modifications, r.inchanges) for r in rows]
    for dep, *_ in deps:
        with session_scope() as session:
            job = session.get_one(Job, job_id)
            apply.apply_departement(session, job, session.get_one(JobDepartement, (job_id, dep)))
    mark("application_departements")
    figures = ", ".join(f"{k} {c:.2f} s CPU ({w:.1f} s)" for k, (c, w) in stages.items())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    dispositifs = [sum(d[i] for d in deps) for i in (1, 2, 3)]
    print(
        f"{label} : {counts[0]}, entités {counts[1:]}, dispositifs {tuple(dispositifs)} — "
        f"{figures} ; RSS max {rss:.0f} Mo",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", default=".", help="le code mesuré (défaut : ce dépôt)")
    parser.add_argument("--taille", choices=("petit", "national"), default="national")
    parser.add_argument("--graine", type=int, default=1)
    args = parser.parse_args()
    code = Path(args.code).resolve()
    sys.path.insert(0, str(code))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from gen_workbook import ensure_workbook
    from run_bench import TAILLES

    path, _ = ensure_workbook(*TAILLES[args.taille], args.graine)
    name = f"offre_bench_etapes_{os.getpid()}"
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    os.environ.update(
        DATABASE_URL=url,
        REDIS_URL="redis://127.0.0.1:6379/0",  # progress events, on this run's own prefix
        OFFRE_SECRET_KEY=secrets.token_urlsafe(32),
        OFFRE_REDIS_PREFIX=f"bench-etapes-{os.getpid()}:",
    )
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        from service.auth.accounts import add_user
        from service.db.engine import session_scope
        from service.db.migrate import upgrade

        upgrade(url)
        with session_scope() as session:
            user_id = add_user(session, "bench@offre-siao.gouv.fr", "ADMIN_NATIONAL", []).id
        print(f"Classeur {path.name}, code {code}", flush=True)
        data = path.read_bytes()
        run("import", data, user_id)
        run("ré-import", data, user_id)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
