"""Styles and cell helpers shared by the workbooks the service generates (template, report).

Every string goes through :func:`safe_text` and is forced to a text cell: openpyxl turns any str
starting with `=` into a live formula, refuses C0 controls (IllegalCharacterError) and lone
surrogates break the XML on save (RELIABILITY-NOTES.md « Uploads »). A user's value must never
crash a report nor be evaluated by the spreadsheet that opens it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

COMMENT_AUTHOR = "SI SIAO – Module Offre"
TEXT_FORMAT = "@"
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
MAX_CELL_CHARS = 32_767  # Excel's limit per cell; beyond, Excel reports a corrupted file

HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
SECTION_FONT = Font(bold=True, size=12)
HIDDEN_FONT = Font(color="FFFFFFFF")  # white on white, in case someone unhides the column
REQUIRED_FILL = PatternFill("solid", fgColor="FFBDD7EE")  # headers of required columns
OPTIONAL_FILL = PatternFill("solid", fgColor="FFDDEBF7")
ERROR_FILL = PatternFill("solid", fgColor="FFFFC7CE")  # Excel's « mauvais » red
WARNING_FILL = PatternFill("solid", fgColor="FFFFD8A8")  # orange, distinct from Excel's yellow
WRAP = Alignment(wrap_text=True, vertical="top")

# NUL and C0 controls other than TAB/LF/CR, lone surrogates, and the two XML non-characters.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ELLIPSIS = "…"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    # Visible rather than dropped: the report must show the user where the bad character is.
    return f"\\x{code:02X}" if code < 0x100 else f"\\u{code:04X}"


def safe_text(text: str) -> str:
    """`text` as a cell can hold it: unwritable characters escaped, cut to Excel's limit."""
    cleaned = _UNWRITABLE.sub(_escape, text)
    if len(cleaned) > MAX_CELL_CHARS:
        cleaned = cleaned[: MAX_CELL_CHARS - 1] + _ELLIPSIS
    return cleaned


def _writable(cell: Cell | MergedCell) -> Cell:
    if not isinstance(cell, Cell):  # only the top-left cell of a merged range holds a value
        raise TypeError(f"{cell.coordinate} fait partie d'une fusion de cellules")
    return cell


def set_text(cell: Cell | MergedCell, text: str) -> None:
    """Writes `text` as a text cell, even when it starts with `=` (never a formula)."""
    cell = _writable(cell)
    cell.value = safe_text(text)
    cell.data_type = "s"


def set_value(cell: Cell | MergedCell, value: object) -> None:
    """Writes a value as read from a user's file: numbers and dates keep their type, anything
    else becomes text. A date without time shows as JJ/MM/AAAA, as users typed it."""
    cell = _writable(cell)
    if value is None:
        return
    if isinstance(value, str):
        set_text(cell, value)
    elif isinstance(value, bool | int):
        cell.value = value
    elif isinstance(value, float):
        # NaN and infinities have no spreadsheet representation: show them as text.
        if math.isfinite(value):
            cell.value = value
        else:
            set_text(cell, str(value))
    elif isinstance(value, datetime):
        if value.tzinfo is not None:  # openpyxl refuses aware datetimes
            set_text(cell, value.isoformat())
        else:
            cell.value = value
            midnight = value.time() == time.min
            cell.number_format = DATE_FORMAT if midnight else DATETIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, time | timedelta):
        cell.value = value
    else:
        set_text(cell, str(value))


def comment(text: str, *, width_chars: int = 48) -> Comment:
    """A comment sized to its text: Excel's default box (about 2×5 cm) truncates long help."""
    text = safe_text(text)
    lines = sum(max(1, math.ceil(len(line) / width_chars)) for line in text.split("\n"))
    note = Comment(text, COMMENT_AUTHOR)
    note.width = width_chars * 7  # pixels: about 7 per character of the 9 pt comment font
    note.height = min(600, 12 + 15 * lines)
    return note


def column_width(*texts: str, minimum: float = 10, maximum: float = 60) -> float:
    """A width (in characters) fitting the longest text, with room for the filter arrow."""
    longest = max((len(t) for t in texts), default=0)
    return float(min(maximum, max(minimum, longest + 3)))


class TextSheet:
    """Writes an explanatory sheet (« Lisez-moi ») top to bottom, row after row, so that it
    works in a normal and in a write-only workbook alike: paragraphs merged across all
    columns, small tables. Row heights are estimated from the text length because neither
    Excel nor LibreOffice fits the height of merged wrapped cells."""

    def __init__(self, ws: Worksheet, widths: tuple[float, ...]) -> None:
        self.ws, self.widths, self.row = ws, widths, 0
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width

    def _append(
        self,
        texts_widths: Sequence[tuple[str, float]],
        *,
        font: Font | None = None,
        span: tuple[int, int] | None = None,
        extra: Mapping[int, Cell] | None = None,
    ) -> None:
        self.row += 1
        # A column of width w holds about w characters of Calibri 11; 5 % margin for words
        # that do not fit at the end of a line.
        lines = max(math.ceil(len(t) / (w * 0.95)) for t, w in texts_widths)
        self.ws.row_dimensions[self.row].height = 15 * max(1, lines) + 2
        cells: list[Cell | None] = []
        for text, _ in texts_widths:
            cell = WriteOnlyCell(self.ws)
            set_text(cell, text)
            cell.alignment = WRAP
            if font is not None:
                cell.font = font
            cells.append(cell)
            if span is not None and len(cells) == span[0]:
                cells.extend([None] * (span[1] - span[0]))
        for column, cell in sorted((extra or {}).items()):
            cells.extend([None] * (column - 1 - len(cells)))
            cells.append(cell)
        self.ws.append(cells)
        if span is not None and span[1] > span[0]:
            merge(self.ws, f"{get_column_letter(span[0])}{self.row}:"
                           f"{get_column_letter(span[1])}{self.row}")  # fmt: skip

    def gap(self) -> None:
        self.row += 1
        self.ws.append([])

    def paragraph(
        self,
        text: str,
        *,
        font: Font | None = None,
        gap: bool = False,
        extra: Mapping[int, Cell] | None = None,
    ) -> None:
        """`text` across all columns; `gap` leaves an empty row before it (a new section);
        `extra`: cells of the same row beyond the paragraph, by column number."""
        if gap:
            self.gap()
        span = (1, len(self.widths))
        self._append([(text, sum(self.widths))], font=font, span=span, extra=extra)

    def table_row(self, *texts: str, header: bool = False, span_last: bool = False) -> None:
        """One text per column; with `span_last`, the last one spans the remaining columns."""
        widths = list(self.widths[: len(texts)])
        span = None
        if span_last and len(texts) < len(self.widths):
            widths[-1] = sum(self.widths[len(texts) - 1 :])
            span = (len(texts), len(self.widths))
        font = HEADER_FONT if header else None
        self._append(list(zip(texts, widths, strict=True)), font=font, span=span)


def merge(ws: Worksheet, ref: str) -> None:
    """Merge `ref` in a normal or a write-only sheet (which only records the range)."""
    if isinstance(ws, Worksheet):
        ws.merge_cells(ref)
    else:
        ws.merged_cells.add(ref)
