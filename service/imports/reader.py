"""Read the sheets of workbook 1: python-calamine for .xlsx/.xlsm/.ods, the csv module for .csv.

Sheets are found by name and headers mapped on row 1, both through `fold` (case, accents, `*`,
NBSP, repeated spaces) and the aliases of `columns.py`. Data rows come out lazily, in batches,
as `RawRow`s numbered like the spreadsheet (header = 1), blank rows skipped. Structure problems
are anomalies of row 1 (or 0: the file). Values are left as calamine returns them (str, int,
float, bool, date, datetime, time, timedelta; '' for an empty cell): normalisation is the next
stage's job.

calamine only ever sees what `prescan` accepted: it opens the scan's package (the scanned
sheets only), never the upload, and the reader refuses a sheet the scan did not cover.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import count, islice
from operator import itemgetter

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook, PasswordError

from service.config import Settings, get_settings
from service.imports.anomalies import Anomalie, locate, quote
from service.imports.columns import WORKBOOK_1, Column, Sheet
from service.imports.filecheck import FICHIER_ILLISIBLE, FICHIER_PROTEGE, SpreadsheetFormat
from service.imports.prescan import TROP_DE_LIGNES, WorkbookScan, column_letters
from service.logging import get_logger
from service.referentiels.checks import Severite
from service.referentiels.suggestions import closest, did_you_mean
from service.referentiels.text import fold

FEUILLE_MANQUANTE = "FEUILLE_MANQUANTE"
COLONNE_MANQUANTE = "COLONNE_MANQUANTE"
COLONNE_EN_DOUBLE = "COLONNE_EN_DOUBLE"
COLONNE_INCONNUE = "COLONNE_INCONNUE"

CellValue = str | int | float | bool | date | datetime | time | timedelta
_RESAVE = "Ouvrez-le dans Excel ou LibreOffice, enregistrez-le à nouveau et déposez-le."
_CLOSE_HEADER = 80  # % of similarity for « Vouliez-vous dire … ? » between two headers
log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RawRow:
    sheet: str  # the sheet's name in the model (« Entités »), whatever the file's spelling
    line: int  # the spreadsheet's own row number (CSV: record number), header = 1
    cells: dict[str, CellValue]  # every present field, '' when the cell is empty
    present_fields: frozenset[str]  # columns found in the file: absent fields stay untouched


@dataclass(frozen=True, slots=True)
class SheetLayout:
    spec: Sheet
    found_name: str  # as spelled in the file (the file's name for a CSV)
    columns: dict[str, int]  # field → 0-based column index
    headers: dict[str, str]  # field → header as spelled in the file


# `offset`, then (line, cells from column `offset` on) for every row of lines `first` to `last`
# (None: the sheet's last) — the header is line 1.
_RowSource = Callable[
    [SheetLayout, int, int | None], tuple[int, Iterator[tuple[int, Sequence[CellValue]]]]
]


@dataclass
class SheetReader:
    """The sheets found, their structure anomalies, and their data rows on demand."""

    layouts: list[SheetLayout]
    anomalies: list[Anomalie]
    _rows: _RowSource = field(repr=False)
    batch_size: int = field(default_factory=lambda: get_settings().batch_size)

    @property
    def ok(self) -> bool:
        """False when a structure error rejects the file: do not import its rows."""
        return not any(a.blocking for a in self.anomalies)

    def iter_rows(
        self,
        batch_size: int | None = None,
        *,
        sheets: frozenset[str] | None = None,
        first: int = 2,
        last: int | None = None,
    ) -> Iterator[list[RawRow]]:
        """Non-blank data rows, sheet after sheet; a batch never mixes two sheets. Only the
        ``sheets`` named (model names), and only lines ``first`` to ``last``, when given."""
        size = batch_size or self.batch_size
        for layout in self.layouts:
            if sheets is not None and layout.spec.name not in sheets:
                continue
            name, present = layout.spec.name, frozenset(layout.columns)
            fields, columns = list(layout.columns), list(layout.columns.values())
            batch: list[RawRow] = []
            pick, width = None, -1
            offset, rows = self._rows(layout, first, last)
            for line, values in rows:
                if len(values) != width:  # calamine: once per sheet; CSV: per record width
                    width, pick = len(values), _picker(columns, offset, len(values))
                if pick is not None:
                    cells = dict(zip(fields, pick(values), strict=True))
                else:
                    cells = {
                        f: values[c - offset] if 0 <= c - offset < len(values) else ""
                        for f, c in zip(fields, columns, strict=True)
                    }
                if not _has_data(cells.values()):
                    continue  # blank rows are skipped anywhere, data in unknown columns too
                batch.append(RawRow(name, line, cells, present))
                if len(batch) >= size:
                    yield batch
                    batch = []
            if batch:
                yield batch


def _picker(
    columns: Sequence[int], offset: int, width: int
) -> Callable[[Sequence[CellValue]], Sequence[CellValue]] | None:
    """The mapped cells of a row at C speed, when every mapped column is within the row."""
    at = [c - offset for c in columns]
    if not at or not all(0 <= a < width for a in at):
        return None
    if len(at) == 1:
        return lambda values: (values[at[0]],)
    return itemgetter(*at)


def _has_data(values: Iterable[object]) -> bool:
    for value in values:
        if isinstance(value, str):
            if value.strip():
                return True
        elif value is not None:
            return True
    return False


def open_workbook(
    data: bytes, scan: WorkbookScan, sheets: Sequence[Sheet] = WORKBOOK_1
) -> SheetReader:
    """An .xlsx/.xlsm/.ods (or, by its scan's format, a .csv): every sheet in `sheets` is due."""
    if scan.format is SpreadsheetFormat.CSV:
        return read_csv(data, sheets)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(scan.package))
        names = list(workbook.sheet_names)
    except PasswordError:
        return _failed(
            FICHIER_PROTEGE,
            "Le fichier est protégé par un mot de passe : retirez-le, enregistrez et déposez-le "
            "à nouveau.",
        )
    except (CalamineError, ValueError, OSError) as exc:
        log.warning("import.parser_error", parser="calamine", error=str(exc))
        return _failed(
            FICHIER_ILLISIBLE, f"Le fichier est endommagé et ne peut pas être lu. {_RESAVE}"
        )
    scanned = {s.name for s in scan.sheets}
    layouts: list[SheetLayout] = []
    anomalies: list[Anomalie] = []
    # calamine parses a sheet whole: the one loaded for its header is kept for its rows, and
    # dropped once they are read (the first sheet's, Entités, is the smaller one).
    loaded: dict[str, CalamineSheet] = {}
    for spec in sheets:
        name = next((n for n in names if fold(n) == fold(spec.name)), None)
        if name is None:
            anomalies.append(_missing_sheet(spec, scan.sheet_names or names))
            continue
        unreadable = _failed(
            FICHIER_ILLISIBLE, f"Le fichier a une feuille {quote(name)} illisible. {_RESAVE}"
        )
        if name not in scanned:  # never hand calamine a sheet the pre-scan did not bound
            return unreadable
        try:
            sheet = loaded[name] = workbook.get_sheet_by_name(name)
            offset = sheet.start[1] if sheet.start else 0
            first = next(sheet.iter_rows(), []) if sheet.start and sheet.start[0] == 0 else []
        except CalamineError as exc:
            log.warning("import.parser_error", parser="calamine", sheet=name, error=str(exc))
            return unreadable
        layout, problems = _map_headers(spec, name, list(enumerate(first, start=offset)))
        layouts.append(layout)
        anomalies.extend(problems)

    return SheetReader(layouts, anomalies, _calamine_rows(workbook, loaded))


