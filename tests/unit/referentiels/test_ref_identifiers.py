"""Fixed-length codes: SIREN, SIRET, FINESS, RNA, code postal, code commune (DOMAIN.md §5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from service.referentiels.checks import Checked, Severite
from service.referentiels.identifiers import (
    check_code_commune,
    check_code_postal,
    check_finess,
    check_finess_list,
    check_rna,
    check_siren,
    check_siret,
)


def luhn_key(body: str) -> str:
    """Independent Luhn: the digit that completes `body`."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str(-total % 10)


def codes(checked: Checked[Any]) -> list[str]:
    return [i.code for i in checked.issues]


Check = Callable[[object], Checked[str]]
ALL_CODE_CHECKS: list[Check] = [
    check_siren,
    check_siret,
    check_finess,
    check_rna,
    check_code_postal,
    check_code_commune,
]


# --- shared reading rules -------------------------------------------------------------------


@pytest.mark.parametrize("check", ALL_CODE_CHECKS)
@pytest.mark.parametrize("raw", [None, "", "   ", "\u00a0"])
def test_empty_cell_is_none_without_issue(check: Check, raw: object) -> None:
    assert check(raw) == Checked(None)


@pytest.mark.parametrize("check", ALL_CODE_CHECKS)
@pytest.mark.parametrize(
    "raw", ["7.72201E+08", "7,72201e+08", "1E+05", "-1.2E-03", 7722014.89, 1.5, 1e15, 1e300]
)
def test_scientific_notation_or_lost_digits_is_precision_perdue(check: Check, raw: object) -> None:
    checked = check(raw)
    assert codes(checked) == ["PRECISION_PERDUE"]
    assert checked.value is None
    assert "formatez la colonne en Texte" in checked.issues[0].detail


@pytest.mark.parametrize("check", ALL_CODE_CHECKS)
@pytest.mark.parametrize("raw", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_floats_are_precision_perdue(check: Check, raw: float) -> None:
    assert codes(check(raw)) == ["PRECISION_PERDUE"]


@pytest.mark.parametrize(
    ("check", "code"),
    [
        (check_siren, "SIREN_INVALIDE"),
        (check_siret, "SIRET_INVALIDE"),
        (check_finess, "FINESS_INVALIDE"),
        (check_rna, "RNA_INVALIDE"),
        (check_code_postal, "CODE_POSTAL_INVALIDE"),
        (check_code_commune, "CODE_COMMUNE_INVALIDE"),
    ],
)
@pytest.mark.parametrize("raw", [True, False, datetime(2024, 1, 1), "abc", -772201489, "?"])
def test_other_values_are_format_errors(check: Check, code: str, raw: object) -> None:
    checked = check(raw)
    assert codes(checked) == [code]
    assert checked.value is None
    assert checked.issues[0].severite is Severite.ERREUR


# --- SIREN -----------------------------------------------------------------------------------


@pytest.mark.parametrize("siren", ["732829320", "552081317", "356000000", "772201489"])
def test_known_valid_sirens(siren: str) -> None:
    assert check_siren(siren) == Checked(siren)


@pytest.mark.parametrize(
    "raw",
    [
        "772 201 489",
        "772\u00a0201\u00a0489",
        "772\u202f201\u202f489",
        "772.201.489",
        "772-201-489",
        " 772201489 ",
        772201489,
        772201489.0,
    ],
)
def test_siren_separators_and_numeric_cells(raw: object) -> None:
    assert check_siren(raw) == Checked("772201489")


def test_siren_wrong_key_message() -> None:
    # Nine digits are there: only the key is wrong, the message says nothing else.
    checked = check_siren("552081318")
    assert codes(checked) == ["SIREN_INVALIDE"]
    assert checked.issues[0].detail.startswith(
        "n'est pas un SIREN valide (clé de contrôle incorrecte) :"
    )
    assert "9 chiffres attendus" not in checked.issues[0].detail


def test_siren_wrong_length_says_how_many_digits() -> None:
    checked = check_siren("55208131")
    assert codes(checked) == ["SIREN_INVALIDE"]
    assert "(9 chiffres attendus, 8 chiffres trouvés)" in checked.issues[0].detail
    assert "clé" not in checked.issues[0].detail
    letter = check_siren("55208131A").issues[0].detail
    assert "(9 chiffres attendus, 9 caractères trouvés)" in letter


@pytest.mark.parametrize(
    "raw",
    [
        "٧٣٢٨٢٩٣٢٠",  # Arabic-Indic digits: str.isdigit() would accept them
        "７３２８２９３２０",  # full-width digits
        "732\n829320",
        "73282932O",
        "7328293200",
    ],
)
def test_siren_refuses_non_ascii_digits_and_junk(raw: str) -> None:
    assert codes(check_siren(raw)) == ["SIREN_INVALIDE"]


def test_siren_lost_leading_zero_is_restored_with_a_warning() -> None:
    siren = luhn_key("01234567")
    checked = check_siren(int(siren))
    assert checked.value == siren
    assert codes(checked) == ["ZERO_RESTAURE"]
    assert checked.ok
    assert f"« {siren} »" in checked.issues[0].detail


def test_restored_zeros_then_a_wrong_key_keep_both_remarks() -> None:
    checked = check_siren(72201489)
    assert codes(checked) == ["ZERO_RESTAURE", "SIREN_INVALIDE"]
    assert checked.value is None


def test_a_text_missing_its_zero_is_not_padded() -> None:
    siren = luhn_key("01234567")
    assert codes(check_siren(siren[1:])) == ["SIREN_INVALIDE"]


# --- SIRET -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["73282932000074", "732 829 320 00074", "732.829.320.00074", 73282932000074.0]
)
def test_valid_siret(raw: object) -> None:
    assert check_siret(raw) == Checked("73282932000074")


