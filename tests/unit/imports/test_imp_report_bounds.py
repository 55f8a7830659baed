"""The report of a job with hundreds of thousands of anomalies stays bounded (issue 9, item 8):
the first anomalies of each code are detailed, all are counted, the CSV streams in chunks, and
both read their inputs once, as iterables."""

from __future__ import annotations

import csv
import io
import tracemalloc
from collections.abc import Callable, Iterator

import openpyxl
import pytest

from service.config import get_settings
from service.imports.anomalies import Anomalie, anomaly
from service.imports.report import (
    ANOMALY_HEADERS,
    CSV_CHUNK_ROWS,
    SheetValues,
    anomalies_csv,
    build_report,
    summarise,
)
from service.referentiels.checks import Severite

E, W = Severite.ERREUR, Severite.AVERTISSEMENT


def wrong_rows(count: int) -> Iterator[Anomalie]:
    """What a CSV of the wrong data under the right headers produces: 3 anomalies per row."""
    for line in range(2, count + 2):
        yield anomaly("Entités", line, "SIREN", f"x{line}", "SIREN_INVALIDE", E, "invalide.")
        yield anomaly("Entités", line, "Département du siège", "?", "DEPARTEMENT_INCONNU", E, "?.")
        yield anomaly("Entités", line, "Courriel de contact", "a@b", "COURRIEL_GENERIQUE", W, "g.")


def detailed(report: bytes) -> list[tuple[object, ...]]:
    ws = openpyxl.load_workbook(io.BytesIO(report), read_only=True)["Anomalies"]
    rows = [tuple(r[:8]) for r in ws.iter_rows(values_only=True)]
    start = rows.index(ANOMALY_HEADERS)
    return rows[start + 1 :]


def test_summarise_keeps_the_first_of_each_code_and_counts_them_all() -> None:
    kept, summary = summarise(wrong_rows(2_500), max_per_code=1_000)
    assert len(kept) == 3_000
    assert [(c.code, c.severite, c.total, c.shown) for c in summary.counts] == [
        ("DEPARTEMENT_INCONNU", E, 2_500, 1_000),
        ("SIREN_INVALIDE", E, 2_500, 1_000),
        ("COURRIEL_GENERIQUE", W, 2_500, 1_000),
    ]
    assert summary.total(E) == 5_000 and summary.total(W) == 2_500 and summary.truncated
    assert kept[0].ligne == 2 and max(a.ligne for a in kept) == 1_001  # the first ones


def test_the_report_details_at_most_the_cap_per_code_with_the_totals_on_top() -> None:
    report = build_report([], wrong_rows(30), max_per_code=10)
    assert len(detailed(report)) == 30
    ws = openpyxl.load_workbook(io.BytesIO(report))["Anomalies"]
    top = [str(c.value) for c in ws["A"][:4] if c.value]
    assert top[:2] == ["Rapport d'anomalies", "60 erreurs et 30 avertissements."]
    assert "Seules les 10 premières anomalies de chaque code" in top[2]
    header = next(c.row for c in ws["A"] if c.value == "Code")
    rows = ws.iter_rows(min_row=header + 1, max_row=header + 3, values_only=True)
    summary = {r[0]: r[1:4] for r in rows}
    assert summary == {
        "DEPARTEMENT_INCONNU": ("erreur", 30, 10),
        "SIREN_INVALIDE": ("erreur", 30, 10),
        "COURRIEL_GENERIQUE": ("avertissement", 30, 10),
    }


def test_the_cap_defaults_to_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "report_max_anomalies_per_code", 4)
    assert len(detailed(build_report([], wrong_rows(10)))) == 12


def peak_bytes(work: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def report_of(rows: int) -> Callable[[], object]:
    def build() -> bytes:
        values = ((line, [f"x{line}", "Nom", "?"]) for line in range(2, rows + 2))
        sheet = SheetValues("Entités", ["SIREN", "Raison sociale", "Département du siège"], values)
        return build_report([sheet], wrong_rows(rows), max_per_code=100)

    return build


def test_the_report_memory_does_not_grow_with_the_job() -> None:
    # Three times the rows and anomalies, the same peak: nothing grows with the job (bench/
    # report_bench.py measures the 650,000 anomalies of issue 9: ~20 s, < 100 MB resident).
    small, large = peak_bytes(report_of(2_000)), peak_bytes(report_of(6_000))
    held = peak_bytes(lambda: list(wrong_rows(6_000)))  # what keeping the anomalies would cost
    print(f"rapport : pic {small / 1e6:.1f} Mo puis {large / 1e6:.1f} Mo ({held / 1e6:.1f} Mo)")
    assert large < small * 1.2 + 500_000
    assert large < held


def test_the_csv_streams_every_anomaly_in_chunks() -> None:
    chunks = anomalies_csv(wrong_rows(1_000))  # 3,000 anomalies
    first = next(chunks)
    assert first.startswith(b"\xef\xbb\xbf" + ";".join(ANOMALY_HEADERS).encode())
    rest = list(chunks)
    assert len(rest) == 3_000 // CSV_CHUNK_ROWS - 1  # the first chunk holds the header too
    text = b"".join([first, *rest]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 1 + 3_000  # no cap in the CSV
    assert rows[-1][:5] == ["Entités", "1001", "Courriel de contact", "a@b", "COURRIEL_GENERIQUE"]


def test_the_csv_memory_does_not_grow_with_the_job() -> None:
    def csv_of(rows: int) -> Callable[[], int]:
        return lambda: sum(len(chunk) for chunk in anomalies_csv(wrong_rows(rows)))

    small, large = peak_bytes(csv_of(2_000)), peak_bytes(csv_of(6_000))
    print(f"CSV : pic {small / 1e6:.2f} Mo puis {large / 1e6:.2f} Mo")
    assert large < small * 1.2 + 200_000


def test_no_anomaly_at_all() -> None:
    assert detailed(build_report([], iter(()))) == []
    assert b"".join(anomalies_csv(iter(()))).decode("utf-8-sig").startswith("Feuille;Ligne")
