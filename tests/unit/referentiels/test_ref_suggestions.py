"""« Vouliez-vous dire … ? »: the closest known value, or nothing when it is not clear."""

from __future__ import annotations

from service.referentiels.suggestions import KnownValues, closest, did_you_mean


def test_closest_ignores_case_accents_and_punctuation() -> None:
    choices = ("Nom du dispositif", "Type de dispositif", "Département")
    assert closest("nom du dispostif", choices) == "Nom du dispositif"
    assert closest("DEPARTEMEN", choices) == "Département"
    assert closest("Remarques", choices) is None
    assert closest("x" * 500, choices) is None  # a pasted paragraph: no suggestion


def test_did_you_mean_ends_a_message() -> None:
    assert did_you_mean("Fondation") == " Vouliez-vous dire « Fondation » ?"


def test_a_siren_two_known_ones_are_one_typo_away_from_gets_no_suggestion() -> None:
    known = KnownValues(sirens={"732829320", "552081317"})
    assert known.siren("732829321") == "732829320"
    # Both 100000090 and 100000009 are one typo from 100000000 (not a valid SIREN itself).
    ambiguous = KnownValues(sirens={"100000090", "100000009"})
    assert ambiguous.siren("100000000") is None


def test_sirens_learnt_during_an_analysis() -> None:
    known = KnownValues()
    assert known.siren("732829321") is None
    known.add_sirens(["732829320"])
    assert known.siren("732829321") == "732829320"


def test_email_suggestions_stay_within_one_typo() -> None:
    known = KnownValues(emails={"jean.dupont@aurore.asso.fr", "bad-address"})
    assert known.email("jean.dupont@aurore-asso.fr") == "jean.dupont@aurore.asso.fr"
    assert known.email("jean.dupond@aurore.asso.fr") == "jean.dupont@aurore.asso.fr"
    assert known.email("jean.dupont@aurore.asso.fr") is None  # itself: nothing to suggest
    assert known.email("jeanne.dupont@aurore.org") is None
    assert known.email("jean.dupont.aurore.asso.fr") is None  # no « @ »: not split
