"""What the console's rattachement screen lists: groupes filtered by confiance and decision, the
targets offered, accounts filtered by decision or by open alert."""

from __future__ import annotations

from service.rattachement import screen
from service.rattachement.context import CompteDecision, GroupeDecision
from service.rattachement.progress import alert_states
from service.rattachement.schemas import propositions
from tests.support.bascule import contexte


def test_groupes_filtered_by_state_and_confiance() -> None:
    ctx = contexte(decisions_groupes={11: GroupeDecision("exclure")})
    every = propositions(ctx)
    assert [p.groupe for p in screen.filtrer(every, None, None)] == [10, 11]
    assert [p.groupe for p in screen.filtrer(every, None, "a_decider")] == [10]
    assert [p.groupe for p in screen.filtrer(every, None, "exclu")] == [11]
    assert screen.filtrer(every, None, "rattache") == []
    confiance = every[0].proposition.confiance
    assert 10 in [p.groupe for p in screen.filtrer(every, confiance, None)]
    others = {"haute", "moyenne", "faible", "aucune"} - {confiance}
    assert all(10 not in [p.groupe for p in screen.filtrer(every, c, None)] for c in others)


def test_targets_are_open_dispositifs_with_places() -> None:
    cibles = screen.cibles(contexte())
    assert [c.identifiant for c in cibles] == ["DSP-93-000001", "DSP-93-000004"]
    assert cibles[0].libelle.startswith("DSP-93-000001 — ") and cibles[0].libelle.endswith("(CHRS)")
    assert "DSP-93-000003" in screen.libelles(contexte())  # a closed one keeps its label


def test_accounts_by_decision_and_open_alert() -> None:
    ctx = contexte(decisions_comptes={100: CompteDecision("desactiver")})
    assert [c.id for c in screen.comptes(ctx, None)] == [100, 101, 102]
    assert [c.id for c in screen.comptes(ctx, "desactiver")] == [100]
    assert [c.id for c in screen.comptes(ctx, "a_decider")] == [101, 102]
    # 101's generic mailbox blocks until it is acknowledged or a nominative e-mail is chosen.
    assert alert_states(ctx, 101) == {"COURRIEL_GENERIQUE": "restante"}
    assert [c.id for c in screen.comptes(ctx, "alertes")] == [101]
    done = contexte(acquittees={101: frozenset({"COURRIEL_GENERIQUE"})})
    assert alert_states(done, 101) == {"COURRIEL_GENERIQUE": "acquittee"}
    assert screen.comptes(done, "alertes") == []
