"""Dates and non-negative integers read from one spreadsheet cell (IMPORT-FORMAT.md)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from service.referentiels.checks import Checked, error, warning

_FRENCH = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_SERIAL = re.compile(r"[0-9]{1,7}")
# Excel's 1900 system counts 1900-02-29, which never existed (serial 60): serials above it are
# days since 1899-12-30, serials below it days since 1899-12-31. LibreOffice agrees from 61 on.
_EXCEL_LEAP_BUG = 60
_EPOCH_AFTER_BUG = date(1899, 12, 30)
_EPOCH_BEFORE_BUG = date(1899, 12, 31)
_SERIAL_MAX = (date.max - _EPOCH_AFTER_BUG).days
# Counts land in PostgreSQL `integer` columns.
_INTEGER_MAX = 2**31 - 1
# « 1 200 » as LibreOffice and French Excel display it (space, NBSP or narrow NBSP), « 12.0 ».
_INTEGER = re.compile(r"([0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+|[0-9]+)(?:[.,]0+)?")
_GROUPING = str.maketrans("", "", " \u00a0\u202f")


def _invalid_date() -> Checked[date]:
    detail = (
        "n'est pas une date valide : saisissez-la au format JJ/MM/AAAA (par exemple 31/01/2025) "
        "ou formatez la cellule en Date."
    )
    return Checked(None, (error("DATE_INVALIDE", detail),))


def _from_serial(serial: int) -> Checked[date]:
    if serial <= 0 or serial == _EXCEL_LEAP_BUG or serial > _SERIAL_MAX:
        return _invalid_date()
    epoch = _EPOCH_BEFORE_BUG if serial < _EXCEL_LEAP_BUG else _EPOCH_AFTER_BUG
    value = epoch + timedelta(days=serial)
    detail = (
        f"a été lu comme une date Excel sans format : {value:%d/%m/%Y}. Vérifiez-la ; pour "
        "l'éviter, formatez la colonne en Date ou saisissez JJ/MM/AAAA."
    )
    return Checked(value, (warning("DATE_NUMERIQUE", detail),))


def _from_text(text: str) -> Checked[date]:
    if _SERIAL.fullmatch(text):
        return _from_serial(int(text))
    if match := _FRENCH.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _ISO.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        return _invalid_date()
    try:
        return Checked(date(year, month, day))
    except ValueError:  # 31/02/2025, month 13, year 0
        return _invalid_date()


def check_date(raw: object) -> Checked[date]:
    """A date cell, `JJ/MM/AAAA` (also `J/M/AAAA`), `AAAA-MM-JJ`, or an Excel serial (warning)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Checked(None)
    if isinstance(raw, datetime):
        return Checked(raw.date())
    if isinstance(raw, date):
        return Checked(raw)
    if isinstance(raw, str):
        return _from_text(raw.strip())
    if isinstance(raw, int) and not isinstance(raw, bool):
        return _from_serial(raw)
    if isinstance(raw, float) and raw.is_integer():
        return _from_serial(int(raw))
    return _invalid_date()


def _invalid_integer(reason: str) -> Checked[int]:
    detail = f"n'est pas un nombre entier positif ou nul{reason} : saisissez par exemple 12."
    return Checked(None, (error("NOMBRE_INVALIDE", detail),))


def check_integer(raw: object) -> Checked[int]:
    """An integer ≥ 0: `12`, `12.0`, ` 12 `, `1 200`; not `-1`, `1.5`, `abc`, `١٢`."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Checked(None)
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    elif isinstance(raw, str) and (match := _INTEGER.fullmatch(raw.strip())):
        digits = match[1].translate(_GROUPING).lstrip("0") or "0"
        # int() of thousands of digits raises (CPython's conversion limit): no need to convert.
        value = int(digits) if len(digits) <= len(str(_INTEGER_MAX)) else _INTEGER_MAX + 1
    if value is None or value < 0:
        return _invalid_integer("")
    if value > _INTEGER_MAX:
        return _invalid_integer(f" plausible (au plus {_INTEGER_MAX})")
    return Checked(value)
