"""Name similarity (rapidfuzz on canonical names) and the reviewed type tables."""

from __future__ import annotations

import pytest

from service.bascule.names import canonical, name_key, similarity
from service.bascule.types import (
    Compatibilite,
    avec_places,
    compatibilite,
    place_compatible,
)
from service.referentiels.listes import TYPES_PLACE, TYPES_STRUCTURE_HISTORIQUES
from service.referentiels.nomenclature import TYPES_BY_CODE
from service.referentiels.reference_data import correspondances_types


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Centre d'hébergement et de réinsertion sociale « Le Relais »", "chrs relais"),
        ("CHRS Le Relais", "chrs relais"),
        ("Maison-Relais Les Tilleuls", "pension famille tilleuls"),
        ("Foyer de Jeunes Travailleurs L'Escale", "fjt escale"),
        ("Résidence hôtelière à vocation sociale du Port", "rhvs port"),
        ("Accueil St Vincent", "accueil saint vincent"),
    ],
)
def test_canonical_folds_spelled_out_acronyms_and_articles(name: str, expected: str) -> None:
    assert canonical(name) == expected


def test_distinctive_part_leaves_type_words_and_commune_out() -> None:
    assert name_key("CHRS Le Relais – Bobigny", "Bobigny").coeur == {"relais"}
    assert name_key("CHU Paris", "Paris").coeur == frozenset()


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ("CHRS Le Relais", "Centre d'hébergement et de réinsertion sociale Le Relais", 99, 100),
        ("CHRS Le Relais", "CHRS LE RELAIS", 99, 100),
        ("CHRS Le Relais", "CHRS Le Relais – Bobigny", 85, 99),
        ("CHRS Le Relais", "CHRS Le Rleais", 70, 95),
        ("CHRS Le Relais", "CHRS La Passerelle", 0, 60),
        ("CHU Bobigny", "CHU Le Phare", 0, 45),
        ("Pension de famille Les Lilas", "Maison relais Les Lilas", 99, 100),
    ],
)
def test_similarity(a: str, b: str, low: float, high: float) -> None:
    score = similarity(name_key(a, "Bobigny"), name_key(b, "Bobigny"))
    assert low <= score <= high, score
    assert score == similarity(name_key(b, "Bobigny"), name_key(a, "Bobigny"))


def test_every_legacy_type_has_reviewed_successors_with_a_reason() -> None:
    rows = correspondances_types()
    assert {r.type_historique for r in rows} == set(TYPES_STRUCTURE_HISTORIQUES)
    assert all(r.type_code in TYPES_BY_CODE and r.motif.strip() for r in rows)
    assert len({(r.type_historique, r.type_code) for r in rows}) == len(rows)
    for legacy in TYPES_STRUCTURE_HISTORIQUES:
        assert any(r.principal for r in rows if r.type_historique == legacy), legacy


def test_logement_foyer_is_many_to_many() -> None:
    for code in ("RS_FJT", "RS_FTM", "RS_PENSION_FAMILLE", "RS_CLASSIQUE"):
        assert compatibilite(800, code) is Compatibilite.PRINCIPAL
    assert compatibilite(800, "RS_HABITAT_INCLUSIF") is Compatibilite.POSSIBLE
    assert compatibilite(800, "HEB_CHRS") is Compatibilite.INCOMPATIBLE
    assert compatibilite(400, "RS_FJT") is Compatibilite.INCOMPATIBLE
    assert {r.type_code for r in correspondances_types() if r.type_historique == 700} == {"PA_DNA"}


def test_types_carrying_places() -> None:
    assert avec_places("HEB_CHRS") and avec_places("RS_FJT") and avec_places("IML_MANDAT_GESTION")
    assert not any(avec_places(c) for c in ("PA_DNA", "VS_HALTE_NUIT", "ACC_AVDL", "INCONNU"))


def test_kind_of_places_against_type() -> None:
    assert place_compatible("urgence", "HEB_HORS_CHRS")
    assert not place_compatible("urgence", "RS_FJT")
    assert not place_compatible("logement", "HEB_CHRS")
    assert place_compatible("logement", "HEB_RHVS") and place_compatible(
        "logement", "IML_CHEZ_SOI_DABORD"
    )
    assert all(place_compatible(p, "HEB_CHRS") or p == "logement" for p in TYPES_PLACE)
    assert place_compatible("inconnu", "RS_FJT")  # unknown kinds are not judged
