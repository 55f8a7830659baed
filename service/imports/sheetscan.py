"""Counting the cells of one sheet's XML as it streams (.xlsx worksheet parts, the tables of an
ODS content.xml): what calamine would materialise, where its last cell is, and the cells whose
value calamine reads as '' (formula without cached value, error value). No tree is built: a
styled-but-empty row costs one callback, ODS repeats are counted, never expanded."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from openpyxl.utils.cell import column_index_from_string as column_index
from openpyxl.utils.cell import get_column_letter as column_letters

from service.config import Settings
from service.imports.filecheck import FICHIER_DANGEREUX
from service.imports.package import Events, local
from service.referentiels.text import fold

TROP_DE_LIGNES = "TROP_DE_LIGNES"
FORMULE_SANS_VALEUR = "FORMULE_SANS_VALEUR"
ERREUR_DE_FORMULE = "ERREUR_DE_FORMULE"
README_SHEET = "Lisez-moi"
README_MAX_CELLS = 200
MAX_ISSUES_PER_SHEET = 10_000  # beyond, only counted (omitted_issues): the file is wrong anyway
_MAX_CAPTURE = 64  # text chunks kept per cell (expat hands at most 8 KiB each)
_LAST_COLUMN = 16_384  # XFD


@dataclass(frozen=True, slots=True)
class CellIssue:
    code: str  # FORMULE_SANS_VALEUR or ERREUR_DE_FORMULE
    row: int  # 1-based, the spreadsheet's own numbers
    column: int  # 1-based
    ref: str  # « B7 »
    value: str  # the formula without cached value (« =SOMME(A1:A3) ») or the error (« #REF! »)


@dataclass(slots=True)
class SheetScan:
    name: str
    max_row: int = 0  # last row holding a cell calamine would materialise (0: empty sheet)
    max_column: int = 0
    data_rows: int = 0  # rows holding at least one such cell, header included
    formulas_without_value: list[CellIssue] = field(default_factory=list)
    error_cells: list[CellIssue] = field(default_factory=list)
    omitted_issues: int = 0
    # Every row holding a cell comes after the previous one: a range of rows can then be cut
    # out of the XML without reading past it (sheetcut.py).
    rows_in_order: bool = True
    values: dict[str, str] | None = None  # ref → text, for a small « Lisez-moi » only

    @property
    def area(self) -> int:
        """Cells calamine allocates for the sheet (it holds the rectangle up to the last cell)."""
        return self.max_row * self.max_column


class Refused(Exception):
    """The scan stops at once: the file as a whole is refused (code, French message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code, self.message = code, message


def is_readme(name: str) -> bool:
    return fold(name).replace(" ", "") == fold(README_SHEET).replace(" ", "")


class _Locals(dict[str, str]):
    """« uri local » → our tag for that local name, else "": calamine reads xlsx elements by local
    name in any namespace (ODS: by the `table:` prefix), so none may slip past the scan."""

    def __init__(self, wanted: dict[str, str]) -> None:
        super().__init__()
        self.wanted = wanted

    def __missing__(self, name: str) -> str:  # once per distinct name in the part
        self[name] = tag = self.wanted.get(local(name), "")
        return tag


class SheetState(Events):
    """Both formats report occupied cells and finished rows here. A sheet the import reads is
    `bounded`: its limits stop the scan at once, and its formula problems are listed; any other
    sheet is only measured (calamine never loads it, or only a small one)."""

    def __init__(self, name: str, limits: Settings, *, bounded: bool = True) -> None:
        self.scan, self.limits, self.bounded = SheetScan(name), limits, bounded
        self.values: dict[str, str] | None = {} if is_readme(name) else None
        self.row_occupied = False
        self.pending: list[tuple[str, int, int, str]] = []  # code, column, repeat, value

    def cell(self, row: int, col: int, cols: int, issue: tuple[str, str] | None, text: str) -> None:
        """An occupied cell, repeated `cols` times (ODS), its issue (code, value) and text."""
        self.row_occupied = True
        if (last := col + cols - 1) > self.scan.max_column:
            self.scan.max_column = last
            if self.bounded and last > self.limits.max_columns:
                raise Refused(
                    FICHIER_DANGEREUX,
                    f"Le fichier a une cellule non vide en "
                    f"{column_letters(min(last, _LAST_COLUMN))}{row} de la feuille "
                    f"« {self.scan.name} » : par précaution, des dimensions aussi extrêmes sont "
                    f"refusées (au plus {self.limits.max_columns} colonnes). "
                    "Supprimez les colonnes inutiles à droite des données et enregistrez.",
                )
        if self.values is not None:
            if col <= _LAST_COLUMN and len(self.values) < README_MAX_CELLS:
                self.values[f"{column_letters(col)}{row}"] = text
            else:
                self.values = None
        if issue and self.bounded:
            self.pending.append((issue[0], col, cols, issue[1]))

    def row_done(self, first: int, count: int) -> None:
        """The end of a row repeated `count` times (ODS): count it if occupied."""
        if not self.row_occupied:
            return
        last = first + count - 1
        if first <= self.scan.max_row:
            self.scan.rows_in_order = False
        self.scan.data_rows += count
        self.scan.max_row = max(self.scan.max_row, last)
        if self.bounded and last > self.limits.max_rows_per_file + 1:  # the header is row 1
            raise Refused(
                TROP_DE_LIGNES,
                f"Le fichier contient des données jusqu'à la ligne {last} de la feuille "
                f"« {self.scan.name} » : un fichier est limité à {self.limits.max_rows_per_file} "
                "lignes de données. "
                "Supprimez les lignes en trop (y compris les cellules qui paraissent vides mais "
                "contiennent une formule ou un espace) ou découpez le fichier par département.",
            )
        scan, pending = self.scan, self.pending
        self.row_occupied, self.pending = False, []
        if not pending:
            return
        # Repeats are expanded only while the issue list has room, the rest is just counted.
        room = MAX_ISSUES_PER_SHEET - len(scan.formulas_without_value) - len(scan.error_cells)
        scan.omitted_issues += max(0, count * sum(p[2] for p in pending) - room)
        for row in range(first, first + min(count, room)):
            for code, col, cols, value in pending:
                for c in range(col, col + min(cols, room)):
                    issue = CellIssue(code, row, c, f"{column_letters(c)}{row}", value)
                    formula, room = code == FORMULE_SANS_VALEUR, room - 1
                    (scan.formulas_without_value if formula else scan.error_cells).append(issue)


class XlsxSheet(SheetState):
    """A worksheet part; also reads sharedStrings.xml, whose <si> are read like <is>."""

    row = col = index = 0
    cell_row = last_row = 0  # calamine places a cell by its own reference, not its <row>'s
    has_f = False
    ctype = "n"
    value: list[str] | None = None
    inline: list[str] | None = None
    capture: list[str] | None = None
    formula: list[str] = []  # replaced at each <f> before any append

    def __init__(
        self, name: str, limits: Settings, wanted: set[int] | None = None, *, bounded: bool = True
    ) -> None:
        super().__init__(name, limits, bounded=bounded)
        self.tags = _Locals({t: t for t in ("row", "c", "v", "f", "is", "t", "si", "sheetData")})
        self.shared: dict[str, int] = {}  # « Lisez-moi » cells holding a shared string
        self.wanted, self.strings = wanted or set(), dict[int, str]()

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = self.tags[name]
        if tag == "row":  # first: a sheet may hold a million empty styled rows
            r = attrs.get("r")
            self.row, self.col = int(r) if r else self.row + 1, 0
        elif tag == "c":
            ref = attrs.get("r")
            letters = ref.rstrip("0123456789") if ref else ""
            self.col = column_index(letters) if ref else self.col + 1
            self.cell_row = int(ref[len(letters) :]) if ref and ref != letters else self.row
            self.ctype = attrs.get("t", "n")
            self.has_f, self.value, self.inline = False, None, None
        elif tag == "v":
            self.value = self.capture = []
        elif tag == "f":
            self.has_f, self.formula = True, []
            self.capture = self.formula
        elif tag == "is":
            self.inline = []
        elif tag == "si":
            self.inline = [] if self.index in self.wanted else None
        elif tag == "t" and self.inline is not None:
            self.capture = self.inline

    def end(self, name: str) -> None:
        tag = self.tags[name]
        if tag in ("row", "sheetData"):  # sheetData: a cell after the last row is bounded too
            if self.row_occupied:
                self.row_done(self.last_row, 1)
                self.last_row = 0
        elif tag == "c":
            self._cell()
        elif tag in ("v", "f", "t"):
            self.capture = None
        elif tag == "si":
            if self.inline is not None:
                self.strings[self.index] = "".join(self.inline)
            self.index += 1

    def text(self, data: str) -> None:
        if self.capture is not None and len(self.capture) < _MAX_CAPTURE:
            self.capture.append(data)

    def _cell(self) -> None:
        # Occupied = what calamine materialises: any <v> (a formula's cached "" included:
        # calamine aborts on one at XFD1048576 too), inline string or formula. A cell with only
        # a style is not, and costs nothing.
        if self.value is None and self.inline is None and not self.has_f:
            return
        value = "".join(self.value) if self.value is not None else None
        issue = None
        # A cached empty text (t="str", <v></v>) is the legitimate value of =SI(A2="";"";…).
        if self.has_f and (value is None or (value == "" and self.ctype != "str")):
            formula = "".join(self.formula)
            issue = (FORMULE_SANS_VALEUR, f"={formula}" if formula else "(formule partagée)")
        elif self.ctype == "e":
            issue = (ERREUR_DE_FORMULE, value or "#?")
        text = "".join(self.inline) if self.inline is not None else value or ""
        self.cell(self.cell_row, self.col, 1, issue, text)
        self.last_row = max(self.last_row, self.cell_row)
        if self.values is not None and self.ctype == "s" and value:
            self.shared[f"{column_letters(self.col)}{self.cell_row}"] = int(value)


_ODS_TAGS = {"table-cell": "cell", "covered-table-cell": "cell", "annotation": "note"}
_ODS_TAGS |= {"table": "table", "table-row": "row", "p": "p"}
_ODS_ERROR = re.compile(r"#[A-Z0-9/]+[!?]|#N/A|Err:\d+")


@dataclass(frozen=True, slots=True)
class OdsTable:
    scan: SheetScan
    read: bool  # a sheet the import reads (bounded)
    span: tuple[int, int]  # byte offsets in content.xml: its start tag, its end tag


class OdsContent(Events):
    """content.xml: every top-level table is measured; `read(name)` says which are bounded."""

    tables = notes = in_p = next_row = row = rows = col = cols = table_start = 0
    sheet: SheetState | None = None
    cell: dict[str, str] = {}  # replaced at each cell
    capture: list[str] = []  # replaced at each cell

    def __init__(self, limits: Settings, read: Callable[[str], bool]) -> None:
        self.limits, self.read, self.found = limits, read, list[OdsTable]()
        self.tags = _Locals(_ODS_TAGS)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = self.tags[name]
        if tag in ("table", "row", "cell"):
            # Attributes by local name too; office:value-type then calcext:value-type (« error »)
            attrs = {k.rpartition(" ")[2]: v for k, v in attrs.items()}
        if tag == "table":
            self.tables += 1
            if self.tables == 1:
                name = attrs.get("name", "")
                self.sheet = SheetState(name, self.limits, bounded=self.read(name))
                self.next_row, self.table_start = 1, self.offset()
        elif self.tables != 1:
            return  # outside a sheet, or a sub-table inside a cell: not the sheet's rows
        elif tag == "row":
            self.row, self.rows, self.col = self.next_row, _repeat(attrs, "rows"), 1
        elif tag == "cell":
            self.cell, self.cols, self.capture = attrs, _repeat(attrs, "columns"), []
        elif tag == "note":  # a comment's text is not the cell's
            self.notes += 1
        elif tag == "p":
            self.in_p += 1
            if self.capture:  # a second paragraph of the same cell
                self.text("\n")

    def end(self, name: str) -> None:
        tag = self.tags[name]
        if tag == "table":
            self.tables -= 1
            if self.tables == 0 and self.sheet is not None:
                self.sheet.scan.values = self.sheet.values
                span = (self.table_start, self.offset())
                self.found.append(OdsTable(self.sheet.scan, self.sheet.bounded, span))
        elif self.tables != 1 or self.sheet is None:
            return
        elif tag == "note":
            self.notes -= 1
        elif tag == "p":
            self.in_p -= 1
        elif tag == "cell":
            self._ods_cell(self.sheet)
            self.col += self.cols
        elif tag == "row":
            self.sheet.row_done(self.row, self.rows)
            self.next_row += self.rows

    def text(self, data: str) -> None:
        if self.in_p and not self.notes and len(self.capture) < _MAX_CAPTURE:
            self.capture.append(data)

    def _ods_cell(self, sheet: SheetState) -> None:
        attrs, text = self.cell, "".join(self.capture)
        formula = attrs.get("formula")
        has_value = any(a in attrs for a in ("value-type", "value", "string-value"))
        if not (has_value or formula is not None or text):
            return  # empty, however many times repeated: nothing to count, nothing to expand
        shown, issue = text.strip(), None
        if attrs.get("value-type") == "error" or (formula and _ODS_ERROR.fullmatch(shown)):
            issue = (ERREUR_DE_FORMULE, shown or "#?")
        elif formula is not None and not has_value and not text:
            issue = (FORMULE_SANS_VALEUR, "=" + formula.split(":=", 1)[-1].lstrip("="))
        sheet.cell(self.row, self.col, self.cols, issue, text or attrs.get("value", ""))


def _repeat(attrs: dict[str, str], what: str) -> int:
    return max(1, int(attrs.get(f"number-{what}-repeated", "1")))
