"""Validation of a Temps 1 workbook's rows alone (normalise_row + the row rules), as the analysis
runs it, with the same anomalies as another revision checked row by row (not run by CI).

    python bench/bench_validation.py bench/out/offre_20000e_100000d_g1.xlsx
    python bench/bench_validation.py FICHIER.xlsx --hostile                # many errors
    python bench/bench_validation.py FICHIER.xlsx --hostile --reference 27dd462
    python bench/bench_validation.py FICHIER.xlsx --profil bench/out/validation.prof
    python bench/bench_validation.py FICHIER.xlsx --reference 27dd462 --gc-seuil 20000

The rows are read once with calamine (cached next to the file as a pickle); each measured run is
a fresh process (`PYTHONPATH` = the code measured) that validates every row: entités first, their
SIRENs then known, as `analysis.py` does, with a few known e-mails so that « Vouliez-vous dire »
is exercised. It prints CPU seconds and peak RSS. With `--reference REV`, the same rows go
through the code of REV (a `git archive` snapshot in bench/out/code-<sha>/) and every row's
values and anomalies (code, severity, message, column, value, département, order) must be
equal: the first difference is printed and the exit status is 1. `--gc-seuil 20000` runs both
with the workers' garbage-collector threshold (workers/signals.py) instead of Python's 700.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import json
import os
import pickle
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"

Row = tuple[int, dict[str, Any]]


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def load_rows(path: Path, hostile: bool) -> Path:
    """A pickle of (entités, dispositifs, known e-mails), rows as the reader gives them."""
    from hostile_rows import hostile as make_hostile
    from python_calamine import CalamineWorkbook
    from reference_pipeline import read_sheet

    from service.imports.columns import DISPOSITIFS, ENTITES

    stat = path.stat()
    tag = f"{path.stem}_{stat.st_size}_{int(stat.st_mtime)}{'_hostile' if hostile else ''}"
    cached = OUT / f"{tag}.rows.pickle"
    if cached.exists():
        return cached
    workbook = CalamineWorkbook.from_path(str(path))
    entites, dispositifs = read_sheet(workbook, ENTITES), read_sheet(workbook, DISPOSITIFS)
    emails = [c["courriel"] for _, c in entites[:2000] if c.get("courriel")]
    emails += [c["courriel_responsable"] for _, c in dispositifs[:2000]]
    if hostile:
        entites, dispositifs = make_hostile(entites, 13), make_hostile(dispositifs, 17)
    OUT.mkdir(exist_ok=True)
    with open(cached, "wb") as out:
        pickle.dump((entites, dispositifs, emails), out, protocol=pickle.HIGHEST_PROTOCOL)
    return cached


def _dump_row(row: Any) -> str:
    anomalies = [
        [a.feuille, a.ligne, a.colonne, a.valeur, a.code, str(a.severite), a.message, a.departement]
        for a in row.anomalies
    ]
    record = [row.feuille, row.ligne, row.values, anomalies, row.has_error, row.departement()]
    # ASCII escapes: a lone surrogate of a hostile cell cannot be encoded otherwise.
    return json.dumps(record, sort_keys=True)


def worker(
    rows_path: Path, dump: Path | None, scoped: bool, profile: Path | None, gc_threshold: int | None
) -> None:
    """One measured run, in the process of the code measured (see PYTHONPATH)."""
    import service
    from service.imports import rules
    from service.imports.columns import DISPOSITIFS, ENTITES
    from service.imports.normalise import normalise_row
    from service.referentiels.departements import CODES
    from service.referentiels.suggestions import KnownValues

    with open(rows_path, "rb") as source:
        entites, dispositifs, emails = pickle.load(source)
    # A regional scope on the hostile file: HORS_PERIMETRE on most rows.
    scope = frozenset(sorted(CODES)[:10]) if scoped else None
    ctx = rules.RuleContext(scope=scope, state_profile=True)
    known = KnownValues((), emails)
    if gc_threshold:
        gc.set_threshold(gc_threshold, 10, 10)
    rss_before = _rss_mb()
    profiler = cProfile.Profile() if profile else None
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    normalised = [normalise_row(ENTITES, line, cells, known) for line, cells in entites]
    known.add_sirens(r.values["siren"] for r in normalised if r.values.get("siren"))
    for line, cells in dispositifs:
        row = normalise_row(DISPOSITIFS, line, cells, known)
        row.anomalies.extend(rules.check_dispositif_row(row, ctx))
        normalised.append(row)
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(profile))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    rss_after = _rss_mb()
    digest = hashlib.sha256()
    codes: dict[str, int] = {}
    with open(dump or os.devnull, "w", encoding="ascii") as out:
        for row in normalised:
            line = _dump_row(row)
            digest.update(line.encode())
            out.write(line + "\n")
            for a in row.anomalies:
                codes[a.code] = codes.get(a.code, 0) + 1
    del normalised
    clear = getattr(__import__("service.imports.normalise").imports.normalise, "clear_caches", None)
    if clear:
        clear()
    result = {
        "code": str(Path(service.__file__).parent.parent),
        "lignes": len(entites) + len(dispositifs),
        "cpu_s": round(cpu, 2),
        "mur_s": round(wall, 2),
        "rss_avant_mo": round(rss_before),
        "rss_apres_mo": round(rss_after),
        "rss_max_mo": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "anomalies": sum(codes.values()),
        "codes": dict(sorted(codes.items())),
        "empreinte": digest.hexdigest(),
    }
    print(json.dumps(result, ensure_ascii=False))


def _run(code: Path, rows: Path, dump: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--rows", str(rows), "--dump", str(dump)]
    if args.hostile:
        command.append("--scoped")
    if args.profil:
        command += ["--profil", str(args.profil)]
    if args.gc_seuil:
        command += ["--gc-seuil", str(args.gc_seuil)]
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"échec de la validation ({code}) :\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _first_difference(a: Path, b: Path) -> str | None:
    with open(a, encoding="ascii") as left, open(b, encoding="ascii") as right:
        for n, (x, y) in enumerate(zip(left, right, strict=False), start=1):
            if x != y:
                return f"ligne {n} :\n  référence : {y.strip()}\n  mesuré    : {x.strip()}"
        if left.readline() or right.readline():
            return "nombre de lignes différent"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("fichier", type=Path, nargs="?")
    parser.add_argument("--hostile", action="store_true", help="lignes corrompues (erreurs)")
    parser.add_argument("--reference", help="révision git à comparer (mêmes anomalies)")
    parser.add_argument("--code", default=".", help="code mesuré : « . » ou une révision")
    parser.add_argument("--profil", type=Path, help="écrit un profil cProfile de la validation")
    parser.add_argument("--repetitions", type=int, default=1)
    parser.add_argument(
        "--gc-seuil",
        type=int,
        help="seuil de la génération 0 du ramasse-miettes (20000 : celui des workers)",
    )
    parser.add_argument("--rows", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scoped", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rows:
        worker(args.rows, args.dump, args.scoped, args.profil, args.gc_seuil)
        return
    if args.fichier is None:
        parser.error("indiquez le classeur")
    from run_bench import prepare_code

    rows = load_rows(args.fichier, args.hostile)
    code, label = prepare_code(args.code)
    codes = {"mesure": (code, label)}
    if args.reference:
        codes["reference"] = prepare_code(args.reference)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in codes}
    # Interleaved, the best of N kept: other processes share the machine's cores.
    for n in range(args.repetitions):
        for name, (where, _) in codes.items():
            if n or name == "reference":
                args.profil = None
            runs[name].append(_run(where, rows, OUT / f"validation_{name}.jsonl", args))
    best = {name: min(found, key=lambda r: r["cpu_s"]) for name, found in runs.items()}
    for name, (_, text) in codes.items():
        cpu = ", ".join(str(r["cpu_s"]) for r in runs[name])
        print(f"{name} — {text} : CPU {cpu} s")
        print(json.dumps(best[name], ensure_ascii=False))
    if not args.reference:
        return
    measured, reference = best["mesure"], best["reference"]
    difference = _first_difference(
        OUT / "validation_mesure.jsonl", OUT / "validation_reference.jsonl"
    )
    if difference:
        print(f"DIFFÉRENT de la référence, {difference}")
        sys.exit(1)
    print(
        f"identique à la référence : {measured['lignes']} lignes, "
        f"{measured['anomalies']} anomalies ; CPU {reference['cpu_s']} s → "
        f"{measured['cpu_s']} s (×{reference['cpu_s'] / max(measured['cpu_s'], 0.01):.2f})"
    )


if __name__ == "__main__":
    main()
