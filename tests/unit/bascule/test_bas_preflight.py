"""The Temps 3 preflight, pure: each blocker code with its items, and what does not block."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from service.bascule.preflight import (
    Basculement,
    Groupe,
    PreflightData,
    Reference,
    preflight,
    preparations,
)
from service.rattachement.context import CompteDecision, GroupeDecision
from tests.support.bascule import account, preflight_data

DATA: PreflightData = preflight_data()


def blockers(data: PreflightData) -> dict[str, list[int | None]]:
    found = preflight(data, "93")
    return {code: [e.id for e in items] for code, items in found.bloquants.items()}


def with_groupe(groupe: Groupe, decision: GroupeDecision | None = None) -> PreflightData:
    decisions: dict[int, Any] = dict(DATA.decisions_groupes)
    if decision is not None:
        decisions[groupe.id] = decision
    return replace(DATA, groupes={"93": (*DATA.groupes["93"], groupe)}, decisions_groupes=decisions)


def with_decision(utilisateur_id: int, decision: CompteDecision | None, **kw: Any) -> Any:
    decisions: dict[int, Any] = dict(DATA.decisions_comptes)
    decisions.pop(utilisateur_id, None)
    if decision is not None:
        decisions[utilisateur_id] = decision
    return replace(DATA, decisions_comptes=decisions, **kw)


def test_a_decided_departement_is_ready_and_counted() -> None:
    found = preflight(DATA, "93")
    assert (found.statut, found.bloquants) == ("pret", {})
    assert found.groupes == {
        "actifs": 2,
        "rattaches": 2,
        "exclus": 0,
        "a_decider": 0,
        "inactifs": 1,
    }
    assert found.utilisateurs["migres"] == 2


def test_groupes_without_decision_excluded_with_occupants_or_bad_targets() -> None:
    new = Groupe(13, 1, "Urgence", "urgence", 5, 2, True)
    assert blockers(with_groupe(new)) == {"GROUPE_NON_RATTACHE": [13]}
    assert blockers(with_groupe(new, GroupeDecision("exclure"))) == {"GROUPE_EXCLU_OCCUPE": [13]}
    empty = new._replace(places_occupees=0)
    assert blockers(with_groupe(empty, GroupeDecision("exclure"))) == {}
    for target, code in (
        ("DSP-93-000009", "DISPOSITIF_INCONNU"),
        ("DSP-93-000002", "TYPE_INCOMPATIBLE"),
        ("DSP-93-000003", "DISPOSITIF_FERME"),
    ):
        found = blockers(with_groupe(new, GroupeDecision("rattacher", target)))
        assert found == {code: [13]}, target
    inactive = new._replace(actif=False)  # no decision needed: archived with its id reserved
    assert blockers(with_groupe(inactive)) == {}


def test_a_legacy_value_the_module_refuses_is_named() -> None:
    bad = Groupe(13, 1, "Urgence", "urgence", 0, 0, True)
    found = preflight(with_groupe(bad, GroupeDecision("rattacher", "DSP-93-000001")), "93")
    (element,) = found.bloquants["VALEUR_HISTORIQUE_INVALIDE"]
    assert element.id == 13 and "nb_places = « 0 »" in element.message


def test_accounts_without_decision_conflicts_and_e_mails() -> None:
    assert blockers(with_decision(100, None)) == {"UTILISATEUR_NON_MIGRE": [100]}
    conflict = account(102, "ECOUTANT", "GESTIONNAIRE_STRUCTURE", email="x.roux@siao93.fr")
    data = replace(DATA, comptes={"93": (*DATA.comptes["93"], conflict)})
    assert blockers(data) == {"CONFLIT_PROFILS": [102]}
    # Two accounts migrating to one e-mail; one migrating to an e-mail the module has.
    double = {**DATA.courriels_migres, "c.martin@siao93.fr": (100, 555)}
    assert blockers(replace(DATA, courriels_migres=double)) == {"COURRIEL_EN_DOUBLE": [100]}
    taken = replace(DATA, courriels_module=frozenset({"c.martin@siao93.fr"}))
    assert blockers(taken) == {"COURRIEL_DEJA_UTILISE": [100]}
    # « Lier » needs an active account of the module with that e-mail.
    assert blockers(with_decision(100, CompteDecision("lier"))) == {"COMPTE_A_LIER_INCONNU": [100]}
    linked = with_decision(
        100, CompteDecision("lier"), courriels_module=frozenset({"c.martin@siao93.fr"})
    )
    assert blockers(linked) == {}
    gone = CompteDecision("migrer", "RESPONSABLE_DISPOSITIF", dispositifs=("DSP-93-000099",))
    assert blockers(with_decision(101, gone)) == {"PERIMETRE_INCOHERENT": [101]}
    assert blockers(with_decision(100, CompteDecision("desactiver"))) == {}


def test_temps2_alerts_left_must_be_acknowledged() -> None:
    generic = account(102, "ECOUTANT", email="accueil@siao93.fr")
    data = replace(
        DATA,
        comptes={"93": (*DATA.comptes["93"], generic)},
        decisions_comptes={
            **DATA.decisions_comptes,
            102: CompteDecision("migrer", "ECOUTANT_115", ("93",)),
        },
    )
    assert blockers(data) == {"ALERTE_NON_ACQUITTEE": [102]}
    assert (
        "COURRIEL_GENERIQUE" in preflight(data, "93").bloquants["ALERTE_NON_ACQUITTEE"][0].message
    )
    assert blockers(replace(data, acquittees={102: frozenset({"COURRIEL_GENERIQUE"})})) == {}
    # A new nominative e-mail settles it.
    renamed = CompteDecision("migrer", "ECOUTANT_115", ("93",), courriel="a.blanc@siao93.fr")
    assert blockers(replace(data, decisions_comptes={**data.decisions_comptes, 102: renamed})) == {}


def test_references_from_departements_not_switched_and_already_switched() -> None:
    ref = Reference(700, "75", 1, decide=False)
    assert blockers(replace(DATA, references={"93": (ref,)})) == {
        "REFERENCE_AUTRE_DEPARTEMENT": [700]
    }
    decided = Reference(700, "75", 1, decide=True)
    assert blockers(replace(DATA, references={"93": (decided,)})) == {}
    switched = replace(DATA, basculees={"93": Basculement(datetime(2027, 1, 4, 9, 30), 42)})
    found = preflight(switched, "93")
    assert (found.statut, blockers(switched)) == ("bascule", {"DEJA_BASCULE": [42]})
    assert "04/01/2027 09:30" in found.bloquants["DEJA_BASCULE"][0].message


def test_the_refusal_names_codes_and_items() -> None:
    new = [Groupe(20 + n, 1, f"G{n}", "urgence", 5, 0, True) for n in range(5)]
    data = replace(DATA, groupes={"93": (*DATA.groupes["93"], *new)})
    message = preflight(data, "93").refusal()
    assert message.startswith("Le département 93 ne peut pas basculer, rien n'a été écrit")
    assert "GROUPE_NON_RATTACHE × 5" in message and "(et 2 autre(s))" in message


def test_preparations_cover_every_departement_of_the_data() -> None:
    found = preparations(replace(DATA, departements=("75", "93")))
    assert [(p.departement, p.statut) for p in found] == [("75", "pret"), ("93", "pret")]
