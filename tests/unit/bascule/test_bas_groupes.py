"""Proposals for legacy groupes de places: ranking, confidence, motif, alerts."""

from __future__ import annotations

import random

from service.bascule.groupes import CANDIDATS_MAX, propose_groupes, rattachements
from service.bascule.model import Confiance, DepartementOffre, PropositionGroupe
from tests.support.bascule import SIRET, dispositif, groupe, structure

OTHER_SIREN = "552081317"


def propose(structures, groupes, dispositifs) -> list[PropositionGroupe]:  # type: ignore[no-untyped-def]
    return propose_groupes(
        DepartementOffre("93", tuple(structures), tuple(groupes), tuple(dispositifs))
    )


def one(structures, groupes, dispositifs) -> PropositionGroupe:  # type: ignore[no-untyped-def]
    (proposal,) = propose(structures, groupes, dispositifs)
    return proposal


def test_declared_structure_is_decisive() -> None:
    p = one(
        [structure(siret=None)],
        [groupe()],
        [
            dispositif("DSP-93-000001", nom="Centre Jean Moulin", structures_historiques=(1,)),
            dispositif("DSP-93-000002", nom="CHRS Le Relais – Montreuil", siret=None),
        ],
    )
    assert (p.dispositif, p.confiance) == ("DSP-93-000001", Confiance.HAUTE)
    assert p.motif.startswith("structure déclarée dans le dispositif ; même entité (SIREN)")
    assert [c.identifiant for c in p.candidats] == ["DSP-93-000001", "DSP-93-000002"]


def test_undeclared_structure_found_by_siret_name_and_entite() -> None:
    p = one(
        [structure()],
        [groupe()],
        [
            dispositif(
                "DSP-93-000001",
                nom="Centre d'hébergement et de réinsertion sociale Le Relais",
                siret=SIRET,
            ),
            dispositif("DSP-93-000002", nom="CHRS La Passerelle"),
            dispositif("DSP-93-000003", nom="CHRS Le Relais", siren=OTHER_SIREN),
        ],
    )
    assert (p.dispositif, p.confiance) == ("DSP-93-000001", Confiance.HAUTE)
    assert p.motif == "même SIRET ; même entité (SIREN) ; même nom ; type attendu (CHRS)"


def test_dna_places_get_no_proposal_and_an_alert() -> None:
    dna = structure(nom="CADA Le Phare", type_code=700, siret=None)
    p = one(
        [dna],
        [groupe(public="Demandeurs d'asile / BPI")],
        [
            dispositif(
                "DSP-93-000001",
                nom="CADA Le Phare",
                type_code="PA_DNA",
                structures_historiques=(1,),
            ),
            dispositif("DSP-93-000002", nom="CHU Le Phare", type_code="HEB_HORS_CHRS"),
        ],
    )
    assert (p.dispositif, p.confiance) == (None, Confiance.AUCUNE)
    assert [a.code for a in p.alertes] == ["PLACES_DNA"]
    assert "DNA" in p.motif
    assert all(c.type_code != "PA_DNA" for c in p.candidats)  # never a type without places


def test_successor_without_places_is_a_type_conflict() -> None:
    halte = structure(nom="Halte de nuit Le Gué", type_code=300)
    p = one(
        [halte],
        [groupe(type_place="urgence")],
        [
            dispositif(
                "DSP-93-000001", nom="Halte de nuit Le Gué", type_code="VS_HALTE_NUIT", siret=SIRET
            ),
            dispositif("DSP-93-000002", nom="CHU Les Lilas", type_code="HEB_HORS_CHRS"),
        ],
    )
    assert (p.dispositif, p.confiance) == (None, Confiance.AUCUNE)
    assert [a.code for a in p.alertes] == ["TYPE_INCOMPATIBLE"]
    assert "DSP-93-000001 « Halte de nuit Le Gué » (Halte de nuit)" in p.motif
    assert "n'accueille pas de places" in p.alertes[0].message
    assert [c.identifiant for c in p.candidats] == ["DSP-93-000002"]


def test_closed_successor() -> None:
    p = one([structure()], [groupe()], [dispositif(siret=SIRET, ferme=True)])
    assert (p.dispositif, p.confiance) == (None, Confiance.AUCUNE)
    assert [a.code for a in p.alertes] == ["DISPOSITIF_FERME"]
    assert p.candidats == ()


def test_structure_split_by_public() -> None:
    s = structure()
    parts = [
        dispositif(
            "DSP-93-000001",
            nom="CHRS Le Relais – hommes",
            siret=SIRET,
            publics=("Homme seul",),
            structures_historiques=(1,),
        ),
        dispositif(
            "DSP-93-000002",
            nom="CHRS Le Relais – familles",
            siret=SIRET,
            publics=("Couple avec enfant(s)", "Femme seule avec enfant(s)"),
            structures_historiques=(1,),
        ),
    ]
    men, families = propose(
        [s],
        [groupe(10, public="Homme seul"), groupe(11, public="Couple avec enfant(s)")],
        parts,
    )
    assert (men.dispositif, men.confiance) == ("DSP-93-000001", Confiance.HAUTE)
    assert (families.dispositif, families.confiance) == ("DSP-93-000002", Confiance.HAUTE)
    assert "public accueilli par le dispositif" in families.motif
    assert "public non accueilli" in families.candidats[1].motif


