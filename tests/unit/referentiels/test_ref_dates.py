from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from service.referentiels.checks import Checked, Severite
from service.referentiels.dates import check_date, check_integer


def codes(checked: Checked[Any]) -> list[str]:
    return [i.code for i in checked.issues]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (date(2025, 1, 31), date(2025, 1, 31)),
        (datetime(2025, 1, 31, 14, 30), date(2025, 1, 31)),
        ("31/01/2025", date(2025, 1, 31)),
        (" 31/01/2025 ", date(2025, 1, 31)),
        ("1/2/2025", date(2025, 2, 1)),
        ("01/02/2025", date(2025, 2, 1)),
        ("31.01.2025", date(2025, 1, 31)),
        ("31-01-2025", date(2025, 1, 31)),
        ("29/02/2024", date(2024, 2, 29)),
        ("2025-01-31", date(2025, 1, 31)),
    ],
)
def test_accepted_dates(raw: object, expected: date) -> None:
    assert check_date(raw) == Checked(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (45688, date(2025, 1, 31)),
        (45688.0, date(2025, 1, 31)),
        ("45688", date(2025, 1, 31)),
        (45658, date(2025, 1, 1)),
        (1, date(1900, 1, 1)),
        (59, date(1900, 2, 28)),
        (61, date(1900, 3, 1)),
        (36526, date(2000, 1, 1)),
        (2958465, date(9999, 12, 31)),
    ],
)
def test_excel_serials_are_read_with_a_warning(raw: object, expected: date) -> None:
    checked = check_date(raw)
    assert checked.value == expected
    assert codes(checked) == ["DATE_NUMERIQUE"]
    assert checked.issues[0].severite is Severite.AVERTISSEMENT
    assert f"{expected:%d/%m/%Y}" in checked.issues[0].detail


@pytest.mark.parametrize(
    "raw",
    [
        60,  # 29/02/1900, which Excel counts but never existed
        0,
        -1,
        2958466,
        45688.5,
        float("nan"),
        float("inf"),
        "45688.5",
        "31/02/2025",
        "29/02/2025",
        "32/01/2025",
        "31/13/2025",
        "2025-02-30",
        "2025-1-31",
        "31/01/25",
        "31012025",
        "2025/01/31",
        "janvier 2025",
        "demain",
        "٣١/٠١/٢٠٢٥",
        True,
        time(12, 0),
        timedelta(days=3),
    ],
)
def test_invalid_dates(raw: object) -> None:
    checked = check_date(raw)
    assert checked.value is None
    assert codes(checked) == ["DATE_INVALIDE"]
    assert "JJ/MM/AAAA" in checked.issues[0].detail


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_empty_date(raw: object) -> None:
    assert check_date(raw) == Checked(None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, 0),
        (12, 12),
        (12.0, 12),
        ("12", 12),
        (" 12 ", 12),
        ("12.0", 12),
        ("12,00", 12),
        ("0012", 12),
        ("1 200", 1200),
        ("1\u00a0200", 1200),
        ("1\u202f200", 1200),
        ("12 345 678", 12345678),
        (2**31 - 1, 2**31 - 1),
    ],
)
def test_accepted_integers(raw: object, expected: int) -> None:
    assert check_integer(raw) == Checked(expected)


@pytest.mark.parametrize(
    "raw",
    [
        -1,
        -1.0,
        "-1",
        "+1",
        1.5,
        "1.5",
        "1,5",
        "abc",
        "12 ans",
        "1 2",
        "12 00",
        "١٢",
        "１２",
        True,
        False,
        float("nan"),
        float("inf"),
        date(2025, 1, 1),
        2**31,
        "9" * 5000,
    ],
)
def test_invalid_integers(raw: object) -> None:
    checked = check_integer(raw)
    assert checked.value is None
    assert codes(checked) == ["NOMBRE_INVALIDE"]
    assert "entier positif ou nul" in checked.issues[0].detail


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_empty_integer(raw: object) -> None:
    assert check_integer(raw) == Checked(None)
