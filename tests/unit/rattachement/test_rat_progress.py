"""A département's progress: decisions taken and left, alerts settled or acknowledged, and what
blocks Temps 3."""

from __future__ import annotations

from service.rattachement.context import CompteDecision, GroupeDecision
from service.rattachement.progress import (
    AlerteFigures,
    alerte_resolue,
    partage_regle,
    progression,
)
from tests.support.bascule import contexte


def test_nothing_decided() -> None:
    p = progression(contexte())
    assert p.groupes == {"total": 2, "rattaches": 0, "exclus": 0, "restants": 2}
    assert p.utilisateurs == {"total": 3, "migres": 0, "lies": 0, "desactives": 0, "restants": 3}
    assert p.alertes == {"COURRIEL_GENERIQUE": AlerteFigures(1, 0, 0, 1)}
    assert p.bloquants == {
        "COURRIEL_GENERIQUE": 1,
        "GROUPE_A_DECIDER": 2,
        "UTILISATEUR_A_DECIDER": 3,
    }


def test_decisions_alerts_and_targets_that_went_wrong() -> None:
    p = progression(
        contexte(
            decisions_groupes={
                10: GroupeDecision("rattacher", "DSP-93-000003"),  # closed since
                11: GroupeDecision("exclure"),
                999: GroupeDecision("exclure"),  # a groupe no longer active: not counted
            },
            decisions_comptes={
                100: CompteDecision("migrer", "ECOUTANT_115", ("93",)),
                101: CompteDecision("migrer", "ADMIN_SIAO", ("93",)),
            },
            acquittees={101: frozenset({"COURRIEL_GENERIQUE"})},
            courriels_module=frozenset({"agent100@siao93.fr"}),
        )
    )
    assert p.groupes == {"total": 2, "rattaches": 1, "exclus": 1, "restants": 0}
    assert p.utilisateurs["migres"] == 2 and p.utilisateurs["restants"] == 1
    assert p.alertes == {"COURRIEL_GENERIQUE": AlerteFigures(1, 0, 1, 0)}
    assert p.bloquants == {
        "COURRIEL_EN_DOUBLE": 1,  # 100 migrates to an e-mail a module account has
        "DISPOSITIF_FERME": 1,
        "UTILISATEUR_A_DECIDER": 1,
    }


def test_what_settles_an_alert() -> None:
    email = "contact@siao93.fr"
    migrer = CompteDecision("migrer", "ECOUTANT_115", ("93",))
    assert not alerte_resolue("COURRIEL_GENERIQUE", None, email)
    assert not alerte_resolue("COURRIEL_GENERIQUE", migrer, email)
    assert alerte_resolue("COURRIEL_GENERIQUE", CompteDecision("desactiver"), email)
    nominative = CompteDecision("migrer", "ECOUTANT_115", ("93",), courriel="lea.martin@siao93.fr")
    assert alerte_resolue("COURRIEL_GENERIQUE", nominative, email)
    generic = CompteDecision("migrer", "ECOUTANT_115", ("93",), courriel="accueil@siao93.fr")
    assert not alerte_resolue("COURRIEL_GENERIQUE", generic, email)
    assert alerte_resolue("COURRIEL_PARTAGE", CompteDecision("lier"), email)
    assert alerte_resolue("CONFLIT_PROFILS", migrer, email)
    assert not alerte_resolue(
        "STRUCTURE_NON_RATTACHEE", CompteDecision("migrer", "ASSISTANT"), email
    )
    assert alerte_resolue(
        "STRUCTURE_NON_RATTACHEE", CompteDecision("migrer", "ASSISTANT", siren="732829320"), email
    )


def test_a_shared_email_kept_by_one_account_once_the_others_are_decided() -> None:
    migrer = CompteDecision("migrer", "ECOUTANT_115", ("93",))
    shared = {"agent100@siao93.fr": (100, 101)}
    ctx = contexte(comptes_meme_courriel=shared, courriels_migres={"agent100@siao93.fr": (100,)})
    assert not partage_regle(100, migrer, ctx)  # 101 still to decide
    decided = contexte(
        comptes_meme_courriel=shared,
        courriels_migres={"agent100@siao93.fr": (100,)},
        decisions_comptes={100: migrer, 101: CompteDecision("desactiver")},
    )
    assert partage_regle(100, migrer, decided)
    assert not partage_regle(100, CompteDecision("desactiver"), decided)
