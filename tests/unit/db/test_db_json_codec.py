"""The jsonb codec (orjson) gives the standard library's results, or its refusals."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.db.json_codec import dumps, loads

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=20
)


def _text(data: bytes | str) -> str:
    return data.decode() if isinstance(data, bytes) else data


def _same_as_json(value: Any) -> None:
    try:
        expected = json.loads(json.dumps(value))
    except (TypeError, ValueError):
        with pytest.raises((TypeError, ValueError)):
            json.loads(_text(dumps(value)))
        return
    written = dumps(value)
    assert json.loads(_text(written)) == expected
    assert loads(written) == expected


@given(VALUES)
def test_any_json_value_round_trips_like_the_standard_library(value: Any) -> None:
    _same_as_json(value)


@given(st.text(alphabet="0123456789-.e", min_size=1, max_size=40))
def test_numbers_are_read_like_the_standard_library(text: str) -> None:
    try:
        expected = json.loads(text)
    except ValueError:
        return
    found = loads(text.encode())
    assert found == expected and type(found) is type(expected)


@pytest.mark.parametrize(
    "value",
    [
        {"nom": "Foyer « Les Lilas » – Évry", "publics": ["Femme seule avec enfant(s)"]},
        2**64,
        -(2**63) - 1,
        {1: "clé entière"},
        (1, 2),
        "\u2028",
        1e16,
        0.1,
        12345678901234567890,
        {"capacite": 2**31 - 1, "structures": [10**18 - 1]},
    ],
)
def test_values_where_the_two_libraries_could_differ(value: Any) -> None:
    _same_as_json(value)


@dataclass
class _Record:
    a: int


@pytest.mark.parametrize(
    "value", [date(2024, 1, 1), datetime(2024, 1, 1, 10), time(10), Decimal("1.5"), _Record(1)]
)
def test_what_the_standard_library_refuses_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        dumps({"valeur": value})


def test_long_integers_are_read_as_integers() -> None:
    assert loads(b'{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}
    assert loads(memoryview(b"[18446744073709551616]")) == [18446744073709551616]