def open_rows(package: bytes, layouts: list[SheetLayout]) -> SheetReader:
    """The rows of sheets whose headers an earlier unit already mapped (``layouts``), from a
    package made of what its pre-scan accepted: the parts of a split analysis, whose sheet may
    hold only the rows of their range (sheetcut.py), header left out."""
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(package))
    return SheetReader(layouts, [], _calamine_rows(workbook, {}))


def _calamine_rows(workbook: CalamineWorkbook, loaded: dict[str, CalamineSheet]) -> _RowSource:
    def sheet_rows(
        layout: SheetLayout, first: int, last: int | None
    ) -> tuple[int, Iterator[tuple[int, Sequence[CellValue]]]]:
        found = layout.found_name
        sheet = loaded.pop(found, None) or workbook.get_sheet_by_name(found)
        # calamine's iter_rows starts at row 1 (leading empty rows are padded) but at the first
        # used column: hence the offset (pinned by a test, should calamine change). The iterator
        # holds the sheet until its last row, and no longer.
        offset = sheet.start[1] if sheet.start else 0
        return offset, zip(count(first), islice(sheet.iter_rows(), first - 1, last), strict=False)

    return sheet_rows


def _missing_sheet(spec: Sheet, present: Sequence[str]) -> Anomalie:
    shown = ", ".join(quote(n) for n in present) or "aucune"
    close = closest(spec.name, present, cutoff=70)
    todo = (
        f"Si c'est la feuille {quote(close)}, renommez-la {quote(spec.name)}."
        if close
        else f"Renommez la feuille concernée {quote(spec.name)} ou repartez du modèle."
    )
    message = (
        f"{locate(spec.name, 0, '')} : la feuille est absente du classeur (feuilles présentes : "
        f"{shown}). {todo}"
    )
    return Anomalie(spec.name, 0, "", "", FEUILLE_MANQUANTE, Severite.ERREUR, message)


