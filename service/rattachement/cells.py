"""Reading one cell of workbook 2 (or one field of a screen entry) into a plain value, pure.

Calamine gives ids as floats when a spreadsheet stored them as numbers; lists come as text
separated by « ; » from a workbook, as lists from the API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.imports.anomalies import display
from service.referentiels.checks import Issue

_LIST_SEPARATORS = re.compile(r"[;\n]+")


@dataclass(frozen=True, slots=True)
class Probleme:
    """One problem of one field: ``champ`` is a field name of service/rattachement/columns.py;
    the caller names the place (sheet, row and column, or the screen's field)."""

    champ: str
    valeur: object
    issue: Issue


def text_of(raw: object) -> str:
    """The cell as typed, stripped (an integral float shows without « .0 »)."""
    return display(raw).strip()


def identifier_of(raw: object) -> int | None:
    """A legacy id (positive integer) or None when it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw > 0 else None
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() and raw > 0 else None
    text = text_of(raw).replace(" ", "").replace("\u00a0", "")
    return int(text) if text.isdigit() and int(text) > 0 else None


def items_of(raw: object) -> list[str]:
    """The values of a multi-valued cell, in order, without blanks."""
    if isinstance(raw, list | tuple):
        parts = [text_of(v) for v in raw]
    else:
        parts = [p.strip() for p in _LIST_SEPARATORS.split(text_of(raw))]
    return [p for p in parts if p]
