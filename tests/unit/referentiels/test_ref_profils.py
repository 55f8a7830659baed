from __future__ import annotations

import pytest

from service.referentiels.profils import (
    PROFILS_BY_CODE,
    LegacyMapping,
    family,
    included,
    includes,
    target_for_legacy,
)
from service.referentiels.reference_data import profils_historiques


def test_ten_profiles() -> None:
    assert len(PROFILS_BY_CODE) == 10


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ADMIN_NATIONAL", {"ADMIN_NATIONAL", "ADMIN_DEPARTEMENTAL"}),
        ("ADMIN_DEPARTEMENTAL", {"ADMIN_DEPARTEMENTAL"}),
        ("ADMIN_SIAO", {"ADMIN_SIAO", "OPERATEUR_SIAO", "ECOUTANT_115"}),
        ("OPERATEUR_SIAO", {"OPERATEUR_SIAO", "ECOUTANT_115"}),
        ("ECOUTANT_115", {"ECOUTANT_115"}),
        ("ANALYSTE", {"ANALYSTE"}),
        (
            "GESTIONNAIRE_ENTITE",
            {"GESTIONNAIRE_ENTITE", "ASSISTANT", "RESPONSABLE_DISPOSITIF", "TRAVAILLEUR_SOCIAL"},
        ),
        ("RESPONSABLE_DISPOSITIF", {"RESPONSABLE_DISPOSITIF", "TRAVAILLEUR_SOCIAL"}),
        ("ASSISTANT", {"ASSISTANT"}),
        ("TRAVAILLEUR_SOCIAL", {"TRAVAILLEUR_SOCIAL"}),
    ],
)
def test_included_is_the_transitive_closure(code: str, expected: set[str]) -> None:
    assert included(code) == frozenset(expected)


def test_includes() -> None:
    assert includes("ADMIN_SIAO", "ECOUTANT_115")  # transitively, through OPERATEUR_SIAO
    assert includes("GESTIONNAIRE_ENTITE", "TRAVAILLEUR_SOCIAL")
    assert includes("ANALYSTE", "ANALYSTE")
    assert not includes("ECOUTANT_115", "ADMIN_SIAO")
    assert not includes("ADMIN_NATIONAL", "ADMIN_SIAO")
    assert not includes("ASSISTANT", "TRAVAILLEUR_SOCIAL")


def test_unknown_profile() -> None:
    with pytest.raises(KeyError):
        included("SUPER_ADMIN")


def test_families() -> None:
    assert family("ADMIN_NATIONAL") == "ETAT"
    assert family("ANALYSTE") == "OBSERVATION_SOCIALE"
    assert family("ECOUTANT_115") == "SIAO"
    assert family("TRAVAILLEUR_SOCIAL") == "ENTITE"
    # Inclusion never crosses families.
    for code in PROFILS_BY_CODE:
        assert {family(c) for c in included(code)} == {family(code)}


def test_every_legacy_profile_targets_a_known_profile() -> None:
    assert len(profils_historiques()) == 14
    for legacy in profils_historiques():
        mapping = target_for_legacy([legacy.code])
        assert mapping == LegacyMapping(
            target=legacy.profil_cible,
            conflict=False,
            families=frozenset({family(legacy.profil_cible)}),
        )


def test_highest_rang_wins() -> None:
    mapping = target_for_legacy(["LECTURE_SEULE", "GESTIONNAIRE_STRUCTURE"])
    assert mapping == LegacyMapping("RESPONSABLE_DISPOSITIF", False, frozenset({"ENTITE"}))
    mapping = target_for_legacy(["ECOUTANT", "COORDINATEUR"])
    assert mapping == LegacyMapping("ADMIN_SIAO", False, frozenset({"SIAO"}))


def test_different_families_are_a_conflict() -> None:
    mapping = target_for_legacy(["OPERATEUR_SIAO", "GESTIONNAIRE_STRUCTURE"])
    assert mapping.target == "OPERATEUR_SIAO"  # rang 70 > 30
    assert mapping.conflict
    assert mapping.families == frozenset({"SIAO", "ENTITE"})


def test_same_family_is_not_a_conflict() -> None:
    # MARAUDE (115 volet) and GESTIONNAIRE_LOCAL (insertion) both map to ENTITE profiles.
    mapping = target_for_legacy(["MARAUDE", "GESTIONNAIRE_LOCAL"])
    assert mapping == LegacyMapping("GESTIONNAIRE_ENTITE", False, frozenset({"ENTITE"}))


def test_order_and_duplicates_do_not_matter() -> None:
    codes = ["ADMINISTRATEUR_FONCTIONNEL", "COORDINATEUR", "ECOUTANT", "ECOUTANT"]
    assert target_for_legacy(codes) == target_for_legacy(reversed(codes))
    assert target_for_legacy(codes).target == "ADMIN_SIAO"


def test_unknown_legacy_codes_are_ignored() -> None:
    assert target_for_legacy(["INCONNU", "ECOUTANT"]) == target_for_legacy(["ECOUTANT"])
    assert target_for_legacy(["INCONNU"]) == LegacyMapping(None, False, frozenset())
    assert target_for_legacy([]) == LegacyMapping(None, False, frozenset())
    assert target_for_legacy(iter([" ecoutant "])).target == "ECOUTANT_115"
