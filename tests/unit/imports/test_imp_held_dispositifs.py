"""Temps 1 next to Temps 2 and 3 in the plan: DISPOSITIF_OCCUPE (erreur) when a dispositif
holding groupes de places is closed or retyped, DISPOSITIF_CIBLE (avertissement) when a Temps 2
target is closed; the miroir mode's closures included."""

from __future__ import annotations

from typing import Any

from service.imports.plan import StagedRow, plan_departement
from service.referentiels.checks import Severite

LIVE: list[dict[str, Any]] = [
    {"id": n, "identifiant": f"DSP-75-00000{n}", "siren": "552081317", "nom": f"CHRS {n}",
     "type_code": "HEB_CHRS", "departement": "75"}
    for n in (1, 2, 3)
]  # fmt: skip
HELD = {"occupied": {"DSP-75-000001": 3}, "targets": {"DSP-75-000002": 2, "DSP-75-000003": 1}}


def plan(rows: list[StagedRow], mirror: bool = False) -> Any:
    return plan_departement(
        "75", rows, LIVE, mirror=mirror, state_profile=True, today="2026-06-01", **HELD
    )


def test_closing_or_retyping_a_dispositif_with_groupes_is_an_error() -> None:
    rows = [
        StagedRow(2, {**LIVE[0], "date_fermeture": "2026-12-31"}),
        StagedRow(3, {**LIVE[1], "type_code": "HEB_HOTEL"}),
    ]
    found = plan(rows).anomalies
    assert [(a.code, a.ligne, a.colonne, a.valeur, a.severite) for a in found] == [
        ("DISPOSITIF_OCCUPE", 2, "Date de fermeture", "31/12/2026", Severite.ERREUR)
    ]
    assert found[0].message == (
        "Feuille Dispositifs, ligne 2, colonne Date de fermeture : « 31/12/2026 » ferme le "
        "dispositif DSP-75-000001, qui porte 3 groupe(s) de places actif(s) de SI SIAO "
        "(département basculé) : rattachez d'abord ces groupes à un autre dispositif."
    )
    retyped = plan([StagedRow(4, {**LIVE[0], "type_code": "HEB_HOTEL"})]).anomalies
    assert [(a.code, a.colonne, a.valeur) for a in retyped] == [
        ("DISPOSITIF_OCCUPE", "Type de dispositif", "Hôtel")
    ]


def test_closing_a_temps2_target_is_a_warning_and_other_changes_say_nothing() -> None:
    rows = [
        StagedRow(2, {**LIVE[1], "date_fermeture": "2026-12-31"}),
        StagedRow(3, {**LIVE[0], "nom": "CHRS renommé"}),
        StagedRow(4, {**LIVE[2], "commune": "Paris"}),
    ]
    found = plan(rows).anomalies
    assert [(a.code, a.ligne, a.severite) for a in found] == [
        ("DISPOSITIF_CIBLE", 2, Severite.AVERTISSEMENT)
    ]
    assert "destine 2 groupe(s) de places" in found[0].message


def test_the_miroir_mode_closing_them_says_so_without_a_row() -> None:
    found = plan([StagedRow(2, dict(LIVE[2]))], mirror=True).anomalies
    assert [(a.code, a.ligne, a.colonne, a.valeur) for a in found] == [
        ("DISPOSITIF_OCCUPE", 0, "Identifiant", ""),
        ("DISPOSITIF_CIBLE", 0, "Identifiant", ""),
    ]
    assert found[0].message.startswith(
        "Feuille Dispositifs, colonne Identifiant : le mode miroir fermerait DSP-75-000001 "
        "(absent du fichier), qui porte 3 groupe(s)"
    )
