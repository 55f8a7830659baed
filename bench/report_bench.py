"""The error report and the anomalies CSV of a job with many anomalies (issue 9, item 8).

    python bench/report_bench.py [ROWS] [MAX_PER_CODE]

A CSV of the wrong data under the right headers: ROWS rows (default 108,000) of « Entités »,
6 anomalies each (~650,000), generated lazily as a worker would read them from the database.
Prints the time and the peak resident memory of each stage as JSON on its last line.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Iterator

from service.imports.anomalies import Anomalie, anomaly
from service.imports.report import SheetValues, anomalies_csv, write_report
from service.referentiels.checks import Severite

HEADER = ["SIREN", "Raison sociale", "Département du siège", "Code postal", "Téléphone", "RNA"]
_CODES = (
    ("SIREN", "SIREN_INVALIDE", Severite.ERREUR),
    ("Département du siège", "DEPARTEMENT_INCONNU", Severite.ERREUR),
    ("Code postal", "CODE_POSTAL_INVALIDE", Severite.ERREUR),
    ("Téléphone", "TELEPHONE_INVALIDE", Severite.ERREUR),
    ("RNA", "RNA_INVALIDE", Severite.ERREUR),
    ("Raison sociale", "TEXTE_TROP_LONG", Severite.ERREUR),
)


def anomalies(rows: int) -> Iterator[Anomalie]:
    for line in range(2, rows + 2):
        for column, code, severite in _CODES:
            yield anomaly("Entités", line, column, f"v{line}", code, severite, "est invalide.")


def user_rows(rows: int) -> Iterator[tuple[int, list[object]]]:
    for line in range(2, rows + 2):
        yield line, [f"v{line}", f"Nom {line}", "??", "7500", "12", "X"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 108_000
    cap = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    figures: dict[str, float] = {"lignes": rows, "anomalies": rows * len(_CODES)}
    started = time.perf_counter()
    size = sum(len(chunk) for chunk in anomalies_csv(anomalies(rows)))
    figures |= {"csv_s": time.perf_counter() - started, "csv_mo": size / 1e6}
    figures["csv_pic_rss_mo"] = _peak_mb()
    started = time.perf_counter()
    with open("/dev/null", "wb") as sink:
        sheet = SheetValues("Entités", HEADER, user_rows(rows))
        summary = write_report(sink, [sheet], anomalies(rows), max_per_code=cap)
    figures |= {"rapport_s": time.perf_counter() - started, "rapport_pic_rss_mo": _peak_mb()}
    figures["detaillees"] = sum(c.shown for c in summary.counts)
    print(json.dumps({k: round(v, 2) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
