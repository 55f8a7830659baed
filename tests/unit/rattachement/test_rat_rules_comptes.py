"""The rules of an account's decision: profile and scope, link, and no privilege escalation
(PROFIL_RESERVE)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.auth.permissions import Identity
from service.rattachement.context import CompteDecision
from service.rattachement.rules_comptes import compte_rules, profil_of
from tests.support.bascule import contexte

CTX = contexte()
OPERATEUR = Identity(1, "op@siao93.fr", "OPERATEUR_SIAO", frozenset({"93"}))
ADMIN_SIAO = Identity(2, "admin@siao93.fr", "ADMIN_SIAO", frozenset({"93"}))
NATIONAL = Identity(3, "equipe@offre.gouv.fr", "ADMIN_NATIONAL")


def codes(cells: dict[str, object], who: Identity = OPERATEUR, ctx=CTX) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    ligne = compte_rules(7, {"utilisateur": 100, **cells}, ctx, who)
    return [(p.champ, p.issue.code) for p in ligne.problemes]


def test_profiles_by_code_or_label() -> None:
    typed = ("Opérateur SIAO", "operateur_siao", "ECOUTANT 115", "Chef de service")
    assert [profil_of(t) for t in typed] == [
        "OPERATEUR_SIAO",
        "OPERATEUR_SIAO",
        "ECOUTANT_115",
        None,
    ]


def test_migrer_with_its_profile_and_departement() -> None:
    cells = {"decision": "Migrer", "profil": "Écoutant 115", "departements": "93"}
    ligne = compte_rules(7, {"utilisateur": 100, **cells}, CTX, OPERATEUR)
    assert ligne.problemes == ()
    assert ligne.decision == CompteDecision("migrer", "ECOUTANT_115", ("93",))


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"decision": "Migrer"}, [("profil", "VALEUR_OBLIGATOIRE")]),
        ({"decision": "Migrer", "profil": "Chef"}, [("profil", "VALEUR_HORS_LISTE")]),
        ({"decision": "Peut-être"}, [("decision", "VALEUR_HORS_LISTE")]),
        (
            {"decision": "Migrer", "profil": "ECOUTANT_115"},
            [("departements", "PERIMETRE_INCOHERENT")],
        ),
        (
            {
                "decision": "Migrer",
                "profil": "ECOUTANT_115",
                "departements": "93",
                "siren": "732829320",
            },
            [("siren", "PERIMETRE_INCOHERENT")],
        ),
        (
            {"decision": "Migrer", "profil": "ECOUTANT_115", "departements": "93 ; 99"},
            [("departements", "DEPARTEMENT_INCONNU")],
        ),
        (
            {"decision": "Migrer", "profil": "GESTIONNAIRE_ENTITE", "siren": "356000000"},
            [("siren", "PERIMETRE_INCOHERENT")],
        ),
        (
            {"decision": "Migrer", "profil": "GESTIONNAIRE_ENTITE", "siren": "12345"},
            [("siren", "SIREN_INVALIDE"), ("siren", "PERIMETRE_INCOHERENT")],
        ),
        (
            {
                "decision": "Migrer",
                "profil": "RESPONSABLE_DISPOSITIF",
                "dispositifs": "DSP-93-000001 ; DSP-93-000099",
            },
            [("dispositifs", "DISPOSITIF_INCONNU")],
        ),
        ({"decision": "Lier au compte existant"}, [("decision", "COMPTE_A_LIER_INCONNU")]),
        (
            {
                "decision": "Migrer",
                "profil": "ECOUTANT_115",
                "departements": "93",
                "courriel": "x@",
            },
            [("courriel", "COURRIEL_INVALIDE")],
        ),
        (
            {
                "decision": "Migrer",
                "profil": "ECOUTANT_115",
                "departements": "93",
                "courriel": "contact@siao93.fr",
            },
            [("courriel", "COURRIEL_GENERIQUE")],
        ),
        ({"utilisateur": 999, "decision": "Désactiver"}, [("utilisateur", "UTILISATEUR_INCONNU")]),
    ],
)
def test_stable_codes(cells: dict[str, object], expected: list[tuple[str, str]]) -> None:
    assert codes(cells) == expected


def test_an_entite_profile_scoped_to_an_entite_of_the_departement() -> None:
    cells = {"decision": "Migrer", "profil": "Gestionnaire d'entité", "siren": "552 081 317"}
    assert codes(cells) == []


def test_desactiver_ignores_profile_and_scope() -> None:
    ligne = compte_rules(
        7, {"utilisateur": 100, "decision": "Désactiver", "departements": "99"}, CTX, OPERATEUR
    )
    assert (ligne.decision, ligne.problemes) == (CompteDecision("desactiver"), ())


def test_lier_to_an_account_of_the_module() -> None:
    ctx = replace(CTX, courriels_module=frozenset({"agent100@siao93.fr"}))
    assert codes({"decision": "Lier"}, ctx=ctx) == []
    assert (
        codes(
            {"decision": "Lier", "courriel": "Agent100@SIAO93.fr"},
            ctx=replace(CTX, courriels_module=frozenset({"agent100@siao93.fr"})),
        )
        == []
    )


def test_no_siao_profile_above_ones_own() -> None:
    cells = {"decision": "Migrer", "profil": "Administrateur SIAO", "departements": "93"}
    assert codes(cells, OPERATEUR) == [("decision", "PROFIL_RESERVE")]
    assert codes(cells, ADMIN_SIAO) == []
    assert codes(cells, NATIONAL) == []


def test_state_profiles_and_wider_scopes_are_for_the_national_team() -> None:
    state = {"decision": "Migrer", "profil": "ADMIN_DEPARTEMENTAL", "departements": "93"}
    assert codes(state, ADMIN_SIAO) == [("decision", "PROFIL_RESERVE")]
    assert codes(state, NATIONAL) == []
    wider = {"decision": "Migrer", "profil": "ECOUTANT_115", "departements": "93;94"}
    assert codes(wider, ADMIN_SIAO) == [("decision", "PROFIL_RESERVE")]
    assert codes(wider, NATIONAL) == []


def test_an_account_of_the_state_is_decided_by_the_national_team_only() -> None:
    desactiver = {"utilisateur": 102, "decision": "Désactiver"}
    assert codes(desactiver, ADMIN_SIAO) == [("decision", "PROFIL_RESERVE")]
    assert codes(desactiver, NATIONAL) == []
    # Left as it is (« à décider », nothing stored): nothing to refuse.
    assert codes({"utilisateur": 102, "decision": ""}, OPERATEUR) == []
    # Its stored decision, re-imported unchanged, is no change either.
    ctx = replace(CTX, decisions_comptes={102: CompteDecision("desactiver")})
    assert codes(desactiver, OPERATEUR, ctx) == []
    assert codes({"utilisateur": 102, "decision": ""}, OPERATEUR, ctx) == [
        ("decision", "PROFIL_RESERVE")
    ]


def test_an_account_proposed_beyond_the_departement_is_for_the_national_team() -> None:
    proposal = replace(CTX.propositions_comptes[100], departements=("92", "93"))
    ctx = replace(CTX, propositions_comptes={**CTX.propositions_comptes, 100: proposal})
    assert codes({"decision": "Désactiver"}, ADMIN_SIAO, ctx) == [("decision", "PROFIL_RESERVE")]
    assert codes({"decision": "Désactiver"}, NATIONAL, ctx) == []


def test_an_entite_or_dispositifs_of_another_departement_are_for_the_national_team() -> None:
    ctx = replace(
        CTX,
        sirens_connus=frozenset({"356000000"}),
        identifiants_connus=frozenset({"DSP-75-000001"}),
    )
    entite = {"decision": "Migrer", "profil": "GESTIONNAIRE_ENTITE", "siren": "356000000"}
    assert codes(entite, ADMIN_SIAO, ctx) == [("decision", "PROFIL_RESERVE")]
    assert codes(entite, NATIONAL, ctx) == []
    ailleurs = {
        "decision": "Migrer",
        "profil": "TRAVAILLEUR_SOCIAL",
        "dispositifs": "DSP-75-000001",
    }
    assert codes(ailleurs, ADMIN_SIAO, ctx) == [("decision", "PROFIL_RESERVE")]
    assert codes(ailleurs, NATIONAL, ctx) == []