def read_csv(
    data: bytes, sheets: Sequence[Sheet] = WORKBOOK_1, limits: Settings | None = None
) -> SheetReader:
    """One sheet per CSV file, recognised by its headers; `;` or `,` separator."""
    limits = limits or get_settings()
    text = _decode(data)
    first_line = text[:65536].split("\n", 1)[0]  # the header line, without copying the rest
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","

    def records() -> Iterator[list[str]]:
        return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    try:
        reader = records()
        header = next(reader, [])
        # Counting once up front bounds the rows before any is imported; the decoded text is
        # already in memory (≤ the upload cap), the records are not kept.
        data_rows = sum(1 for record in reader if any(c.strip() for c in record))
    except csv.Error as exc:
        return _failed(FICHIER_ILLISIBLE, f"Le fichier CSV est mal formé ({exc}). {_RESAVE}")
    if data_rows > limits.max_rows_per_file:
        return _failed(
            TROP_DE_LIGNES,
            f"Le fichier contient {data_rows} lignes de données : un fichier est limité à "
            f"{limits.max_rows_per_file}. Découpez-le, par exemple par département.",
        )
    cells = list(enumerate(header))
    spec = _recognise(sheets, cells)
    if spec is None:
        names = " ni à la feuille ".join(s.name for s in sheets)
        return _failed(
            FEUILLE_MANQUANTE,
            f"Le fichier CSV n'a pas en ligne 1 les en-têtes de la feuille {names}. Un fichier "
            "CSV contient une seule feuille, avec les en-têtes du modèle en ligne 1.",
        )
    layout, problems = _map_headers(spec, spec.name, cells)

    def csv_rows(
        layout: SheetLayout, first: int, last: int | None
    ) -> tuple[int, Iterator[tuple[int, Sequence[CellValue]]]]:
        return 0, zip(count(first), islice(records(), first - 1, last), strict=False)

    return SheetReader([layout], problems, csv_rows)


def _keys(spec: Sheet) -> dict[str, Column]:
    """Folded header → column; a header always wins over another column's alias."""
    keys = {fold(alias): c for c in spec.columns for alias in c.aliases}
    keys.update({fold(c.header): c for c in spec.columns})
    return keys


def _recognise(sheets: Sequence[Sheet], cells: Sequence[tuple[int, CellValue]]) -> Sheet | None:
    """The sheet whose columns the headers name most (required ones first); None if none."""
    folded = {fold(str(v)) for _, v in cells if not _blank(v)}

    def score(spec: Sheet) -> tuple[int, int]:
        found = {c.field for k, c in _keys(spec).items() if k in folded}
        required = {c.field for c in spec.columns if c.required}
        return len(found & required), len(found)

    best = max(sheets, key=score)  # max() keeps the first of equals: the model's order
    return best if score(best)[1] else None