def test_la_poste_head_office_is_checked_by_luhn() -> None:
    # Its digit sum is 26: it is valid only because the head office keeps the Luhn rule.
    assert sum(map(int, "35600000000048")) % 5 != 0
    assert check_siret("35600000000048").ok
    assert codes(check_siret("35600000000049")) == ["SIRET_INVALIDE"]


@pytest.mark.parametrize("siret", ["35600000000010", "35600000012341", "35600000012346"])
def test_la_poste_establishments_need_a_digit_sum_multiple_of_5(siret: str) -> None:
    assert sum(map(int, siret)) % 5 == 0
    assert luhn_key(siret[:-1]) != siret  # the Luhn rule alone would refuse them
    assert check_siret(siret) == Checked(siret)


@pytest.mark.parametrize("siret", ["35600000000011", "35600000000020", "35600000012342"])
def test_la_poste_establishments_with_other_sums_are_refused(siret: str) -> None:
    assert sum(map(int, siret)) % 5 != 0
    assert codes(check_siret(siret)) == ["SIRET_INVALIDE"]


def test_siret_with_a_valid_key_but_an_invalid_siren_part_is_refused() -> None:
    siren_part = "123456780"
    assert luhn_key(siren_part[:-1]) != siren_part
    siret = luhn_key(siren_part + "0001")
    checked = check_siret(siret)
    assert codes(checked) == ["SIRET_INVALIDE"]
    assert "clé de contrôle incorrecte" in checked.issues[0].detail


def test_siret_wrong_length_and_lost_zero() -> None:
    assert "13 chiffres trouvés" in check_siret("7328293200007").issues[0].detail
    siret = luhn_key(luhn_key("01234567") + "0001")
    checked = check_siret(int(siret))
    assert checked.value == siret
    assert codes(checked) == ["ZERO_RESTAURE"]


# --- FINESS ----------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["01", "13", "19", "21", "59", "75", "95", "97", "98"])
def test_valid_finess(prefix: str) -> None:
    finess = luhn_key(prefix + "012345")
    assert check_finess(finess) == Checked(finess)
    assert check_finess(f"{finess[:3]} {finess[3:6]} {finess[6:]}") == Checked(finess)


def test_finess_overseas_usual_form() -> None:
    finess = luhn_key("97010022")
    assert check_finess(finess) == Checked(finess)


@pytest.mark.parametrize(
    ("extract_prefix", "official_prefix"),
    [("9A", "97"), ("9B", "97"), ("9C", "97"), ("9D", "97"), ("9E", "97"), ("9F", "98")],
)
def test_finess_overseas_letters_are_translated_before_the_key(
    extract_prefix: str, official_prefix: str
) -> None:
    official = luhn_key(official_prefix + "010022")
    extract = extract_prefix + official[2:]
    assert check_finess(extract) == Checked(official)
    assert check_finess(extract.lower()) == Checked(official)


@pytest.mark.parametrize("prefix", ["00", "20", "96", "99", "9G", "2C", "AB"])
def test_finess_unknown_prefix(prefix: str) -> None:
    assert codes(check_finess(prefix + "0123450")) == ["FINESS_INVALIDE"]


def test_finess_wrong_key_and_length() -> None:
    finess = luhn_key("75012345")
    wrong = finess[:-1] + str((int(finess[-1]) + 1) % 10)
    assert codes(check_finess(wrong)) == ["FINESS_INVALIDE"]
    assert "clé de contrôle" in check_finess(wrong).issues[0].detail
    assert codes(check_finess(finess[:-1])) == ["FINESS_INVALIDE"]
    assert codes(check_finess(finess + "0")) == ["FINESS_INVALIDE"]


@pytest.mark.parametrize("letter", ["A", "B"])
def test_corsican_finess_key_read_with_20_is_accepted_silently(letter: str) -> None:
    key = luhn_key("20012345")[-1]
    finess = f"2{letter}012345{key}"
    assert check_finess(finess) == Checked(finess)
    assert check_finess(finess.lower()) == Checked(finess)


