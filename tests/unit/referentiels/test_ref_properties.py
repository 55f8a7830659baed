"""Property-based tests: never raise, idempotent, and agree with an independent Luhn."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.referentiels.checks import Checked
from service.referentiels.dates import check_date, check_integer
from service.referentiels.departements import CODES, check_departement
from service.referentiels.identifiers import (
    check_code_commune,
    check_code_postal,
    check_email,
    check_finess,
    check_finess_list,
    check_rna,
    check_siren,
    check_siret,
    check_telephone,
    is_generic_mailbox,
    is_personal_webmail,
)
from service.referentiels.listes import FINANCEURS, FORMES_JURIDIQUES, PUBLICS
from service.referentiels.nomenclature import check_choice, check_list, find_type
from service.referentiels.text import fold, has_forbidden_chars, normalise_name

DIGITS = "0123456789"
CELLS = st.one_of(
    st.text(),
    st.integers(),
    st.floats(),
    st.none(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    # Near-valid inputs, so that the valid paths are exercised too.
    st.text(alphabet=DIGITS + " .-\u00a0\u202f+()/WwAaBbE,;\n", max_size=20),
    st.integers(min_value=0, max_value=10**15),
    st.emails(),
)


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def with_key(body: str) -> str:
    return next(body + k for k in DIGITS if luhn_ok(body + k))


def siret_ok(number: str) -> bool:
    """DOMAIN.md §5, plus the SIREN part's own key (always true of a real SIRET)."""
    if number.startswith("356000000") and number != "35600000000048":
        return sum(map(int, number)) % 5 == 0
    return luhn_ok(number) and luhn_ok(number[:9])


def codes(checked: Checked[Any]) -> set[str]:
    return {i.code for i in checked.issues}


# Remarks about how the cell was read: a normalised value no longer gets them.
READING_REMARKS = {"ZERO_RESTAURE", "DATE_NUMERIQUE"}

CHECKS: dict[str, tuple[Callable[[object], Checked[Any]], Callable[[Any], object]]] = {
    "siren": (check_siren, str),
    "siret": (check_siret, str),
    "finess": (check_finess, str),
    "finess_list": (check_finess_list, "; ".join),
    "rna": (check_rna, str),
    "code_postal": (check_code_postal, str),
    "code_commune": (check_code_commune, str),
    "telephone": (check_telephone, str),
    "email": (partial(check_email, nominative=False), str),
    "email_nominatif": (partial(check_email, nominative=True), str),
    "departement": (check_departement, str),
    "type": (find_type, lambda t: t.libelle),
    "forme_juridique": (partial(check_choice, allowed=FORMES_JURIDIQUES), str),
    "financeurs": (partial(check_list, allowed=FINANCEURS, column_label="Financeurs"), "; ".join),
    "date": (check_date, lambda d: d),
    "integer": (check_integer, lambda n: n),
}


@pytest.mark.parametrize("name", sorted(CHECKS))
@given(raw=CELLS)
def test_never_raises_and_is_idempotent(name: str, raw: object) -> None:
    check, back_to_cell = CHECKS[name]
    checked = check(raw)
    assert isinstance(checked, Checked)
    if not checked.ok:
        assert checked.value is None
    if checked.value is None:
        return
    again = check(back_to_cell(checked.value))
    assert again.value == checked.value
    assert again.ok
    assert codes(again) <= codes(checked) - READING_REMARKS


@given(st.text())
def test_fold_is_idempotent_and_tidy(s: str) -> None:
    folded = fold(s)
    assert fold(folded) == folded
    assert "*" not in folded
    assert "  " not in folded
    assert folded == folded.strip()
    assert folded == folded.casefold()


@given(st.text())
def test_normalise_name_is_idempotent(s: str) -> None:
    key = normalise_name(s)
    assert normalise_name(key) == key
    assert normalise_name(fold(s)) == key


@given(st.text())
def test_has_forbidden_chars_never_raises(s: str) -> None:
    assert has_forbidden_chars(s) == any(
        (ord(c) < 32 and c not in "\t\n\r") or 0xD800 <= ord(c) <= 0xDFFF for c in s
    )


@given(CELLS)
def test_mailbox_classifiers_never_raise(raw: object) -> None:
    assert isinstance(is_generic_mailbox(str(raw)), bool)
    assert isinstance(is_personal_webmail(str(raw)), bool)


# --- agreement with an independent Luhn ------------------------------------------------------


@given(st.text(alphabet=DIGITS, min_size=9, max_size=9))
def test_siren_agrees_with_luhn(number: str) -> None:
    assert check_siren(number).ok is luhn_ok(number)


@given(st.text(alphabet=DIGITS, min_size=8, max_size=8), st.sampled_from(["", " ", ".", "-"]))
def test_generated_sirens_are_valid_in_any_layout(body: str, sep: str) -> None:
    siren = with_key(body)
    layout = sep.join([siren[:3], siren[3:6], siren[6:]])
    assert check_siren(layout).value == siren
    assert check_siren(int(siren)).value == siren


