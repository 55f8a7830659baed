"""What the tests check in a Temps 1 template, whoever wrote it (openpyxl or LibreOffice)."""

from __future__ import annotations

import re

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from service.imports.columns import DISPOSITIFS, ENTITES

MARKER_PREFIX = "offre-temps1-"
SHEETS = (ENTITES, DISPOSITIFS)
# Drop-down column → its range in « Listes ».
EXPECTED_LISTS = {
    "Type de dispositif": "Listes!$A$2:$A$35",
    "Département": "Listes!$B$2:$B$102",
    "Département du siège": "Listes!$B$2:$B$102",
    "Forme juridique": "Listes!$C$2:$C$13",
}


def headers(ws: Worksheet) -> list[object]:
    return [c.value for c in ws[1]]


def letters(ws: Worksheet) -> list[str]:
    return [get_column_letter(i) for i in range(1, ws.max_column + 1)]


def validations(ws: Worksheet) -> dict[str, tuple[str, str]]:
    """header → (formula1 without « = », sqref) of each list validation."""
    by_letter = {get_column_letter(i): c.value for i, c in enumerate(ws[1], start=1)}
    found = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "list"
        for ref in str(dv.sqref).split():
            letter = re.match(r"[A-Z]+", ref)
            assert letter is not None
            found[str(by_letter[letter.group()])] = ((dv.formula1 or "").lstrip("="), ref)
    return found


def marker_cells(ws: Worksheet) -> list[str]:
    return [
        c.coordinate
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith(MARKER_PREFIX)
    ]


# --- The blank template ----------------------------------------------------------------------
