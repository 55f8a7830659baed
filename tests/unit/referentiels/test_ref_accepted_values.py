"""IMPORT-FORMAT.md « Values that must be accepted (no error) », one test per item."""

from __future__ import annotations

import pytest

from service.referentiels.departements import check_departement
from service.referentiels.identifiers import (
    check_code_commune,
    check_code_postal,
    check_finess,
    check_finess_list,
    check_siren,
    check_siret,
)
from service.referentiels.nomenclature import find_type
from service.referentiels.text import has_forbidden_chars, normalise_name

SEPARATORS = [" ", "\u00a0", "\u202f", ".", "-"]


@pytest.mark.parametrize("sep", SEPARATORS)
def test_identifiers_with_spaces_nbsp_dots_or_dashes(sep: str) -> None:
    assert check_siren(sep.join(["772", "201", "489"])).value == "772201489"
    assert check_siret(sep.join(["732", "829", "320", "00074"])).value == "73282932000074"
    assert check_finess(sep.join(["2A0", "123", "450"])).ok
    assert check_code_postal(sep.join(["75", "011"])).value == "75011"
    assert check_code_commune(sep.join(["2A", "004"])).value == "2A004"


def test_departement_1_and_2a() -> None:
    assert check_departement("1").value == "01"
    assert check_departement(1).value == "01"
    assert check_departement("2a").value == "2A"


def test_type_by_label_in_any_case_or_by_code() -> None:
    assert find_type("pension de famille").value == find_type("PENSION DE FAMILLE").value
    assert find_type("pension de famille").ok
    assert find_type("HEB_RHVS").ok


def test_la_poste_siret_rule() -> None:
    assert check_siret("35600000000048").ok  # head office, Luhn
    assert check_siret("35600000000010").ok  # establishment, digit sum multiple of 5


def test_one_siret_checked_twice_gives_the_same_answer() -> None:
    # Several dispositifs of one entité may share a SIRET: the check keeps no state.
    assert check_siret("73282932000074") == check_siret("73282932000074")


@pytest.mark.parametrize(
    "text",
    [
        "Maison 🏠 des familles",
        "=SOMME(A1:A3)",
        "+33 accueil",
        "-- à voir --",
        "@asso",
        "Ligne 1\nLigne 2\ttabulée\r\n",
        "Ünïcödé ‘quotes’ « guillemets »",
    ],
)
def test_any_free_text(text: str) -> None:
    assert not has_forbidden_chars(text)
    assert isinstance(normalise_name(text), str)


def test_several_finess_et_in_one_cell() -> None:
    checked = check_finess_list("970100228; 9A0100228\n2A0123450")
    assert checked.ok
    assert checked.value == ["970100228", "2A0123450"]
