"""Workbooks the service writes, saved again by LibreOffice Calc (a real soffice process):
the template keeps its sheets, headers, marker and drop-downs; a report keeps formula-like values
as text. With CI=true a missing LibreOffice fails (scripts/install-libreoffice.sh installs it)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from openpyxl.utils import get_column_letter

from service.config import Settings
from service.imports.anomalies import Anomalie, anomaly
from service.imports.columns import TEMPLATE_VERSION, Kind
from service.imports.filecheck import SpreadsheetFormat
from service.imports.prescan import WorkbookScan, prescan
from service.imports.report import SheetValues, build_report
from service.imports.template import build_template
from service.referentiels.checks import Severite
from tests.support.libreoffice import MISSING, SOFFICE, convert
from tests.support.template_checks import (
    EXPECTED_LISTS,
    MARKER_PREFIX,
    SHEETS,
    headers,
    marker_cells,
    validations,
)

E = Severite.ERREUR
RED = "FFFFC7CE"
FORMULA_LIKE = ["=1+1", '=HYPERLINK("http://exemple.invalid";"x")', "+33 1 23", "-5", "@SOMME(A1)"]


@pytest.fixture(scope="module")
def template() -> bytes:
    return build_template()


@pytest.fixture(scope="module")
def formula_report() -> bytes:
    rows: list[tuple[int, list[object]]] = [(2 + i, [v, v]) for i, v in enumerate(FORMULA_LIKE)]
    anomalies = [
        anomaly("Entités", 2 + i, "SIREN", v, "SIREN_INVALIDE", E, "invalide.")
        for i, v in enumerate(FORMULA_LIKE)
    ]
    anomalies.append(Anomalie("Entités", 2, "SIREN", "=2+2", "=3+3", E, "=4+4"))
    return build_report([SheetValues("Entités", ["SIREN", "=Nom"], rows)], anomalies)


@pytest.fixture(scope="module")
def converted(template: bytes) -> Iterator[dict[str, Path]]:
    if SOFFICE is None:
        pytest.skip(MISSING)
    work = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    try:
        source = work / "modele.xlsx"
        source.write_bytes(template)
        profile = work / "profile"
        outputs = {}
        for fmt in ("xlsx", "ods"):
            outdir = work / fmt
            outputs[fmt] = convert(source, fmt, outdir, profile)
        yield outputs
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_libreoffice_xlsx_keeps_sheets_headers_marker_and_drop_downs(
    converted: dict[str, Path],
) -> None:
    wb = openpyxl.load_workbook(converted["xlsx"])
    assert wb.sheetnames == ["Lisez-moi", "Entités", "Dispositifs", "Listes"]
    assert wb["Listes"].sheet_state == "hidden"
    readme = wb["Lisez-moi"]
    (ref,) = marker_cells(readme)
    assert readme[ref].value == TEMPLATE_VERSION
    assert readme.column_dimensions[ref.rstrip("0123456789")].hidden
    for sheet in SHEETS:
        ws = wb[sheet.name]
        assert headers(ws) == [c.header for c in sheet.columns]
        assert all(c.comment is not None for c in ws[1])
        found = validations(ws)
        assert {h: f for h, (f, _) in found.items()} == {
            h: f for h, f in EXPECTED_LISTS.items() if h in headers(ws)
        }
        for _, ref in found.values():
            # LibreOffice writes a validation down to its last used row + 1000 only.
            first, last = ref.split(":")
            assert first.endswith("2") and int(re.sub("[A-Z]", "", last)) >= 1000
        # LibreOffice keeps the Text format as the column's default style.
        letter = get_column_letter(1 + [c.kind for c in sheet.columns].index(Kind.SIREN))
        assert ws.column_dimensions[letter].number_format == "@"


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_libreoffice_output_read_by_calamine_and_prescan(
    converted: dict[str, Path], fmt: str
) -> None:
    data = converted[fmt].read_bytes()
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == ["Lisez-moi", "Entités", "Dispositifs", "Listes"]
    hidden = {
        m.name
        for m in book.sheets_metadata
        if m.visible != python_calamine.SheetVisibleEnum.Visible
    }
    assert hidden == {"Listes"}
    for sheet in SHEETS:
        rows = book.get_sheet_by_name(sheet.name).to_python()
        assert rows == [[c.header for c in sheet.columns]]
    readme = book.get_sheet_by_name("Lisez-moi").to_python()
    assert [v for row in readme for v in row if str(v).startswith(MARKER_PREFIX)] == [
        TEMPLATE_VERSION
    ]
    scan = prescan(data, SpreadsheetFormat(fmt), Settings())
    assert isinstance(scan, WorkbookScan) and scan.readme_values is not None
    assert TEMPLATE_VERSION in scan.readme_values.values()


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_libreoffice_keeps_formula_like_values_as_text(formula_report: bytes, fmt: str) -> None:
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) absent : lancez scripts/install-libreoffice.sh")
    work = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    try:
        source = work / "rapport.xlsx"
        source.write_bytes(formula_report)
        completed = subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation={(work / 'profile').as_uri()}",
                "--headless",
                "--convert-to",
                fmt,
                "--outdir",
                str(work / "out"),
                str(source),
            ],
            capture_output=True,
            timeout=120,
            check=False,
        )
        target = work / "out" / f"rapport.{fmt}"
        assert completed.returncode == 0 and target.exists(), completed.stderr
        book = python_calamine.CalamineWorkbook.from_path(str(target))
        rows = book.get_sheet_by_name("Entités").to_python()
        assert [r[0] for r in rows[1:]] == FORMULA_LIKE
        if fmt == "xlsx":
            ws = openpyxl.load_workbook(target)["Entités"]
            assert all(ws[f"A{2 + i}"].data_type == "s" for i in range(len(FORMULA_LIKE)))
            assert ws["A2"].comment is not None and "invalide" in ws["A2"].comment.text
            assert ws["A2"].fill.fgColor.rgb == RED
    finally:
        shutil.rmtree(work, ignore_errors=True)
