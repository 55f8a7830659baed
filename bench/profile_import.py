"""Profile Temps 1 imports in one process: every unit of the job runs here, in order, under
cProfile, so that one listing shows where a job's time goes (not run by CI).

    python bench/profile_import.py FICHIER [FICHIER …] [--top 30] [--trier cumulative]

Each file is imported in turn (application automatique) on one fresh database, so that the
second file of `a.xlsx a_reenregistre.xlsx` is a re-import; a one-département file after a
national one measures a small job on a populated database. Per file: wall and CPU seconds of
the analysis and of the apply, then the top functions of each. Units are the engine's own
(run_job_unit / run_partie_unit / run_departement_unit): publication after commit hands them to
a local queue instead of Celery, progress events go to Redis under a unique prefix.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from run_bench import COURRIEL, REDIS_URL, fresh_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fichiers", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--trier", default="cumulative", help="clé de tri de pstats")
    args = parser.parse_args()
    with fresh_database(f"offre_profil_{os.getpid()}") as url:
        os.environ.update(
            DATABASE_URL=url,
            REDIS_URL=REDIS_URL,
            OFFRE_REDIS_PREFIX=f"profil-{os.getpid()}:",
            OFFRE_SECRET_KEY="profil-" + "x" * 40,
        )
        from service.config import get_settings

        get_settings.cache_clear()  # read before the database existed (migrations)
        for path in args.fichiers:
            profile_one(path, args.top, args.trier)


def profile_one(path: Path, top: int, sort: str) -> None:
    from service.auth.accounts import add_user, identity_for
    from service.db.engine import session_scope
    from service.imports.options import ImportOptions
    from service.imports.submission import submit_import
    from service.jobs import publication
    from service.jobs.runner import run_departement_unit, run_job_unit, run_partie_unit
    from service.jobs.tables import Job

    queue: deque[tuple[str, list[Any]]] = deque()
    publication.set_sender(lambda task, task_args: queue.append((task, task_args)))
    with session_scope() as session:
        identity = identity_for(session, COURRIEL)
        if identity is None:
            add_user(session, COURRIEL, "ADMIN_NATIONAL")
            session.flush()
            identity = identity_for(session, COURRIEL)
        assert identity is not None
        job = submit_import(
            session,
            identity,
            path.name,
            path.read_bytes(),
            ImportOptions(application="automatique"),
        )
        job_id = job.id
    stages = {
        "offre.run_job": "unité job (pré-contrôle, Entités, règles croisées, plan des entités)",
        "lignes:": "parties « lignes » (Dispositifs : lecture, validation, staging)",
        "plan:": "parties « plan » (plans des départements)",
        "offre.run_departement": "départements",
    }
    runs = {
        "offre.run_job": run_job_unit,
        "offre.run_partie": run_partie_unit,
        "offre.run_departement": run_departement_unit,
    }
    profiles = {name: cProfile.Profile() for name in stages.values()}
    wall = dict.fromkeys(stages.values(), 0.0)
    cpu = dict.fromkeys(stages.values(), 0.0)
    while queue:
        task, task_args = queue.popleft()
        part = str(task_args[-1]) if task == "offre.run_partie" else ""
        name = stages[part.split(":")[0] + ":" if part else task]
        run = runs[task]
        started, started_cpu = time.perf_counter(), time.process_time()
        profiles[name].runcall(run, *task_args)
        wall[name] += time.perf_counter() - started
        cpu[name] += time.process_time() - started_cpu
    with session_scope() as session:
        done = session.get(Job, job_id)
        assert done is not None
        summary = (
            f"{done.statut} : {done.lignes} lignes, {done.creations} créations, "
            f"{done.modifications} modifications, {done.inchanges} inchangés, "
            f"{done.erreurs} erreurs"
        )
    print(f"\n=== {path.name} — {summary}")
    for name in stages.values():
        print(f"--- {name} : {wall[name]:.2f} s ({cpu[name]:.2f} s CPU du processus)")
        out = io.StringIO()
        pstats.Stats(profiles[name], stream=out).sort_stats(sort).print_stats(top)
        print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


if __name__ == "__main__":
    main()
