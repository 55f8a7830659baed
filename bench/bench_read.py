"""The read path alone: `sources.open_source` (type check, pre-scan, calamine, headers) and every
raw row batch, on one workbook, in this process. Prints wall and CPU seconds per phase and the
process's peak RSS (no database, no worker).

    .venv/bin/python bench/bench_read.py bench/out/offre_20000e_100000d_g1.xlsx
    .venv/bin/python bench/bench_read.py FILE --profile bench/out/read.prof   # + cProfile
"""

from __future__ import annotations

import argparse
import cProfile
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from service.imports import sources
from service.imports.filecheck import FileRefusal, inspect_upload
from service.imports.prescan import WorkbookScan, prescan

T = TypeVar("T")


def _timed(label: str, call: Callable[[], T]) -> T:
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<34} {wall:7.2f} s  CPU {cpu:7.2f} s")
    return result


def _rows(opened: sources.OpenedSource) -> int:
    return sum(len(batch) for batch in opened.batches(2000))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("fichier", type=Path)
    parser.add_argument("--profile", type=Path, help="cProfile output of open_source + batches")
    parser.add_argument("--prescan-seul", action="store_true", help="the pre-scan alone")
    args = parser.parse_args()
    data = args.fichier.read_bytes()
    if args.prescan_seul:
        info = inspect_upload(args.fichier.name, data)
        assert not isinstance(info, FileRefusal), info
        fmt = info.format
        scan = _timed("pré-scan", lambda: prescan(data, fmt))
        assert isinstance(scan, WorkbookScan), scan
        for sheet in scan.sheets:
            print(f"  {sheet.name}: {sheet.data_rows} lignes, {sheet.max_column} colonnes")
    profile = cProfile.Profile() if args.profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profile:
        profile.enable()
    opened = _timed("open_source", lambda: sources.open_source(args.fichier.name, data))
    assert not opened.fatal, opened.anomalies
    rows = _timed("lots de lignes brutes", lambda: _rows(opened))
    if profile:
        profile.disable()
        profile.dump_stats(args.profile)
    print(
        f"{'total':<34} {time.perf_counter() - wall:7.2f} s  CPU {time.process_time() - cpu:7.2f} s"
        f"  ({rows} lignes)"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"RSS max du processus: {peak:.0f} Mo")


if __name__ == "__main__":
    main()
