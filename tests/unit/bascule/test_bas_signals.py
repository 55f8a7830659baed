"""The explainable signals between a legacy structure or groupe and a dispositif."""

from __future__ import annotations

from service.bascule.signals import (
    address_key,
    contredite,
    groupe_signals,
    publics_of,
    structure_signals,
)
from tests.support.bascule import SIRET, dispositif, groupe, structure


def codes(signals) -> set[str]:  # type: ignore[no-untyped-def]
    return {s.code for s in signals}


def test_identity_signals() -> None:
    s = structure(finess="930000015")
    d = dispositif(
        siret=SIRET,
        finess_et=("930000015", "930000023"),
        structures_historiques=(1,),
        adresse="12, Rue Jean-Jaurès",
        code_postal="93000",
        commune="BOBIGNY",
    )
    pair = structure_signals(s, d)
    assert codes(pair.signaux) == {
        "STRUCTURE_DECLAREE",
        "MEME_SIRET",
        "MEME_FINESS",
        "MEME_ENTITE",
        "MEME_NOM",
        "MEME_ADRESSE",
        "TYPE_ATTENDU",
    }
    assert pair.declaree and pair.identite
    assert pair.score == 10 + 5 + 5 + 2.5 + 5 + 2.5 + 1.5


def test_shared_siret_counts_less_and_a_different_one_counts_against() -> None:
    shared = structure_signals(structure(), dispositif(siret=SIRET), siret_partage=3)
    assert [s.libelle for s in shared.signaux if s.code == "MEME_SIRET"] == [
        "même SIRET (commun à 3 dispositifs)"
    ]
    other = structure_signals(structure(), dispositif(siret="73282932000082"))
    assert "SIRET_DIFFERENT" in codes(other.signaux)


def test_evidence_against() -> None:
    pair = structure_signals(
        structure(),
        dispositif(
            siren="552081317",
            nom="Pension de famille Les Lilas",
            type_code="RS_FJT",
            commune="Montreuil",
        ),
    )
    assert codes(pair.signaux) == {
        "AUTRE_ENTITE",
        "NOM_DIFFERENT",
        "AUTRE_COMMUNE",
        "TYPE_INATTENDU",
    }
    assert pair.score < 0 and not pair.identite
    labels = " ; ".join(s.libelle for s in pair.signaux)
    assert "type « FJT » inattendu pour « CHRS »" in labels


def test_unknown_legacy_siren_is_neither_same_nor_other_entite() -> None:
    pair = structure_signals(structure(entite_siren=None, siret=None), dispositif())
    assert not codes(pair.signaux) & {"MEME_ENTITE", "AUTRE_ENTITE", "MEME_SIRET"}


def test_declaration_contradicted() -> None:
    s = structure()
    wrong = structure_signals(
        s,
        dispositif(
            "DSP-93-000009",
            siren="552081317",
            nom="CHU La Passerelle",
            type_code="HEB_HORS_CHRS",
            structures_historiques=(1,),
        ),
    )
    assert contredite(wrong, []) == "autre entité, rien d'autre ne correspond"
    odd_type = structure_signals(s, dispositif(type_code="RS_FJT", structures_historiques=(1,)))
    assert contredite(odd_type, []) == "type inattendu"
    sibling = structure_signals(
        s, dispositif("DSP-93-000002", nom="CHRS La Passerelle", structures_historiques=(1,))
    )
    true = structure_signals(s, dispositif("DSP-93-000003", siret=SIRET))
    assert contredite(sibling, [sibling]) is None  # nothing better elsewhere: trusted
    assert contredite(sibling, [sibling, true]) == (
        "un autre dispositif porte les identifiants de la structure"
    )
    right = structure_signals(s, dispositif(structures_historiques=(1,)))
    assert contredite(right, [right, true]) is None


def test_groupe_signals() -> None:
    s = structure()
    g = groupe(
        public="Homme seul, Jeunes 18-25 ans", adresse="3 rue de la Gare", code_postal="93000"
    )
    assert codes(groupe_signals(g, s, dispositif(publics=("Homme seul", "Jeunes 18-25 ans")))) == {
        "PUBLIC_ACCUEILLI"
    }
    assert codes(groupe_signals(g, s, dispositif(publics=("Homme seul",)))) == {"PUBLIC_PARTIEL"}
    assert codes(groupe_signals(g, s, dispositif(publics=("Femme seule",)))) == {
        "PUBLIC_NON_ACCUEILLI"
    }
    assert codes(groupe_signals(g, s, dispositif())) == set()  # publics not declared
    own = dispositif(adresse="3, rue de la gare", code_postal="93000")
    assert codes(groupe_signals(g, s, own)) == {"ADRESSE_DU_GROUPE"}
    urgence = groupe(type_place="urgence")
    assert codes(groupe_signals(urgence, s, dispositif(type_code="RS_FJT"))) == {
        "TYPE_PLACE_INCOMPATIBLE"
    }


def test_groupe_address_equal_to_the_structure_adds_nothing() -> None:
    s = structure()
    g = groupe(adresse=s.adresse, code_postal=s.code_postal)
    d = dispositif(adresse=s.adresse, code_postal=s.code_postal)
    assert "ADRESSE_DU_GROUPE" not in codes(groupe_signals(g, s, d))


def test_publics_of_legacy_text() -> None:
    assert publics_of("homme seul ; Femme seule avec enfant(s), inconnu") == {
        "Homme seul",
        "Femme seule avec enfant(s)",
    }
    assert publics_of(None) == frozenset() == publics_of("")


def test_address_key() -> None:
    assert address_key("12 bis, Rue Jean-Jaurès", "93000") == address_key(
        "12 BIS rue Jean Jaures", "93000"
    )
    assert address_key("12 rue Jean Jaurès", None) is None
    assert address_key(None, "93000") is None
