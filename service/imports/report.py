"""The error report of a job (IMPORT-FORMAT.md « Error report »), and its CSV variant.

A freshly generated workbook, never the uploaded file, to keep working in: a first sheet
« Anomalies » (a summary per severity and per code, then one row per anomaly, each linked to
its cell), the user's sheets with their values at the same row numbers — each faulty cell
filled (red for an error, orange for a warning) with a comment holding the message(s), under
the template's column widths, formats and drop-down lists — then the template's « Lisez-moi »
and its hidden « Listes ». Re-imported once corrected, it reads like the user's file.

Bounded whatever the job: at most `max_per_code` anomalies of each code are detailed (the
summary counts them all, the CSV lists them all), the user's rows stream through openpyxl's
write-only mode, and the CSV comes out in chunks. Pure: anomalies and rows come in as
iterables, read once. Nothing is ever written as a formula (workbook_style.set_text).
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from service.config import get_settings
from service.imports.anomalies import Anomalie
from service.imports.how_to_fix import HOW_TO_FIX, how_to_fix
from service.imports.report_sheets import (
    MAX_MESSAGES_PER_COMMENT,
    MAX_ROW,
    SheetValues,
    header_index,
    severity_fill,
    sheet_title,
    text_cell,
    write_user_sheet,
)
from service.imports.template import (
    LISTES,
    README,
    write_lists,
    write_readme,
)
from service.imports.workbook_style import (
    HEADER_FONT,
    SECTION_FONT,
    TITLE_FONT,
    WRAP,
    safe_text,
)
from service.referentiels.checks import Severite
from service.referentiels.text import fold

__all__ = [
    "ANOMALY_HEADERS",
    "HOW_TO_FIX",
    "MAX_MESSAGES_PER_COMMENT",
    "CodeCount",
    "ReportSummary",
    "SheetValues",
    "anomalies_csv",
    "build_report",
    "summarise",
    "write_report",
]

ANOMALIES_SHEET = "Anomalies"
ANOMALY_HEADERS = (
    "Feuille",
    "Ligne",
    "Colonne",
    "Valeur",
    "Code",
    "Sévérité",
    "Message",
    "Comment corriger",
)
SUMMARY_HEADERS = ("Code", "Sévérité", "Nombre", "Détaillées ici", "Comment corriger")
_ANOMALY_WIDTHS = (14, 8, 24, 24, 26, 14, 80, 60)
CSV_CHUNK_ROWS = 1_000
# OWASP « CSV injection »: a spreadsheet evaluates a cell starting with one of these.
_CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_LINK_FONT = Font(color="FF0563C1", underline="single")  # Excel's own hyperlink style


@dataclass(frozen=True, slots=True)
class CodeCount:
    code: str
    severite: Severite
    total: int
    shown: int  # detailed in the workbook (the first ones met)


@dataclass(frozen=True, slots=True)
class ReportSummary:
    counts: tuple[CodeCount, ...]  # errors first, then the most frequent

    def total(self, severite: Severite) -> int:
        return sum(c.total for c in self.counts if c.severite is severite)

    @property
    def truncated(self) -> bool:
        return any(c.shown < c.total for c in self.counts)


def summarise(
    anomalies: Iterable[Anomalie], max_per_code: int
) -> tuple[list[Anomalie], ReportSummary]:
    """One pass: the first `max_per_code` anomalies of each code, in their order, and the
    totals of every code. Memory: what is kept, never the whole job."""
    kept: list[Anomalie] = []
    totals: Counter[str] = Counter()
    severities: dict[str, Severite] = {}
    for a in anomalies:
        totals[a.code] += 1
        if a.blocking or a.code not in severities:
            severities[a.code] = a.severite
        if totals[a.code] <= max_per_code:
            kept.append(a)
    counts = tuple(
        sorted(
            (CodeCount(c, severities[c], n, min(n, max_per_code)) for c, n in totals.items()),
            key=lambda c: (c.severite is not Severite.ERREUR, -c.total, c.code),
        )
    )
    return kept, ReportSummary(counts)


def build_report(
    sheets: Iterable[SheetValues],
    anomalies: Iterable[Anomalie],
    *,
    max_per_code: int | None = None,
) -> bytes:
    """The error report as .xlsx bytes (see write_report)."""
    out = io.BytesIO()
    write_report(out, sheets, anomalies, max_per_code=max_per_code)
    return out.getvalue()


def write_report(
    out: BinaryIO,
    sheets: Iterable[SheetValues],
    anomalies: Iterable[Anomalie],
    *,
    max_per_code: int | None = None,
    template: bool = True,
) -> ReportSummary:
    """Writes the report to `out`: « Anomalies », the user's sheets (rows consumed as they are
    written, in increasing line order: ValueError otherwise), and with ``template`` (a Temps 1
    workbook) its drop-downs, « Lisez-moi » and « Listes ». `max_per_code` defaults to
    Settings.report_max_anomalies_per_code."""
    limit = get_settings().report_max_anomalies_per_code if max_per_code is None else max_per_code
    kept, summary = summarise(anomalies, limit)
    sheets = list(sheets)  # headers only: rows stay lazy
    wb = Workbook(write_only=True)
    try:
        anomalies_ws = wb.create_sheet(ANOMALIES_SHEET)
        taken = {fold(n) for n in (ANOMALIES_SHEET, README, LISTES)}
        titles = {fold(s.name): sheet_title(s.name, taken) for s in sheets}
        links = {
            fold(s.name): (titles[fold(s.name)], header_index(s.name, s.header)) for s in sheets
        }
        _write_anomalies(anomalies_ws, kept, summary, links)
        by_sheet: dict[str, list[Anomalie]] = {}
        for a in kept:
            by_sheet.setdefault(fold(a.feuille), []).append(a)
        for sheet in sheets:
            ws = wb.create_sheet(titles[fold(sheet.name)])
            write_user_sheet(ws, sheet, by_sheet.get(fold(sheet.name), []), template=template)
        if template:
            write_readme(wb.create_sheet(README))
            write_lists(wb.create_sheet(LISTES))
    except BaseException:
        # Write-only sheets stream into temporary files: saving to nowhere closes and removes
        # them, instead of leaving them to a worker's exit.
        with contextlib.suppress(Exception):
            wb.save(io.BytesIO())
        raise
    wb.save(out)
    return summary


def anomalies_csv(anomalies: Iterable[Anomalie]) -> Iterator[bytes]:
    """The anomalies as CSV for Excel, in chunks of CSV_CHUNK_ROWS rows: UTF-8 with BOM, `;`,
    CRLF, injection-safe. Every anomaly (no cap): memory holds one chunk."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(ANOMALY_HEADERS)
    for rows, a in enumerate(anomalies, start=1):
        writer.writerow([_csv_cell(v) for v in _anomaly_row(a)])
        if rows % CSV_CHUNK_ROWS == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue().encode("utf-8")


