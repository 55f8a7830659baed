"""(p) of run_bench.py alone, for several revisions in turn on the same machine: one-département
files of 500 dispositifs (seeds 101-103, département 75) uploaded on a base the national file
populated, upload → `valide` and → `termine`, repeated (not run by CI).

    python bench/bench_small_files.py --code 2af3338 --code HEAD --repetitions 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from gen_workbook import ensure_workbook  # noqa: E402
from run_bench import (  # noqa: E402
    SMALL,
    SMALL_SEEDS,
    TAILLES,
    EventListener,
    Sampler,
    fresh_database,
    import_once,
    prepare_code,
    service_stack,
)


def measure(
    code: Path, national: Path, small: list[Path], repetitions: int
) -> list[tuple[float, float]]:
    times: list[tuple[float, float]] = []
    with (
        fresh_database(f"offre_bench_petits_{os.getpid()}") as url,
        service_stack(url, code, 2, "petits") as stack,
    ):
        sampler = Sampler(stack.url.rsplit("/", 1)[1])
        sampler.watch("worker", stack.worker.pid)
        sampler.start()
        listener = EventListener(stack.env["OFFRE_REDIS_PREFIX"])
        listener.start()
        if not listener.subscribed.wait(10):
            raise RuntimeError("abonnement Redis impossible")
        try:
            first = import_once(stack, national, listener, sampler, timeout=3600)
            print(f"  base nationale : {first['statut']} en {first['secondes']:.1f} s")
            time.sleep(2.0)  # the worker's children replaced, the queue empty
            for _ in range(repetitions):
                for path in small:
                    one = import_once(stack, path, listener, sampler, timeout=600)
                    times.append((one["chronologie_s"]["fin_analyse"], one["secondes"]))
        finally:
            sampler.halt()
            listener.halt()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", action="append", default=[], help="révision (répétable)")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--graine", type=int, default=11)
    args = parser.parse_args()
    national, _ = ensure_workbook(*TAILLES["national"], args.graine)
    small = [ensure_workbook(*SMALL, seed, ["75"])[0] for seed in SMALL_SEEDS]
    for spec in args.code or ["HEAD"]:
        code, label = prepare_code(spec)
        print(f"{label} :", flush=True)
        times = measure(code, national, small, args.repetitions)
        valide, termine = [t[0] for t in times], [t[1] for t in times]
        print(
            f"  500 dispositifs ({len(times)} fichiers) : → valide médiane "
            f"{statistics.median(valide):.3f} s, max {max(valide):.3f} s ; → termine médiane "
            f"{statistics.median(termine):.3f} s, max {max(termine):.3f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
