"""The rules of a groupe's decision (sheet « Groupes de places », screen entry): stable codes."""

from __future__ import annotations

import pytest

from service.rattachement.columns import DECISIONS_GROUPE, choice_value, leading_identifiant
from service.rattachement.context import GroupeDecision
from service.rattachement.rules_groupes import groupe_rules
from tests.support.bascule import contexte

CTX = contexte()
LABEL = "DSP-93-000001 — CHRS Le Relais (CHRS)"


def codes(cells: dict[str, object]) -> list[tuple[str, str]]:
    return [(p.champ, p.issue.code) for p in groupe_rules(5, cells, CTX).problemes]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (LABEL, "DSP-93-000001"),
        ("dsp-93-000001", "DSP-93-000001"),
        ("  DSP-93-000001 CHRS", "DSP-93-000001"),
        ("DSP-2A-000001 — x", "DSP-2A-000001"),
        ("DSP-93-0000012", None),
        ("CHRS Le Relais", None),
        ("", None),
    ],
)
def test_only_the_leading_identifiant_is_read(typed: str, expected: str | None) -> None:
    assert leading_identifiant(typed) == expected


def test_decisions_by_label_machine_value_or_first_word() -> None:
    assert [choice_value(DECISIONS_GROUPE, t) for t in ("Rattacher", "rattacher", "EXCLURE")] == [
        "rattacher",
        "rattacher",
        "exclure",
    ]
    assert choice_value(DECISIONS_GROUPE, "Oui") is None


def test_rattacher_to_an_open_dispositif_with_places() -> None:
    ligne = groupe_rules(5, {"groupe": 10.0, "decision": "Rattacher", "cible": LABEL}, CTX)
    assert (ligne.groupe_id, ligne.decision, ligne.problemes) == (
        10,
        GroupeDecision("rattacher", "DSP-93-000001"),
        (),
    )


def test_exclure_ignores_the_target_and_keeps_the_comment() -> None:
    cells = {"groupe": "10", "decision": "Exclure", "cible": "n'importe quoi", "commentaire": "DNA"}
    ligne = groupe_rules(5, cells, CTX)
    assert (ligne.decision, ligne.problemes) == (GroupeDecision("exclure", None, "DNA"), ())


def test_an_empty_decision_is_to_decide() -> None:
    ligne = groupe_rules(5, {"groupe": 10, "decision": "", "cible": LABEL}, CTX)
    assert (ligne.decision, ligne.problemes) == (None, ())


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"decision": "Oui"}, [("decision", "VALEUR_HORS_LISTE")]),
        ({"decision": "Rattacher", "cible": ""}, [("cible", "VALEUR_OBLIGATOIRE")]),
        ({"decision": "Rattacher", "cible": "DSP-75-000001"}, [("cible", "DISPOSITIF_INCONNU")]),
        ({"decision": "Rattacher", "cible": "CHRS Le Relais"}, [("cible", "DISPOSITIF_INCONNU")]),
        ({"decision": "Rattacher", "cible": "DSP-93-000002"}, [("cible", "TYPE_INCOMPATIBLE")]),
        ({"decision": "Rattacher", "cible": "DSP-93-000003"}, [("cible", "DISPOSITIF_FERME")]),
        ({"groupe": 999, "decision": "Exclure"}, [("groupe", "GROUPE_INCONNU")]),
        ({"groupe": "dix", "decision": "Exclure"}, [("groupe", "GROUPE_INCONNU")]),
        ({"groupe": "", "decision": "Exclure"}, [("groupe", "VALEUR_OBLIGATOIRE")]),
        ({"decision": "Exclure", "commentaire": "x" * 1001}, [("commentaire", "TEXTE_TROP_LONG")]),
    ],
)
def test_stable_codes(cells: dict[str, object], expected: list[tuple[str, str]]) -> None:
    assert codes({"groupe": 10, **cells}) == expected


def test_messages_say_what_to_do() -> None:
    (problem,) = groupe_rules(
        5, {"groupe": 10, "decision": "Rattacher", "cible": "DSP-93-000002"}, CTX
    ).problemes
    assert problem.valeur == "DSP-93-000002"
    assert problem.issue.detail.startswith("est un dispositif de type « Maraude »")