def _map_headers(
    spec: Sheet, found_name: str, cells: Sequence[tuple[int, CellValue]]
) -> tuple[SheetLayout, list[Anomalie]]:
    keys = _keys(spec)
    layout = SheetLayout(spec, found_name, {}, {})
    problems: list[Anomalie] = []
    unknown: list[tuple[str, str]] = []  # (letter, header as spelled)
    for col, raw in cells:
        if _blank(raw):
            continue
        text = str(raw).strip()
        letter = column_letters(col + 1)
        column = keys.get(fold(text))
        if column is None:
            unknown.append((letter, text))
        elif column.field in layout.columns:
            first = column_letters(layout.columns[column.field] + 1)
            problems.append(
                _header_anomaly(
                    COLONNE_EN_DOUBLE,
                    spec,
                    letter,
                    text,
                    f"désigne la même colonne du modèle ({quote(column.header)}) que la colonne "
                    f"{first} ({quote(layout.headers[column.field])}) : supprimez ou renommez "
                    "l'une des deux.",
                )
            )
        else:
            layout.columns[column.field] = col
            layout.headers[column.field] = text
    absent = [c for c in spec.columns if c.field not in layout.columns]
    for letter, text in unknown:
        meant = _closest_column(text, absent)
        hint = did_you_mean(meant.header) if meant else ""
        problems.append(
            _header_anomaly(
                COLONNE_INCONNUE,
                spec,
                letter,
                text,
                "n'est pas une colonne du modèle ; elle est ignorée. Si elle devait être lue, "
                f"corrigez son en-tête (voir le modèle).{hint}",
                Severite.AVERTISSEMENT,
            )
        )
    for column in absent:
        if not column.required:
            continue
        typo = next((u for u in unknown if _closest_column(u[1], [column])), None)
        todo = (
            f"Vouliez-vous dire {quote(column.header)} en colonne {typo[0]} ({quote(typo[1])}) ? "
            "Corrigez alors son en-tête."
            if typo
            else "Ajoutez-la en ligne 1 (voir le modèle)."
        )
        problems.append(
            Anomalie(
                spec.name,
                1,
                column.header,
                "",
                COLONNE_MANQUANTE,
                Severite.ERREUR,
                f"{locate(spec.name, 1, '')} : la colonne obligatoire {quote(column.header)} est "
                f"absente. {todo}",
            )
        )
    return layout, problems


def _closest_column(text: str, columns: Sequence[Column]) -> Column | None:
    """The column whose header or an alias is close to `text` (a typo in a header)."""
    names = {name: c for c in columns for name in (c.header, *c.aliases)}
    found = closest(text, list(names), cutoff=_CLOSE_HEADER)
    return names[found] if found else None


def _header_anomaly(
    code: str,
    spec: Sheet,
    letter: str,
    text: str,
    detail: str,
    severite: Severite = Severite.ERREUR,
) -> Anomalie:
    """About a header of row 1: placed on the header as spelled, named by its column letter."""
    message = f"{locate(spec.name, 1, letter)} : {quote(text)} {detail}"
    return Anomalie(spec.name, 1, text, text, code, severite, message)


def _failed(code: str, message: str) -> SheetReader:
    """A reader without sheets: the file as a whole is refused (row 0)."""
    anomaly = Anomalie("", 0, "", "", code, Severite.ERREUR, message)
    return SheetReader([], [anomaly], lambda _layout, _first, _last: (0, iter(())))


def _decode(data: bytes) -> str:
    """UTF-8 with or without BOM, else Windows-1252 (Excel's « CSV (séparateur : point-virgule) »).

    latin-1 is the last resort: it decodes anything, and the 5 bytes cp1252 leaves undefined
    then show up as control characters that the cell checks report (CARACTERE_INTERDIT).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1")


def _blank(value: object) -> bool:
    return not _has_data((value,))
