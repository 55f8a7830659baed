"""Temps 3 at national scale (issue 12, item 10): the preflight of the 101 départements, the
national wave (101 départements, one worker of 2 processes) and its rollback — times and peak
worker memory. Prints the figures and writes them to bench/out/bascule_<date>.json.

    .venv/bin/python bench/bench_bascule.py            # ~6 min on 2 cores
    .venv/bin/python bench/bench_bascule.py --taille 100 --garder-base

1. A scratch database: legacy data for the 101 départements (service/legacy/generator.py,
   taille 400 ≈ 40,000 groupes, 30,000 accounts), the noisy Temps 1 workbook inserted directly
   (bench_matching.apply_workbook), Temps 2 decided in one go
   (service/legacy/temps2_decisions.py); the excluded groupes with places occupées attached to
   an open dispositif with places of their département (what operators do), so that the 101
   départements are ready.
2. The API and one worker (`offre worker --concurrency 2`) as subprocesses (run_bench.py's
   stack); RSS summed over the worker's tree every 0.2 s, PSS every second.
3. GET /api/v1/bascules/preparation, five times (HTTP included), and the same in process.
4. POST /api/v1/bascules with the 101 départements (all published at once: the 2 processes
   take them in turn), until the job ends; per unit, its time from its row's debut/fin.
5. POST /api/v1/jobs/{id}/revenir for the whole wave, until it ends; the ``siao`` tables are
   compared with their digests before the wave.

``--index-siao`` indexes ``siao.utilisateur(structure_id)`` first: the legacy DDL we ship for
tests and demos has no index on that foreign key, so each structure a switch removes costs a
scan of the 30,000 accounts (its foreign key check), under the lock that serialises the shared
rows of a wave; SI SIAO's production schema is expected to index its foreign keys.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_matching import apply_workbook  # noqa: E402
from run_bench import OUT, Sampler, fresh_database, service_stack  # noqa: E402

from service.auth.accounts import add_user  # noqa: E402
from service.bascule.preflight import preparations  # noqa: E402
from service.bascule.preflight_data import gc_paused, load_preflight  # noqa: E402
from service.db.engine import make_engine  # noqa: E402
from service.legacy.generator import generate, national_departements  # noqa: E402
from service.legacy.noisy_temps1 import noisy_from_legacy  # noqa: E402
from service.legacy.temps2_decisions import decide_everything  # noqa: E402

DIGESTS = {
    "entite": "id",
    "structure": "id",
    "groupe_places": "id",
    "utilisateur": "id",
    "utilisateur_profil": "utilisateur_id, profil_historique_code",
}
# Excluded groupes with places occupées, attached to an open dispositif with places of their
# département instead.
_SETTLE = text(
    "UPDATE offre.rattachement_groupe r SET decision = 'rattacher', dispositif_identifiant = ("
    " SELECT min(d.identifiant) FROM offre.dispositif d JOIN offre.type_dispositif t "
    " ON t.code = d.type_code WHERE d.departement = r.departement "
    " AND t.offre IN ('places', 'logements') AND d.date_fermeture IS NULL) "
    "FROM siao.groupe_places g WHERE g.id = r.groupe_places_id AND r.decision = 'exclure' "
    "AND g.places_occupees > 0"
)


# Not in the legacy DDL we ship (schema siao is SI SIAO's): without it, PostgreSQL checks the
# foreign key of each removed structure by scanning the accounts table.
_INDEX_SIAO = "CREATE INDEX bench_utilisateur_structure_id ON siao.utilisateur (structure_id)"


def digests(conn: Connection) -> dict[str, str]:
    return {
        table: conn.execute(
            text(
                f"SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY "
                f"{', '.join('t.' + k.strip() for k in key.split(','))}), '')) FROM siao.{table} t"
            )
        ).scalar_one()
        for table, key in DIGESTS.items()
    }


def prepare(url: str, taille: int, graine: int) -> dict[str, Any]:
    engine = make_engine(url)
    codes = list(national_departements())
    figures: dict[str, Any] = {}
    start = time.perf_counter()
    with engine.begin() as conn:
        stats = generate(conn, codes, size=taille, seed=graine)
        apply_workbook(conn, noisy_from_legacy(conn, codes, graine))
    figures["donnees_s"] = round(time.perf_counter() - start, 1)
    figures["lignes_siao"] = stats.per_table
    start = time.perf_counter()
    with Session(engine) as session:
        decider = add_user(session, "decisions.temps2@social.gouv.fr", "ADMIN_NATIONAL")
        decide_everything(session, codes, decider.id)
        figures["exclus_occupes_rattaches"] = session.execute(_SETTLE).rowcount  # type: ignore[attr-defined]
        session.commit()
    figures["temps2_s"] = round(time.perf_counter() - start, 1)
    with engine.connect() as conn:
        with gc_paused():
            found = preparations(load_preflight(conn))
        blocked = {p.departement: p.comptes_bloquants for p in found if p.statut != "pret"}
    if blocked:
        raise SystemExit(f"Départements non prêts : {blocked}")
    engine.dispose()
    return figures


def preflight_times(url: str, base: str, token: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    http = []
    for _ in range(5):
        start = time.perf_counter()
        response = httpx.get(f"{base}/api/v1/bascules/preparation", headers=headers, timeout=60)
        http.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text
    engine = make_engine(url)
    local = []
    for _ in range(5):
        start = time.perf_counter()
        with engine.connect() as conn, gc_paused():
            preparations(load_preflight(conn))
        local.append(time.perf_counter() - start)
    engine.dispose()
    return {
        "http_s": [round(t, 3) for t in http],
        "http_mediane_s": round(statistics.median(http), 3),
        "en_processus_s": [round(t, 3) for t in local],
        "en_processus_mediane_s": round(statistics.median(local), 3),
        "resume": response.json()["resume"],
    }


def run_job(base: str, token: str, method: str, path: str, body: Any) -> tuple[dict, float]:
    headers = {"Authorization": f"Bearer {token}"}
    start = time.perf_counter()
    response = httpx.request(method, f"{base}{path}", headers=headers, json=body, timeout=120)
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    while True:
        job = httpx.get(f"{base}/api/v1/jobs/{job_id}", headers=headers, timeout=60).json()
        if job["statut"] in ("termine", "echec", "annule"):
            return job, time.perf_counter() - start
        time.sleep(0.25)


def unit_times(url: str, job_id: int) -> dict[str, Any]:
    engine = make_engine(url)
    with engine.connect() as conn:
        spans = [
            float(s)
            for (s,) in conn.execute(
                text(
                    "SELECT extract(epoch FROM fin - debut) FROM offre.job_departement "
                    "WHERE job_id = :job AND fin IS NOT NULL AND debut IS NOT NULL"
                ),
                {"job": job_id},
            )
        ]
    engine.dispose()
    return {
        "unites": len(spans),
        "mediane_s": round(statistics.median(spans), 3),
        "max_s": round(max(spans), 3),
        "somme_s": round(sum(spans), 1),
    }


def memory(sampler: Sampler) -> dict[str, Any]:
    return {
        "rss_max_somme_mo": round(sampler.peak_sum["worker"] / 2**20),
        "pss_max_mo": round(sampler.peak_pss["worker"] / 2**20),
        "rss_max_processus_mo": round(sampler.peak_single["worker"] / 2**20),
        "cpu_s": sampler.cpu(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taille", type=int, default=400)
    parser.add_argument("--graine", type=int, default=0)
    parser.add_argument("--garder-base", action="store_true")
    parser.add_argument(
        "--index-siao",
        action="store_true",
        help="Indexer siao.utilisateur(structure_id) avant la vague (voir la docstring).",
    )
    args = parser.parse_args()
    result: dict[str, Any] = {"date": datetime.now().isoformat(timespec="seconds")}
    name = f"offre_bench_bascule_{os.getpid()}"
    with fresh_database(name, keep=args.garder_base) as url:
        print(f"Base {name} : données nationales (taille {args.taille})…", flush=True)
        result["preparation_donnees"] = prepare(url, args.taille, args.graine)
        print(json.dumps(result["preparation_donnees"], ensure_ascii=False), flush=True)
        engine = make_engine(url)
        with engine.begin() as conn:
            if args.index_siao:
                conn.execute(text(_INDEX_SIAO))
            before = digests(conn)
        engine.dispose()
        result["index_siao"] = args.index_siao
        with service_stack(url, ROOT, 2, "bascule") as stack:
            sampler = Sampler(db_name=name)
            sampler.watch("worker", stack.worker.pid)
            sampler.start()
            time.sleep(2)  # a few samples of the worker at rest
            idle = memory(sampler)
            result["preflight"] = preflight_times(url, stack.base_url, stack.token)
            print("Préparation :", json.dumps(result["preflight"], ensure_ascii=False), flush=True)
            sampler.reset()
            codes = list(national_departements())
            job, seconds = run_job(
                stack.base_url, stack.token, "POST", "/api/v1/bascules", {"departements": codes}
            )
            result["vague"] = {
                "statut": job["statut"],
                "secondes": round(seconds, 1),
                "groupes_deplaces": job["creations"],
                "comptes_migres_ou_lies": job["modifications"],
                "lignes_retirees_de_siao": job["fermetures"],
                **memory(sampler),
                "unites": unit_times(url, job["id"]),
            }
            print("Vague :", json.dumps(result["vague"], ensure_ascii=False), flush=True)
            sampler.reset()
            revert, seconds = run_job(
                stack.base_url, stack.token, "POST", f"/api/v1/jobs/{job['id']}/revenir", {}
            )
            engine = make_engine(url)
            with engine.connect() as conn:
                after = digests(conn)
            engine.dispose()
            result["retour_arriere"] = {
                "statut": revert["statut"],
                "secondes": round(seconds, 1),
                "siao_identique": after == before,
                **memory(sampler),
                "unites": unit_times(url, revert["id"]),
            }
            result["worker_au_repos"] = idle
            print("Retour arrière :", json.dumps(result["retour_arriere"], ensure_ascii=False))
            sampler.halt()
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"bascule_{date.today().isoformat()}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(f"Résultats : {out}")


if __name__ == "__main__":
    main()