def _csv_cell(value: object) -> str:
    text = "" if value is None else safe_text(str(value))
    return "'" + text if text.startswith(_CSV_TRIGGERS) else text


def _anomaly_row(a: Anomalie) -> tuple[object, ...]:
    # Row 0 is « the file as a whole »: an empty cell says it better than a 0.
    ligne = a.ligne or None
    return (
        a.feuille,
        ligne,
        a.colonne,
        a.valeur,
        a.code,
        a.severite.value,
        a.message,
        how_to_fix(a.code),
    )


def _height(*texts_widths: tuple[str, float]) -> float:
    """A row height (points) fitting wrapped texts: about w characters per line of width w."""
    lines = max(math.ceil(len(t) / (w * 0.95)) for t, w in texts_widths)
    return 15.0 * max(1, lines) + 2


# The sheets below are write-only sheets: openpyxl gives them Worksheet's layout attributes
# (column_dimensions, freeze_panes, auto_filter) but types-openpyxl does not declare them on
# WriteOnlyWorksheet, so they are annotated as Worksheet.

# --- « Anomalies » ---------------------------------------------------------------------------


# fold(sheet name) → (its title in the report, fold(column) → position)
_Links = Mapping[str, tuple[str, Mapping[str, int]]]


def _link(a: Anomalie, links: _Links) -> Hyperlink | None:
    """An internal link to the anomaly's cell (its row's first cell for a row-level one)."""
    target = links.get(fold(a.feuille))
    if target is None or not 1 <= a.ligne <= MAX_ROW:
        return None
    title, index = target
    column = index.get(fold(a.colonne), 1) if a.colonne else 1
    quoted = title.replace("'", "''")
    return Hyperlink(ref="", location=f"'{quoted}'!{get_column_letter(column)}{a.ligne}")


