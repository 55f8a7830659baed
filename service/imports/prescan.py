"""Pre-scan of an accepted workbook, before calamine ever sees it.

calamine holds a sheet whole, sized by its last occupied cell, aborts the process (SIGABRT) on
one occupied at A1 and XFD1048576, and returns '' for formulas without cached value and error
values. So the sheets the import reads are streamed first with defusedxml's guards
(`<dimension>` is ignored: it can lie), bounded, and their formula problems listed; the
« Lisez-moi » version marker is read; and calamine is handed a package holding only what was
scanned (repack.py). A sheet the import does not read — a chart, an Excel 4.0 macro sheet, a
far cell on a notes sheet, the 1,024th sheet — costs nothing and refuses nothing.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from xml.sax import SAXException

from defusedxml import DefusedXmlException
from openpyxl.utils.cell import get_column_letter as column_letters

from service.config import Settings, get_settings
from service.imports import repack
from service.imports.columns import WORKBOOK_1
from service.imports.fastscan import plain_sheet
from service.imports.filecheck import FICHIER_DANGEREUX, FICHIER_ILLISIBLE, FileRefusal
from service.imports.filecheck import SpreadsheetFormat as Format
from service.imports.package import Package
from service.imports.sheetscan import (
    ERREUR_DE_FORMULE,
    FORMULE_SANS_VALEUR,
    README_MAX_CELLS,
    README_SHEET,
    TROP_DE_LIGNES,
    CellIssue,
    OdsContent,
    Refused,
    SheetScan,
    XlsxSheet,
    is_readme,
)
from service.referentiels.text import fold

__all__ = [
    "ERREUR_DE_FORMULE",
    "FORMULE_SANS_VALEUR",
    "README_MAX_CELLS",
    "TROP_DE_LIGNES",
    "CellIssue",
    "IgnoredSheet",
    "SheetScan",
    "WorkbookScan",
    "column_letters",
    "prescan",
]

WORKBOOK_SHEETS = tuple(s.name for s in WORKBOOK_1)
# calamine loads every table of an ODS when it opens it: past this many cells in the tables the
# import does not read, they are cut from the package (the template's own are a few hundred).
UNREAD_ODS_CELLS = 1_000_000
_RESAVE = "Ouvrez-le dans Excel ou LibreOffice, enregistrez-le à nouveau et déposez-le."
# What a sheet that is not a worksheet is, by the last segment of its relationship type.
_SHEET_KINDS = {
    "chartsheet": "une feuille graphique",
    "dialogsheet": "une feuille de dialogue Excel 5",
    "xlmacrosheet": "une feuille de macros Excel 4.0",
    "xlintlmacrosheet": "une feuille de macros Excel 4.0",
}
_UNKNOWN_KIND = "une feuille d'un type inconnu ou absente du fichier"


@dataclass(frozen=True, slots=True)
class IgnoredSheet:
    name: str
    kind: str  # what it is, in French: « une feuille graphique »


@dataclass(frozen=True, slots=True)
class WorkbookScan:
    format: Format
    sheets: tuple[SheetScan, ...]  # the sheets the import reads, and « Lisez-moi »
    sheet_names: tuple[str, ...] = ()  # every sheet of the workbook, in its order
    ignored: tuple[IgnoredSheet, ...] = ()  # sheets that hold no cells (charts, macros…)
    package: bytes = b""  # what calamine opens: only the scanned sheets (repack.py)

    @property
    def readme_values(self) -> dict[str, str] | None:
        """Cells of a small « Lisez-moi » (the template's version marker is in a hidden one)."""
        return next((s.values for s in self.sheets if fold(s.name) == fold(README_SHEET)), None)


def prescan(
    data: bytes,
    fmt: Format,
    limits: Settings | None = None,
    read: Sequence[str] = WORKBOOK_SHEETS,
) -> WorkbookScan | FileRefusal:
    """Scan the sheets named `read` (found as the reader finds them) of an accepted upload; a
    CSV has no XML: its scan is empty."""
    limits = limits or get_settings()
    if fmt is Format.CSV:
        return WorkbookScan(fmt, ())
    try:
        package = Package(zipfile.ZipFile(io.BytesIO(data)))
        if fmt is Format.ODS:
            return _scan_ods(data, package, limits, read)
        return _scan_xlsx(data, fmt, package, limits, read)
    except Refused as refused:
        return FileRefusal(refused.code, refused.message)
    except DefusedXmlException:
        code = FICHIER_DANGEREUX
        why = "contient des déclarations XML (DTD, entités ou références externes) qu'aucun "
        why += "tableur ne produit : par précaution, il n'a pas été lu"
    except (SAXException, ValueError, KeyError, zipfile.BadZipFile, zlib.error, OSError, EOFError):
        code, why = FICHIER_ILLISIBLE, "est endommagé (XML invalide) et ne peut pas être lu"
    return FileRefusal(code, f"Le fichier {why}. {_RESAVE}")


def _first_matches(names: Sequence[str], read: Sequence[str]) -> set[int]:
    """Positions of the sheets the reader will take: the first whose name folds like each."""
    chosen: set[int] = set()
    for wanted in read:
        found = next((i for i, n in enumerate(names) if fold(n) == fold(wanted)), None)
        if found is not None:
            chosen.add(found)
    return chosen


def _related(package: Package, main: str, rels: Mapping[str, Mapping[str, str]], kind: str) -> str:
    """The workbook's part of a relationship type (styles…), else where calamine looks for it."""
    for rel in rels.values():
        target = rel.get("Target", "")
        if rel.get("Type", "").lower().endswith("/" + kind.lower()) and target in package:
            return target
    return posixpath.join(posixpath.dirname(main), f"{kind.lower()}.xml")


def _scan_xlsx(
    data: bytes, fmt: Format, package: Package, limits: Settings, read: Sequence[str]
) -> WorkbookScan:
    main = package.main_part(("xl/workbook.xml",))
    if main is None:
        raise KeyError("workbook")
    listed = package.collect(main, "sheet")
    date1904 = any(
        w.get("date1904", "").lower() in ("1", "true") for w in package.collect(main, "workbookPr")
    )
    rels = {r.get("Id", ""): r for r in package.relationships(main)}
    worksheets: list[tuple[str, str]] = []
    ignored: list[IgnoredSheet] = []
    for sheet in listed:
        name, rel = sheet.get("name", ""), rels.get(sheet.get("id", ""), {})
        kind = rel.get("Type", "").rpartition("/")[2].lower()
        if kind == "worksheet" and rel.get("Target", "") in package:
            worksheets.append((name, rel["Target"]))
        else:
            ignored.append(IgnoredSheet(name, _SHEET_KINDS.get(kind, _UNKNOWN_KIND)))
    shared = _related(package, main, rels, "sharedStrings")
    styles = _related(package, main, rels, "styles")
    present = [p for p in (shared, styles) if p in package]
    for part in present:  # copied for calamine, which reads them whole
        package.check_prolog(part)
    chosen = _first_matches([n for n, _ in worksheets], read)
    readme = next((i for i, (n, _) in enumerate(worksheets) if is_readme(n)), None)
    scans: list[SheetScan] = []
    kept: list[tuple[str, str]] = []
    for index, (name, part) in enumerate(worksheets):
        if index in chosen:
            scans.append(_scan_sheet(package, name, part, limits))
            kept.append((name, part))
        elif index == readme:
            scans.append(_readme(package, name, part, shared, limits))
    packed = repack.xlsx_package(
        data,
        package,
        kept,
        shared_strings=shared if shared in package else None,
        styles=styles if styles in package else None,
        date1904=date1904,
    )
    names = tuple(s.get("name", "") for s in listed)
    return WorkbookScan(fmt, tuple(scans), names, tuple(ignored), packed)


def _scan_sheet(package: Package, name: str, part: str, limits: Settings) -> SheetScan:
    """A plain sheet is settled by bytes searches; anything else, or any doubt, by the walk."""
    if not is_readme(name):
        scan = plain_sheet(package.chunks(part), name, limits)
        if scan is not None:
            return scan
    state = XlsxSheet(name, limits)
    package.parse(part, state)
    return state.scan


def _readme(package: Package, name: str, part: str, shared: str, limits: Settings) -> SheetScan:
    state = XlsxSheet(name, limits, bounded=False)
    package.parse(part, state)
    state.scan.values = values = state.values
    if values is not None and state.shared and shared in package:
        strings = XlsxSheet("", limits, set(state.shared.values()), bounded=False)
        package.parse(shared, strings)
        values.update({ref: strings.strings.get(i, "") for ref, i in state.shared.items()})
    return state.scan


def _scan_ods(data: bytes, package: Package, limits: Settings, read: Sequence[str]) -> WorkbookScan:
    content = OdsContent(limits, _first_of_each(read))
    package.parse("content.xml", content)
    unread = [t for t in content.found if not t.read]
    packed = data
    if sum(t.scan.area for t in unread) > UNREAD_ODS_CELLS:
        packed = repack.ods_package(data, package, [t.span for t in unread if t.scan.area])
    readme = next((t for t in content.found if is_readme(t.scan.name)), None)
    scans = [t.scan for t in content.found if t.read or t is readme]
    names = tuple(t.scan.name for t in content.found)
    return WorkbookScan(Format.ODS, tuple(scans), names, (), packed)


def _first_of_each(read: Sequence[str]) -> Callable[[str], bool]:
    """For tables met in order: True for the first one whose name folds like each of `read`."""
    wanted, taken = {fold(n) for n in read}, set[str]()

    def reads(name: str) -> bool:
        key = fold(name)
        if key in wanted and key not in taken:
            taken.add(key)
            return True
        return False

    return reads
