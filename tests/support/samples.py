"""Workbooks and rows the tests share (built in memory: no binary file is committed)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from service.imports.columns import DISPOSITIFS as DISPOSITIFS_SHEET
from service.imports.columns import ENTITES as ENTITES_SHEET
from tests.support.workbooks import xlsx_bytes

ENTITES = ["SIREN", "Raison sociale", "Forme juridique", "Département du siège"]
DISPOSITIFS = [
    "Identifiant",
    "SIREN de l'entité",
    "Nom du dispositif",
    "Type de dispositif",
    "Département",
    "Capacité financée",
    "Date d'ouverture",
]


def workbook(entites: list[list[object]], dispositifs: list[list[object]]) -> bytes:
    return xlsx_bytes({"Entités": [ENTITES, *entites], "Dispositifs": [DISPOSITIFS, *dispositifs]})


GOOD_ENTITES = [
    ["732829320", "Association Aurore", "Association loi 1901", "75"],
    ["552 081 317", "Emmaüs Solidarité", "Association loi 1901", "75"],
]
GOOD_DISPOSITIFS = [
    [None, "732829320", "CHRS Les Lilas", "CHRS", "75", 40, "01/02/2020"],
    [None, "732829320", "Pension de famille Belleville", "pension de famille", "75", 25, None],
    [None, "552081317", "Maraude de nuit", "Maraude", "75", None, None],
]


def fill(
    template: bytes, entites: list[dict[str, Any]], dispositifs: list[dict[str, Any]]
) -> bytes:
    """What a user does in the template: type rows under the headers (as text or numbers)."""
    wb = openpyxl.load_workbook(io.BytesIO(template))
    for sheet, rows in ((ENTITES_SHEET, entites), (DISPOSITIFS_SHEET, dispositifs)):
        ws = wb[sheet.name]
        fields = [c.field for c in sheet.columns]
        for r, row in enumerate(rows, start=2):
            for field, value in row.items():
                cell = ws.cell(row=r, column=fields.index(field) + 1, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # typed as text, as Calc keeps a text-formatted cell
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


ENTITES_ROWS = [
    {
        "siren": "732 829 320",
        "raison_sociale": "Association Aurore",
        "forme_juridique": "Association loi 1901",
        "departement_siege": "75",
    },
]
DISPOSITIFS_ROWS = [
    {
        "siren": "732829320",
        "nom": "CHRS Les Lilas",
        "type_code": "CHRS",
        "departement": "75",
        "capacite_financee": 40,
        "date_ouverture": "01/02/2020",
    },
    {
        "siren": "732829320",
        "nom": "=Accueil de jour",
        "type_code": "Accueil de jour",
        "departement": "75",
        "capacite_financee": 15,
    },  # capacity forbidden; name looks like a formula
    {
        "siren": "732829320",
        "nom": "Pension de famille",
        "type_code": "pension de famille",
        "departement": "75",
        "siret": "73282932000075",
    },  # bad SIRET key
]


DEPARTEMENTS = ("13", "33", "69", "75")
PER_DEPARTEMENT = 25


def national_workbook() -> bytes:
    entites = [
        ["SIREN", "Raison sociale", "Département du siège"],
        ["732829320", "Association Aurore", "75"],
        ["552081317", "Emmaüs Solidarité", "75"],
    ]
    dispositifs = [
        [
            "SIREN de l'entité",
            "Nom du dispositif",
            "Type de dispositif",
            "Département",
            "Capacité financée",
        ]
    ]
    for dep in DEPARTEMENTS:
        for n in range(PER_DEPARTEMENT):
            siren = "732829320" if n % 2 else "552081317"
            dispositifs.append([siren, f"CHRS {dep} numéro {n}", "CHRS", dep, 10 + n])
    return xlsx_bytes({"Entités": entites, "Dispositifs": dispositifs})


WORKBOOK = national_workbook()
ROWS = len(DEPARTEMENTS) * PER_DEPARTEMENT + 2


def luhn_siren(serial: int) -> str:
    """A valid SIREN (Luhn key) made from a serial number, for tests that need many."""
    body = f"{serial:08d}"[-8:]
    for key in "0123456789":
        digits = [int(d) for d in body + key]
        total = sum(
            d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits)
        )
        if total % 10 == 0:
            return body + key
    raise AssertionError("unreachable")