def test_split_declared_by_one_part_only() -> None:
    parts = [
        dispositif(
            "DSP-93-000001",
            nom="CHRS Le Relais – hommes",
            siret=SIRET,
            publics=("Homme seul",),
            structures_historiques=(1,),
        ),
        dispositif(
            "DSP-93-000002",
            nom="CHRS Le Relais – familles",
            siret=SIRET,
            publics=("Couple avec enfant(s)",),
        ),
    ]
    p = one([structure()], [groupe(public="Couple avec enfant(s)")], parts)
    assert p.dispositif == "DSP-93-000002"
    loser = p.candidats[1]
    assert "structure déclarée dans le dispositif, mais contredite (public non accueilli)" in (
        loser.motif
    )


def test_wrong_declaration_does_not_win() -> None:
    p = one(
        [structure()],
        [groupe()],
        [
            dispositif(
                "DSP-93-000001",
                siren=OTHER_SIREN,
                nom="Pension de famille Les Lilas",
                type_code="RS_PENSION_FAMILLE",
                structures_historiques=(1,),
            ),
            dispositif("DSP-93-000002", nom="CHRS Le Relais", siret=SIRET),
        ],
    )
    assert (p.dispositif, p.confiance) == ("DSP-93-000002", Confiance.HAUTE)
    assert "mais contredite (type inattendu)" in p.candidats[1].motif


def test_unexpected_type_is_never_haute() -> None:
    p = one([structure()], [groupe()], [dispositif(type_code="RS_FJT", siret=SIRET)])
    assert p.dispositif == "DSP-93-000001"
    assert p.confiance is not Confiance.HAUTE
    assert "inattendu" in p.motif


def test_two_close_candidates_lower_the_confidence() -> None:
    twins = [
        dispositif("DSP-93-000001", nom="CHRS Le Relais"),
        dispositif("DSP-93-000002", nom="CHRS Le Relais", type_code="HEB_HORS_CHRS"),
    ]
    p = one([structure(siret=None)], [groupe()], twins)
    assert p.dispositif == "DSP-93-000001"
    assert p.confiance is Confiance.FAIBLE  # 1 point apart: the operator decides


def test_nothing_matches() -> None:
    # Same entité, nothing else in common: a candidate, not a proposal.
    unrelated = dispositif(nom="Gymnase Jean Moulin", type_code="HEB_AUTRE", commune="Montreuil")
    p = one([structure()], [groupe()], [unrelated])
    assert (p.dispositif, p.confiance) == (None, Confiance.AUCUNE)
    assert p.motif == "aucun dispositif ne correspond assez (meilleur candidat : DSP-93-000001)"
    empty = one([structure()], [groupe()], [])
    assert (empty.confiance, empty.motif, empty.candidats) == (
        Confiance.AUCUNE,
        "aucun dispositif candidat",
        (),
    )


def test_only_active_groupes_of_active_structures() -> None:
    proposals = propose(
        [structure(1), structure(2, actif=False)],
        [groupe(10, 1), groupe(11, 1, actif=False), groupe(12, 2)],
        [dispositif(siret=SIRET)],
    )
    assert [p.groupe_id for p in proposals] == [10]


def test_candidates_are_bounded_and_the_result_does_not_depend_on_order() -> None:
    dispositifs = [
        dispositif(f"DSP-93-{i:06d}", nom=f"CHRS Le Relais {i}", siret=SIRET if i == 3 else None)
        for i in range(1, 12)
    ]
    structures = [structure(1), structure(2, nom="CHU Les Lilas", type_code=300, siret=None)]
    groupes = [groupe(10, 1), groupe(11, 2), groupe(12, 1, public="Femme seule")]
    first = propose(structures, groupes, dispositifs)
    rng = random.Random(4)
    for _ in range(3):
        rng.shuffle(dispositifs)
        rng.shuffle(groupes)
        assert propose(structures, groupes, dispositifs) == first
    assert all(len(p.candidats) <= CANDIDATS_MAX for p in first)
    assert first[0].dispositif == "DSP-93-000003"


def test_rattachements_from_proposals() -> None:
    dispositifs = [dispositif(siret=SIRET), dispositif("DSP-93-000002", siren=OTHER_SIREN)]
    proposals = propose(
        [structure(1), structure(2, nom="X", siret=None, entite_siren=None)],
        [groupe(10, 1), groupe(11, 2)],
        dispositifs,
    )
    attached = rattachements(proposals, dispositifs)
    assert set(attached) == {1}
    assert attached[1].dispositifs == {"DSP-93-000001"}
    assert attached[1].sirens == {dispositifs[0].siren}


def test_a_name_borne_by_several_structures_of_the_entite_counts_little() -> None:
    twins = [structure(1, siret=None), structure(2, siret=None, adresse="5 rue de Paris")]
    p, _ = propose(twins, [groupe(10, 1), groupe(11, 2)], [dispositif()])
    assert p.confiance is not Confiance.HAUTE
    assert "nom proche, mais porté par 2 structures de l'entité" in p.motif
    alone = one([twins[0]], [groupe(10, 1)], [dispositif()])
    assert alone.confiance is Confiance.HAUTE  # same entité + same name + expected type
