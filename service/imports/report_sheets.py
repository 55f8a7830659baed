"""The user's sheets in the error report: their values at the same row numbers, each faulty
cell filled and commented, under the template's widths, formats, header comments and drop-down
lists. Write-only sheets: rows stream in, layout is set before the first one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from service.imports.anomalies import Anomalie
from service.imports.columns import WORKBOOK_1, Column, Sheet
from service.imports.template import cell_format, drop_down, header_note, template_width
from service.imports.workbook_style import (
    ERROR_FILL,
    HEADER_FONT,
    OPTIONAL_FILL,
    REQUIRED_FILL,
    WARNING_FILL,
    column_width,
    comment,
    safe_text,
    set_value,
)
from service.referentiels.checks import Severite
from service.referentiels.text import fold

MAX_MESSAGES_PER_COMMENT = 10  # a cell with more keeps the first ones and says how many remain
MAX_ROW = 1_048_576
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True, slots=True)
class SheetValues:
    """One of the user's sheets as read: its header (row 1) and its rows, numbered as in the
    user's file, in increasing order (blank rows may be absent: they stay blank)."""

    name: str
    header: Sequence[str]
    rows: Iterable[tuple[int, Sequence[object]]]


def severity_fill(severite: Severite) -> PatternFill:
    return ERROR_FILL if severite is Severite.ERREUR else WARNING_FILL


def text_cell(ws: Worksheet, value: object, **style: object) -> Cell:
    cell = WriteOnlyCell(ws)
    set_value(cell, value)
    for name, attribute in style.items():
        setattr(cell, name, attribute)
    return cell


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unused sheet title: at most 31 characters, none of []:*?/\\, no edge quote."""
    base = safe_text(name).translate(_SHEET_NAME_FORBIDDEN).strip().strip("'")[:31] or "Feuille"
    title, n = base, 1
    while fold(title) in taken:  # Excel compares sheet names without case
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
    taken.add(fold(title))
    return title


def _spec(sheet_name: str) -> Sheet | None:
    return next((s for s in WORKBOOK_1 if fold(s.name) == fold(sheet_name)), None)


def header_index(sheet_name: str, header: Sequence[str]) -> dict[str, int]:
    """fold(column name) → 1-based column, with the canonical headers of columns.py mapped to
    the alias the user's file used: anomalies name canonical headers (« SIREN »), the file may
    say « N° SIREN »."""
    index: dict[str, int] = {}
    for position, text in enumerate(header, start=1):
        index.setdefault(fold(str(text)), position)
    spec = _spec(sheet_name)
    for column in spec.columns if spec else ():
        if fold(column.header) in index:
            continue
        for alias in column.aliases:
            if (found := index.get(fold(alias))) is not None:
                index[fold(column.header)] = found
                break
    return index


def _template_columns(sheet: SheetValues) -> dict[int, Column]:
    """Position in the user's sheet → the model's column found there."""
    spec = _spec(sheet.name)
    if spec is None:
        return {}
    index = header_index(sheet.name, sheet.header)
    return {index[fold(c.header)]: c for c in spec.columns if fold(c.header) in index}


def _cell_anomalies(
    sheet: SheetValues, anomalies: Sequence[Anomalie]
) -> dict[int, dict[int, list[Anomalie]]]:
    """row → column → anomalies; a row-level anomaly (no or unknown column) goes to column 1,
    a file-level one (row 0), or one beyond the last row a sheet can have, stays in
    « Anomalies » only."""
    index = header_index(sheet.name, sheet.header)
    found: dict[int, dict[int, list[Anomalie]]] = {}
    for a in anomalies:
        if 1 <= a.ligne <= MAX_ROW:
            column = index.get(fold(a.colonne), 1) if a.colonne else 1
            found.setdefault(a.ligne, {}).setdefault(column, []).append(a)
    return found


def _note(found: list[Anomalie]) -> str:
    shown = found[:MAX_MESSAGES_PER_COMMENT]
    lines = [a.message for a in shown] if len(found) == 1 else [f"• {a.message}" for a in shown]
    if len(found) > len(shown):
        lines.append(f"… et {len(found) - len(shown)} autres anomalies (feuille Anomalies).")
    return "\n".join(lines)


def write_user_sheet(
    ws: Worksheet, sheet: SheetValues, anomalies: Sequence[Anomalie], *, template: bool = True
) -> None:
    """``template``: a Temps 1 sheet, written with the template's widths, formats and drop-downs."""
    marks = _cell_anomalies(sheet, anomalies)
    columns = _template_columns(sheet) if template else {}
    widest = max([len(sheet.header), *(c for row in marks.values() for c in row)], default=0)
    for position in range(1, widest + 1):
        letter = get_column_letter(position)
        dimension = ws.column_dimensions[letter]
        column = columns.get(position)
        if column is None:
            text = str(sheet.header[position - 1]) if position <= len(sheet.header) else ""
            dimension.width = column_width(text, maximum=40)
            continue
        dimension.width = template_width(column)
        if (number_format := cell_format(column)) is not None:
            dimension.number_format = number_format  # typed cells keep their leading zeros
        if (validation := drop_down(column, letter)) is not None:
            ws.data_validations.append(validation)
    ws.freeze_panes = "A2"
    ws.append(_header_cells(ws, sheet.header, columns, marks.pop(1, None)))
    previous = 1
    pending = sorted(marks)
    for number, values in sheet.rows:
        if number <= previous:
            raise ValueError(
                f"{sheet.name} : ligne {number} en double, dans le désordre ou sur l'en-tête"
            )
        while pending and pending[0] < number:  # a row with anomalies but no value left
            blank = pending.pop(0)
            previous = _skip_to(ws, previous, blank)
            ws.append(_row_cells(ws, (), marks[blank]))
        if pending and pending[0] == number:
            pending.pop(0)
        previous = _skip_to(ws, previous, number)
        ws.append(_row_cells(ws, values, marks.get(number)))
    for blank in pending:
        previous = _skip_to(ws, previous, blank)
        ws.append(_row_cells(ws, (), marks[blank]))


def _skip_to(ws: Worksheet, previous: int, number: int) -> int:
    """Blank rows up to `number` (write-only rows are numbered by their order); returns it."""
    for _ in range(previous + 1, number):
        ws.append([])
    return number


def _header_cells(
    ws: Worksheet,
    header: Sequence[str],
    columns: Mapping[int, Column],
    marks: dict[int, list[Anomalie]] | None,
) -> list[Cell | None]:
    cells = _row_cells(ws, header, marks)
    for position, cell in enumerate(cells, start=1):
        if cell is None:
            continue
        cell.font = HEADER_FONT
        column = columns.get(position)
        if column is not None and not (marks and position in marks):
            cell.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
            cell.comment = comment(header_note(column))
    return cells


def _row_cells(
    ws: Worksheet, row: Sequence[object], marks: dict[int, list[Anomalie]] | None
) -> list[Cell | None]:
    width = max([len(row), *(marks or {})])
    cells: list[Cell | None] = []
    for position in range(1, width + 1):
        value = row[position - 1] if position <= len(row) else None
        found = marks.get(position) if marks else None
        if value is None and not found:
            cells.append(None)  # nothing to write: a blank cell costs nothing
            continue
        cell = text_cell(ws, value)
        if found:
            worst = Severite.ERREUR if any(a.blocking for a in found) else Severite.AVERTISSEMENT
            cell.fill = severity_fill(worst)
            cell.comment = comment(_note(found), width_chars=60)
        cells.append(cell)
    return cells
