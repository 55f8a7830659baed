"""Rules across rows (duplicates, two accounts migrating to one e-mail) and the plan: the
decisions that change, old → new."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from service.rattachement.context import CompteDecision, GroupeDecision
from service.rattachement.cross_rules import courriels_en_double, doublons_groupes
from service.rattachement.plan import decided_since, plan_comptes, plan_groupes
from service.rattachement.rules_comptes import LigneCompte
from service.rattachement.rules_groupes import LigneGroupe
from tests.support.bascule import contexte

CTX = contexte()
MIGRER = CompteDecision("migrer", "ECOUTANT_115", ("93",))


def test_a_groupe_twice_is_flagged_on_every_line() -> None:
    lignes = [LigneGroupe(2, 10, None), LigneGroupe(3, 11, None), LigneGroupe(9, 10, None)]
    found = [(line, p.issue.code, p.issue.detail) for line, p in doublons_groupes(lignes)]
    assert found == [
        (
            2,
            "DOUBLON_DANS_LE_FICHIER",
            "ce groupe apparaît aussi ligne 9 : gardez une seule ligne.",
        ),
        (
            9,
            "DOUBLON_DANS_LE_FICHIER",
            "ce groupe apparaît aussi ligne 2 : gardez une seule ligne.",
        ),
    ]


def test_two_accounts_migrating_to_one_email() -> None:
    same = replace(MIGRER, courriel="agent100@siao93.fr")
    lignes = [LigneCompte(2, 100, MIGRER), LigneCompte(3, 101, same)]
    found = courriels_en_double(lignes, CTX)
    assert [(line, p.champ, p.issue.code) for line, p in found] == [
        (2, "courriel", "COURRIEL_EN_DOUBLE"),
        (3, "courriel", "COURRIEL_EN_DOUBLE"),
    ]
    assert "ligne 3" in found[0][1].issue.detail
    # A new e-mail for one of them settles it.
    assert courriels_en_double([lignes[0], LigneCompte(3, 101, MIGRER)], CTX) == []


def test_stored_decisions_of_accounts_absent_from_the_file_and_module_accounts_count() -> None:
    stored = replace(CTX, courriels_migres={"agent100@siao93.fr": (555,)})
    (found,) = courriels_en_double([LigneCompte(2, 100, MIGRER)], stored)
    assert "compte historique n° 555 (décision enregistrée)" in found[1].issue.detail
    # The account's own stored decision, replaced by the file's, is no conflict.
    own = replace(CTX, courriels_migres={"agent100@siao93.fr": (100,)})
    assert courriels_en_double([LigneCompte(2, 100, MIGRER)], own) == []
    module = replace(CTX, courriels_module=frozenset({"agent100@siao93.fr"}))
    (found,) = courriels_en_double([LigneCompte(2, 100, MIGRER)], module)
    assert "un compte actif du module Offre" in found[1].issue.detail


def test_plan_of_the_groupes_old_to_new() -> None:
    ctx = replace(
        CTX,
        decisions_groupes={
            10: GroupeDecision("rattacher", "DSP-93-000001"),
            11: GroupeDecision("exclure"),
        },
    )
    lignes = [
        LigneGroupe(2, 10, GroupeDecision("rattacher", "DSP-93-000004")),
        LigneGroupe(3, 11, GroupeDecision("exclure")),
    ]
    bilan = plan_groupes(lignes, ctx)
    (change,) = bilan.changes
    assert (change.action, change.ligne, change.cle, change.cible_id) == ("rattacher", 2, "10", 10)
    assert change.avant == {"dispositif": "DSP-93-000001"}
    assert change.apres is not None
    assert change.apres["dispositif"] == "DSP-93-000004"
    assert change.apres["proposition"]["dispositif"] == "DSP-93-000001"
    assert change.apres["proposition"]["confiance"] == "haute"
    assert (bilan.nouvelles, bilan.modifiees, bilan.retirees, bilan.inchangees) == (0, 1, 0, 1)


def test_to_decide_withdraws_a_decision_and_is_unchanged_otherwise() -> None:
    ctx = replace(CTX, decisions_groupes={10: GroupeDecision("exclure", None, "vu")})
    bilan = plan_groupes([LigneGroupe(2, 10, None), LigneGroupe(3, 11, None)], ctx)
    (change,) = bilan.changes
    assert (change.action, change.avant) == (
        "a_decider",
        {"decision": "exclure", "commentaire": "vu"},
    )
    assert (bilan.nouvelles, bilan.modifiees, bilan.retirees, bilan.inchangees) == (0, 0, 1, 1)


def test_plan_of_the_accounts() -> None:
    bilan = plan_comptes([LigneCompte(4, 100, MIGRER)], CTX)
    (change,) = bilan.changes
    assert change.action == "migrer"
    assert change.avant == {"decision": None, "profil": None, "departements": []}
    assert change.apres is not None and change.apres["proposition"]["profil"] == "ECOUTANT_115"
    assert bilan.nouvelles == 1


def test_decisions_taken_after_the_export_are_named() -> None:
    exported = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    ctx = replace(
        CTX,
        decisions_groupes={10: GroupeDecision("exclure"), 11: GroupeDecision("exclure")},
        decide_le={
            ("groupe", 10): datetime(2026, 3, 2, 10, 15, tzinfo=UTC),
            ("groupe", 11): datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        },
    )
    lignes = [
        LigneGroupe(2, 10, GroupeDecision("rattacher", "DSP-93-000001")),
        LigneGroupe(3, 11, GroupeDecision("rattacher", "DSP-93-000001")),
    ]
    changes = plan_groupes(lignes, ctx).changes
    assert decided_since(changes, ctx, exported) == [("Groupes de places", 2, "02/03/2026 à 10:15")]
