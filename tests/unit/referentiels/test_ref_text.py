from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.referentiels.text import fold, has_forbidden_chars, normalise_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SIREN", "siren"),
        ("  N°\u00a0SIREN * ", "n° siren"),
        ("Raison\tsociale", "raison sociale"),
        ("Raison\u202fsociale", "raison sociale"),
        ("Raison   sociale", "raison sociale"),
        ("Entités", "entites"),
        ("  ENTITÉS ", "entites"),
        ("SIREN de l’entité*", "siren de l'entite"),
        ("Location – Sous location", "location - sous location"),
        ("Œuvre", "oeuvre"),
        ("Straße", "strasse"),
        ("Date d'ouverture\n", "date d'ouverture"),
        ("", ""),
    ],
)
def test_fold(raw: str, expected: str) -> None:
    assert fold(raw) == expected


def test_fold_matches_header_variants() -> None:
    assert fold("Département du siège *") == fold("departement du siege")
    assert fold("Courriel du responsable") == fold("COURRIEL\u00a0DU  RESPONSABLE")


def test_fold_handles_compatibility_characters_to_a_fixed_point() -> None:
    # « ℌ » decomposes to « H », which casefold then lowers: one pass is not enough.
    assert fold("ℌôtel") == "hotel"
    assert fold("ﬁnesse") == "finesse"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("CHRS « Les Lilas »", "chrs les-lilas"),
        ("L'Escale", "l escale"),
        ("Un Chez Soi d’Abord", "un chez-soi d'abord"),
        ("Maison   (Paris 11e)", "maison paris 11e"),
        ("🏠 Maison", "maison"),
        ("Hôtel*", "hotel"),
    ],
)
def test_normalise_name_ignores_punctuation(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


def test_normalise_name_keeps_words_and_digits() -> None:
    assert normalise_name("CHRS « Les Lilas » n°2") == "chrs les lilas n 2"
    assert normalise_name("Les Lilas") != normalise_name("Les Lilas 2")


@pytest.mark.parametrize("text", ["a\x00b", "\x01", "x\x08", "\x0b", "\x0c", "\x1f", "\ud800"])
def test_forbidden_chars(text: str) -> None:
    assert has_forbidden_chars(text)


@pytest.mark.parametrize(
    "text", ["", "tab\there", "lines\nand\r\n", "=SUM(A1)", "émoji 🏠", "\x7f"]
)
def test_allowed_chars(text: str) -> None:
    assert not has_forbidden_chars(text)


def _by_category(s: str) -> str:
    """The name key by the definition: every character of the folded text that is not a letter
    or a digit (Unicode category L or N) separates words."""
    import re
    import unicodedata

    chars = (c if unicodedata.category(c)[0] in ("L", "N") else " " for c in fold(s))
    return re.sub(r"\s+", " ", "".join(chars)).strip()


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)) | st.text())
def test_normalise_name_fast_path_equals_the_definition(s: str) -> None:
    normalise_name.cache_clear()
    assert normalise_name(s) == _by_category(s)


@pytest.mark.parametrize(
    "name",
    ["CHRS Les Lilas", "  a--b__c  ", "Foyer\t\x0bn°3", "L'Escale (bis)", "AB\x00C", "É-té"],
)
def test_normalise_name_on_ascii_and_accented_names(name: str) -> None:
    assert normalise_name(name) == _by_category(name)