def _write_anomalies(
    ws: Worksheet, kept: Sequence[Anomalie], summary: ReportSummary, links: _Links
) -> None:
    # Write-only sheets take their layout (widths, heights) before their rows.
    for index, width in enumerate(_ANOMALY_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    errors, warnings = summary.total(Severite.ERREUR), summary.total(Severite.AVERTISSEMENT)
    lead = [
        f"{errors} erreur{'s' * (errors > 1)} et {warnings} avertissement{'s' * (warnings > 1)}."
    ]
    if summary.truncated:
        lead.append(
            f"Seules les {max(c.shown for c in summary.counts)} premières anomalies de chaque "
            "code sont détaillées ci-dessous ; le fichier anomalies.csv les contient toutes."
        )
    rows: list[tuple[Sequence[Cell], float]] = [
        ([text_cell(ws, "Rapport d'anomalies", font=TITLE_FONT)], 22),
        *(([text_cell(ws, text)], 17) for text in lead),
        ([], 15),
        ([text_cell(ws, h, font=HEADER_FONT) for h in SUMMARY_HEADERS], 17),
    ]
    for count in summary.counts:
        fix = how_to_fix(count.code)
        rows.append(
            (
                [
                    text_cell(ws, count.code),
                    text_cell(ws, count.severite.value, fill=severity_fill(count.severite)),
                    text_cell(ws, count.total),
                    text_cell(ws, count.shown),
                    text_cell(ws, fix, alignment=WRAP),
                ],
                _height((fix, _ANOMALY_WIDTHS[3] + _ANOMALY_WIDTHS[4])),
            )
        )
    rows.append(([], 15))
    rows.append(([text_cell(ws, "Détail", font=SECTION_FONT)], 17))
    header_row = len(rows) + 1
    ws.auto_filter.ref = (
        f"A{header_row}:{get_column_letter(len(ANOMALY_HEADERS))}{header_row + len(kept)}"
    )
    rows.append(([text_cell(ws, h, font=HEADER_FONT) for h in ANOMALY_HEADERS], 17))
    for number, (cells, height) in enumerate(rows, start=1):
        ws.row_dimensions[number].height = height
        if len(cells) > 1 and number < header_row:
            # The summary's « comment corriger » spans the four columns on its right.
            ws.merged_cells.add(f"E{number}:H{number}")
        ws.append(list(cells))
    for number, a in enumerate(kept, start=header_row + 1):
        values = _anomaly_row(a)
        ws.row_dimensions[number].height = _height(
            (a.message, _ANOMALY_WIDTHS[6]), (str(values[7]), _ANOMALY_WIDTHS[7])
        )
        line: list[Cell] = []
        for position, value in enumerate(values):
            cell = text_cell(ws, value)
            if position >= 6:  # message and how-to-fix: long texts
                cell.alignment = WRAP
            if position == 5:
                cell.fill = severity_fill(a.severite)
            line.append(cell)
        link = _link(a, links)
        if link is not None:
            line[1].hyperlink = link
            line[1].font = _LINK_FONT
        ws.append(line)
