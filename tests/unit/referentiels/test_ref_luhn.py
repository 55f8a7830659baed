"""The direct Luhn of the hot path against python-stdnum, the reference, over many numbers."""

from __future__ import annotations

from random import Random

from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.fr import siren, siret

from service.referentiels.identifiers import check_siren, check_siret, luhn_ok, siret_ok

DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=20)


@given(DIGITS)
def test_luhn_agrees_with_stdnum(digits: str) -> None:
    assert luhn_ok(digits) == luhn.is_valid(digits)


@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_siret_key_agrees_with_stdnum(digits: str) -> None:
    assert siret_ok(digits) == siret.is_valid(digits)


def test_many_random_numbers_half_of_them_keyed() -> None:
    rng = Random(5)
    for _ in range(50_000):
        body = "".join(rng.choice("0123456789") for _ in range(rng.choice((8, 13))))
        # Half valid by construction, half random: both verdicts are met often.
        number = body + (luhn.calc_check_digit(body) if rng.random() < 0.5 else rng.choice("09"))
        assert luhn_ok(number) == luhn.is_valid(number)
        if len(number) == 9:
            assert (check_siren(number).value is not None) == siren.is_valid(number)
        else:
            assert siret_ok(number) == siret.is_valid(number)
            assert (check_siret(number).value is not None) == siret.is_valid(number)


def test_la_poste_establishments_follow_their_own_rule() -> None:
    rng = Random(9)
    for _ in range(5_000):
        number = "356000000" + "".join(rng.choice("0123456789") for _ in range(5))
        assert siret_ok(number) == siret.is_valid(number)
    assert siret_ok("35600000000048") == siret.is_valid("35600000000048")
