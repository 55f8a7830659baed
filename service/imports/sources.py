"""The uploaded file as sheets of raw rows: type check → pre-scan → reader, with file-level and
structure anomalies, and the formula problems the pre-scan found per cell."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from service.imports.anomalies import Anomalie, anomaly, locate, quote
from service.imports.columns import TEMPLATE_VERSION, WORKBOOK_1, Sheet
from service.imports.filecheck import FileRefusal, SpreadsheetFormat, inspect_upload
from service.imports.prescan import (
    FORMULE_SANS_VALEUR,
    CellIssue,
    IgnoredSheet,
    WorkbookScan,
    column_letters,
    prescan,
)
from service.imports.reader import RawRow, SheetLayout, SheetReader, open_workbook
from service.imports.repack import replace_sheet, sheet_chunks
from service.imports.sheetcut import cut_rows
from service.logging import get_logger
from service.referentiels.checks import Severite
from service.referentiels.text import fold

MARKER_PREFIX = "offre-temps1-"
FEUILLE_IGNOREE = "FEUILLE_IGNOREE"
log = get_logger(__name__)


@dataclass
class OpenedSource:
    anomalies: list[Anomalie] = field(default_factory=list)
    reader: SheetReader | None = None
    # (sheet, line) → the pre-scan's formula problems on that row
    formula_issues: dict[tuple[str, int], list[Anomalie]] = field(default_factory=dict)
    # The hidden cells of « Lisez-moi » (the template's version marker, workbook 2's
    # département and export time).
    readme_values: dict[str, str] | None = None
    # The sheets the pre-scan accepted (empty for a CSV): the parts of a split analysis read
    # their rows from it without a scan of their own.
    package: bytes = b""
    # When the analysis splits a sheet (``split``): its last line, and its layout. The reader
    # then holds its header only; the parts read its rows.
    split_height: int = 0
    split_layout: SheetLayout | None = None

    @property
    def fatal(self) -> bool:
        return self.reader is None or any(a.blocking for a in self.anomalies)

    def batches(self, size: int, sheets: frozenset[str] | None = None) -> Iterator[list[RawRow]]:
        """Batches of raw rows, sheet after sheet (a batch never mixes two sheets); only the
        ``sheets`` named, when given."""
        if self.reader is not None:
            yield from self.reader.iter_rows(size, sheets=sheets)

    def cell_issues(self, sheet: str, line: int) -> list[Anomalie]:
        return self.formula_issues.get((sheet, line), [])


def _file_anomaly(code: str, message: str, severite: Severite = Severite.ERREUR) -> Anomalie:
    return Anomalie("", 0, "", "", code, severite, message)


def _marker_problem(scan: WorkbookScan) -> Anomalie | None:
    """A file from an obsolete template is refused; a file without marker is read by headers."""
    values = scan.readme_values or {}
    markers = [v for v in values.values() if v.strip().startswith(MARKER_PREFIX)]
    if not markers or TEMPLATE_VERSION in (m.strip() for m in markers):
        return None
    return _file_anomaly(
        "MODELE_OBSOLETE",
        f"Le fichier provient d'une version périmée du modèle ({quote(markers[0].strip())}) : "
        "téléchargez le modèle à jour (GET /api/v1/modeles/offre.xlsx ou « offre modele ») "
        "et recopiez-y vos lignes.",
    )


def _ignored_sheet(sheet: IgnoredSheet) -> Anomalie:
    read = " et ".join(s.name for s in WORKBOOK_1)
    return Anomalie(
        sheet.name,
        0,
        "",
        "",
        FEUILLE_IGNOREE,
        Severite.AVERTISSEMENT,
        f"{locate(sheet.name, 0, '')} : c'est {sheet.kind}, elle est ignorée (seules les "
        f"feuilles {read} sont lues).",
    )


def _formula_detail(issue: CellIssue) -> str:
    if issue.code == FORMULE_SANS_VALEUR:
        return (
            f"est une formule sans valeur calculée enregistrée (cellule {issue.ref}) : ouvrez "
            "le fichier dans Excel ou LibreOffice, recalculez-le et enregistrez-le, ou remplacez "
            "la formule par sa valeur (Collage spécial > Valeurs)."
        )
    return (
        f"est l'erreur que renvoie la formule de la cellule {issue.ref} : corrigez la formule "
        "ou saisissez la valeur."
    )


def _formula_issues(
    scan: WorkbookScan, layout: SheetLayout, found: dict[tuple[str, int], list[Anomalie]]
) -> None:
    sheet = next((s for s in scan.sheets if s.name == layout.found_name), None)
    if sheet is None:
        return
    by_column = {index: layout.spec.column(f).header for f, index in layout.columns.items()}
    for issue in (*sheet.formulas_without_value, *sheet.error_cells):
        column = by_column.get(issue.column - 1, column_letters(issue.column))
        found[(layout.spec.name, issue.row)].append(
            anomaly(
                layout.spec.name,
                issue.row,
                column,
                issue.value,
                issue.code,
                Severite.ERREUR,
                _formula_detail(issue),
            )
        )


def _header_only(scan: WorkbookScan, split: Sheet, above: int) -> tuple[bytes, str, int] | None:
    """The package with the sheet ``split`` cut to its header row when it has more than
    ``above`` data rows and is of the plain kind (an .xlsx without formula problems there):
    (package, the sheet's name in the file, its last line). None: read it whole."""
    if scan.format not in (SpreadsheetFormat.XLSX, SpreadsheetFormat.XLSM):
        return None
    found = next((s for s in scan.sheets if fold(s.name) == fold(split.name)), None)
    if found is None or found.max_row - 1 <= above:
        return None
    if found.formulas_without_value or found.error_cells or found.omitted_issues:
        return None
    if not found.rows_in_order:  # the cut stops past the range: no row may come back later
        return None
    header = cut_rows(sheet_chunks(scan.package, found.name), 1, 1)
    if header is None:
        return None
    return replace_sheet(scan.package, found.name, (header,)), found.name, found.max_row


def open_source(
    filename: str,
    data: bytes,
    sheets: Sequence[Sheet] = WORKBOOK_1,
    *,
    split: Sheet | None = None,
    split_above: int = 0,
) -> OpenedSource:
    """The file's ``sheets`` (workbook 1 by default; workbook 2 for a rattachement). With
    ``split``: when that sheet has more than ``split_above`` data rows, its rows are left to the
    parts of the analysis (``split_height``, ``split_layout``)."""
    opened = OpenedSource()
    info = inspect_upload(filename, data)
    if isinstance(info, FileRefusal):
        opened.anomalies.append(_file_anomaly(info.code, info.message))
        return opened
    opened.anomalies.extend(_file_anomaly(w.code, w.message, w.severite) for w in info.warnings)
    scan = prescan(data, info.format, read=tuple(s.name for s in sheets))
    if isinstance(scan, FileRefusal):
        opened.anomalies.append(_file_anomaly(scan.code, scan.message))
        return opened
    opened.readme_values = scan.readme_values
    marker = _marker_problem(scan)
    if marker is not None:
        opened.anomalies.append(marker)
        return opened
    for sheet in scan.ignored:
        log.info("import.sheet_ignored", sheet=sheet.name, kind=sheet.kind)
        opened.anomalies.append(_ignored_sheet(sheet))
    cut = _header_only(scan, split, split_above) if split is not None else None
    if cut is None:
        reader = open_workbook(data, scan, sheets)
    else:
        header_package, found_name, height = cut
        reader = open_workbook(data, replace(scan, package=header_package), sheets)
        layout = next((x for x in reader.layouts if x.found_name == found_name), None)
        if layout is None:  # never left with a header and no rows: read it whole
            reader = open_workbook(data, scan, sheets)
        else:
            opened.split_height, opened.split_layout = height, layout
    opened.anomalies.extend(reader.anomalies)
    if reader.ok:
        opened.reader = reader
        opened.package = scan.package
        issues: dict[tuple[str, int], list[Anomalie]] = defaultdict(list)
        for layout in reader.layouts:
            _formula_issues(scan, layout, issues)
        opened.formula_issues = dict(issues)
    return opened