@given(
    st.one_of(
        st.text(alphabet=DIGITS, min_size=14, max_size=14),
        st.text(alphabet=DIGITS, min_size=5, max_size=5).map(lambda t: "356000000" + t),
        st.text(alphabet=DIGITS, min_size=4, max_size=4).map(
            lambda t: with_key(with_key("12345678") + t)
        ),
    )
)
def test_siret_agrees_with_luhn_and_the_la_poste_rule(number: str) -> None:
    assert check_siret(number).ok is siret_ok(number)


@given(st.text(alphabet=DIGITS, min_size=8, max_size=8), st.text(DIGITS, min_size=4, max_size=4))
def test_generated_sirets_are_valid(siren_body: str, nic: str) -> None:
    siret = with_key(with_key(siren_body) + nic)
    assert check_siret(siret).value == siret
    assert check_siret(float(siret)).value == siret


NUMERIC_FINESS_PREFIXES = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["97", "98"]


@given(st.sampled_from(NUMERIC_FINESS_PREFIXES), st.text(DIGITS, min_size=7, max_size=7))
def test_finess_agrees_with_luhn(prefix: str, rest: str) -> None:
    assert check_finess(prefix + rest).ok is luhn_ok(prefix + rest)


@given(st.sampled_from(NUMERIC_FINESS_PREFIXES), st.text(DIGITS, min_size=6, max_size=6))
def test_generated_finess_are_valid(prefix: str, body: str) -> None:
    finess = with_key(prefix + body)
    assert check_finess(finess).value == finess
    assert check_finess(int(finess)).value == finess


@given(st.sampled_from(["2A", "2B", "2a", "2b"]), st.text(DIGITS, min_size=7, max_size=7))
def test_corsican_finess_are_never_blocked(prefix: str, rest: str) -> None:
    checked = check_finess(prefix + rest)
    assert checked.ok
    assert checked.value == prefix.upper() + rest
    assert (codes(checked) == {"FINESS_CORSE_NON_VERIFIE"}) is not luhn_ok("20" + rest)


@given(st.sampled_from("ABCDEF"), st.text(DIGITS, min_size=7, max_size=7))
def test_overseas_finess_letters(letter: str, rest: str) -> None:
    official = ("98" if letter == "F" else "97") + rest
    checked = check_finess("9" + letter + rest)
    assert checked.ok is luhn_ok(official)
    assert checked.value == (official if checked.ok else None)


# --- other normalisers -----------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=99_999))
def test_code_postal_from_numbers(n: int) -> None:
    checked = check_code_postal(n)
    expected = f"{n:05d}"
    if expected.startswith("00"):
        assert checked.value is None
    else:
        assert checked.value == expected
        assert ("ZERO_RESTAURE" in codes(checked)) is (n < 10_000)


@given(st.sampled_from("123456789"), st.text(DIGITS, min_size=8, max_size=8))
def test_telephone_layouts(first: str, rest: str) -> None:
    national = "0" + first + rest
    expected = " ".join(national[i : i + 2] for i in range(0, 10, 2))
    for layout in (national, expected, expected.replace(" ", "."), "+33" + national[1:]):
        assert check_telephone(layout).value == expected


@given(st.sampled_from(sorted(CODES)), st.sampled_from([str.lower, str.upper, lambda s: f" {s} "]))
def test_departement_codes(code: str, variant: Callable[[str], str]) -> None:
    assert check_departement(variant(code)).value == code


@given(st.lists(st.sampled_from(PUBLICS), min_size=1), st.sampled_from([str.lower, str.upper]))
def test_check_list_round_trip(items: list[str], case: Callable[[str], str]) -> None:
    checked = check_list(" ; ".join(case(i) for i in items), PUBLICS, "Publics")
    assert checked.value == list(dict.fromkeys(items))


@given(st.dates(min_value=date(1000, 1, 1)))
def test_dates_round_trip(d: date) -> None:
    assert check_date(f"{d.day:02d}/{d.month:02d}/{d.year}") == Checked(d)
    assert check_date(f"{d.day}/{d.month}/{d.year}") == Checked(d)
    assert check_date(d.isoformat()) == Checked(d)


@given(st.dates(min_value=date(1900, 3, 1)))
def test_excel_serials_round_trip(d: date) -> None:
    serial = (d - date(1899, 12, 30)).days
    assert check_date(serial).value == d
    assert check_date(float(serial)).value == d


@given(st.integers(min_value=0, max_value=2**31 - 1))
def test_integers_round_trip(n: int) -> None:
    for raw in (n, float(n), str(n), f" {n} ", f"{n}.0", f"{n:,}".replace(",", "\u202f")):
        assert check_integer(raw) == Checked(n)


@given(st.emails())
def test_plain_addresses_are_accepted(email: str) -> None:
    local, _, domain = email.rpartition("@")
    if len(email) <= 254 and len(local) <= 64:
        assert check_email(email, nominative=False) == Checked(f"{local}@{domain.lower()}")