@pytest.mark.parametrize("letter", ["A", "B"])
def test_corsican_finess_key_failure_is_only_a_warning(letter: str) -> None:
    key = (int(luhn_key("20012345")[-1]) + 1) % 10
    finess = f"2{letter}012345{key}"
    checked = check_finess(finess)
    assert checked.value == finess
    assert checked.ok
    assert codes(checked) == ["FINESS_CORSE_NON_VERIFIE"]
    assert checked.issues[0].severite is Severite.AVERTISSEMENT


def test_corsican_finess_format_is_still_an_error() -> None:
    assert codes(check_finess("2A01234")) == ["FINESS_INVALIDE"]
    assert codes(check_finess("2A012345X")) == ["FINESS_INVALIDE"]


def test_finess_lost_zero() -> None:
    finess = luhn_key("01012345")
    checked = check_finess(int(finess))
    assert checked.value == finess
    assert codes(checked) == ["ZERO_RESTAURE"]


# --- several FINESS in one cell --------------------------------------------------------------

F1, F2, F3 = (luhn_key(p) for p in ("75012345", "92000001", "13000002"))


@pytest.mark.parametrize(
    "raw",
    [
        f"{F1};{F2};{F3}",
        f"{F1} ; {F2} ; {F3} ;",
        f"{F1}, {F2}, {F3}",
        f"{F1}\n{F2}\r\n{F3}",
        f"{F1}; {F2}\n{F3}; {F1}",
    ],
)
def test_finess_list_separators_and_duplicates(raw: str) -> None:
    assert check_finess_list(raw) == Checked([F1, F2, F3])


def test_finess_list_single_values() -> None:
    assert check_finess_list(F1) == Checked([F1])
    assert check_finess_list(float(F1)) == Checked([F1])
    assert check_finess_list(None) == Checked(None)
    assert check_finess_list(" ; \n ") == Checked(None)


def test_finess_list_names_the_faulty_item() -> None:
    checked = check_finess_list(f"{F1}; 12345")
    assert checked.value is None
    assert codes(checked) == ["FINESS_INVALIDE"]
    assert checked.issues[0].detail.startswith("contient « 12345 », qui n'est pas un numéro FINESS")


def test_finess_list_of_one_faulty_item_keeps_the_plain_message() -> None:
    checked = check_finess_list("12345")
    assert checked.issues[0].detail.startswith("n'est pas un numéro FINESS")


def test_finess_list_keeps_warnings() -> None:
    corsican = "2A0123450" if luhn_key("20012345")[-1] != "0" else "2A0123451"
    checked = check_finess_list(f"{F1}; {corsican}")
    assert checked.value == [F1, corsican]
    assert codes(checked) == ["FINESS_CORSE_NON_VERIFIE"]


# --- RNA -------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["W751234567", "w751234567", "W 751 234 567", " W751234567 "])
def test_valid_rna(raw: str) -> None:
    assert check_rna(raw) == Checked("W751234567")


@pytest.mark.parametrize("raw", ["751234567", "W75123456", "W7512345678", "X751234567", 751234567])
def test_invalid_rna(raw: object) -> None:
    assert codes(check_rna(raw)) == ["RNA_INVALIDE"]


# --- code postal, code commune ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("75011", "75011"),
        ("01000", "01000"),
        ("20000", "20000"),
        (75011.0, "75011"),
        (97400, "97400"),
    ],
)
def test_valid_code_postal(raw: object, expected: str) -> None:
    assert check_code_postal(raw) == Checked(expected)


def test_code_postal_lost_zero() -> None:
    checked = check_code_postal(1000)
    assert checked.value == "01000"
    assert codes(checked) == ["ZERO_RESTAURE"]
    assert checked.ok


@pytest.mark.parametrize("raw", ["7501", "750110", "00100", "75O11", "2A004", "٧٥٠١١"])
def test_invalid_code_postal(raw: str) -> None:
    assert codes(check_code_postal(raw)) == ["CODE_POSTAL_INVALIDE"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("75056", "75056"),
        ("2A004", "2A004"),
        ("2b033", "2B033"),
        ("97101", "97101"),
        ("97611", "97611"),
        (75056.0, "75056"),
    ],
)
def test_valid_code_commune(raw: object, expected: str) -> None:
    assert check_code_commune(raw) == Checked(expected)


def test_code_commune_lost_zero() -> None:
    checked = check_code_commune(1004)
    assert checked.value == "01004"
    assert codes(checked) == ["ZERO_RESTAURE"]


@pytest.mark.parametrize("raw", ["20004", "00100", "96001", "99100", "2C004", "7505", "2A0044"])
def test_invalid_code_commune(raw: str) -> None:
    checked = check_code_commune(raw)
    assert codes(checked) == ["CODE_COMMUNE_INVALIDE"]
    assert "ce n'est pas le code postal" in checked.issues[0].detail


def test_numbers_that_keep_their_length_get_no_warning() -> None:
    assert check_code_postal(75011).issues == ()
    assert check_siren(732829320.0).issues == ()
