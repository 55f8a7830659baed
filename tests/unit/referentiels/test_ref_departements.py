from __future__ import annotations

import pytest

from service.referentiels.checks import Checked
from service.referentiels.departements import (
    CODES,
    advisory_lock_key,
    check_departement,
    departement_name,
)

METROPOLE = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"}
OUTRE_MER = {"971", "972", "973", "974", "976"}


def test_the_101_codes() -> None:
    assert len(CODES) == 101
    assert CODES == METROPOLE | OUTRE_MER


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01", "01"),
        ("1", "01"),
        (1, "01"),
        (1.0, "01"),
        ("9", "09"),
        (75, "75"),
        (75.0, "75"),
        ("75", "75"),
        (" 75 ", "75"),
        ("2A", "2A"),
        ("2a", "2A"),
        (" 2a ", "2A"),
        ("2b", "2B"),
        ("971", "971"),
        (971, "971"),
        ("976", "976"),
        ("\u00a075\u00a0", "75"),
        ("75 - Paris", "75"),
        ("2A – Corse-du-Sud", "2A"),
        ("974 La Réunion", "974"),
        ("Paris", "75"),
        ("corse du sud", "2A"),
        ("LA REUNION", "974"),
    ],
)
def test_accepted_values(raw: object, expected: str) -> None:
    assert check_departement(raw) == Checked(expected)


@pytest.mark.parametrize(
    "raw",
    [
        "975",
        975,
        "977",
        "978",
        "980",
        "984",
        "986",
        "987",
        "988",
        "20",
        20,
        "00",
        "0",
        "96",
        "99",
        "100",
        "2C",
        "75 - Lyon",
        "Lutèce",
        1.5,
        -1,
        True,
        "٧٥",
        10**30,
    ],
)
def test_unknown(raw: object) -> None:
    checked = check_departement(raw)
    assert checked.value is None
    assert [i.code for i in checked.issues] == ["DEPARTEMENT_INCONNU"]
    assert "101 codes" in checked.issues[0].detail


def test_corsica_hint_for_20() -> None:
    assert "2A ou 2B" in check_departement("20").issues[0].detail
    assert "2A ou 2B" in check_departement(20.0).issues[0].detail
    assert "2A ou 2B" not in check_departement("96").issues[0].detail


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty(raw: object) -> None:
    assert check_departement(raw) == Checked(None)


def test_names() -> None:
    assert departement_name("75") == "Paris"
    assert departement_name("2A") == "Corse-du-Sud"
    assert departement_name("976") == "Mayotte"
    with pytest.raises(KeyError):
        departement_name("20")


def test_advisory_lock_keys_are_distinct_stable_int32() -> None:
    keys = {code: advisory_lock_key(code) for code in CODES}
    assert len(set(keys.values())) == 101
    assert all(0 < key < 2**31 for key in keys.values())
    assert keys["01"] == 1
    assert keys["75"] == 75
    assert keys["2A"] == 201
    assert keys["2B"] == 202
    assert keys["971"] == 971
    assert keys["976"] == 976


def test_advisory_lock_key_of_unknown_code() -> None:
    with pytest.raises(KeyError):
        advisory_lock_key("20")
