"""Temps 1 next to Temps 2 and 3, pure: a plan must not close or retype a dispositif that holds
groupes de places (``DISPOSITIF_OCCUPE``, erreur: its département has switched and SI SIAO
orients people there), and warns when it closes a dispositif that Temps 2 decisions target
(``DISPOSITIF_CIBLE``, avertissement: the switch would then refuse those groupes)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from service.imports.anomalies import Anomalie, anomaly
from service.imports.columns import DISPOSITIFS
from service.referentiels.checks import Severite
from service.referentiels.nomenclature import TYPES_BY_CODE

FERMETURE, MODIFICATION = "fermeture", "modification"
# (action, ligne, identifiant, avant, apres) of one planned change.
Changed = tuple[str, int | None, str, Mapping[str, Any] | None, Mapping[str, Any] | None]


def held_anomalies(
    departement: str,
    changes: Iterable[Changed],
    occupied: Mapping[str, int],
    targets: Mapping[str, int],
) -> list[Anomalie]:
    """``occupied``: identifiant → active groupes de places it holds; ``targets``:
    identifiant → groupes of départements not switched that Temps 2 attaches to it."""
    found = []
    for action, ligne, identifiant, avant, apres in changes:
        if action not in (FERMETURE, MODIFICATION) or apres is None:
            continue
        closes = action == FERMETURE or (
            "date_fermeture" in (avant or {}) and bool(apres.get("date_fermeture"))
        )
        retypes = "type_code" in (avant or {})
        held, aimed = occupied.get(identifiant, 0), targets.get(identifiant, 0)
        if held and (closes or retypes):
            found.append(
                _anomaly(
                    departement, action, ligne, identifiant, apres, closes, "DISPOSITIF_OCCUPE",
                    f"qui porte {held} groupe(s) de places actif(s) de SI SIAO (département "
                    "basculé) : rattachez d'abord ces groupes à un autre dispositif",
                )
            )  # fmt: skip
        elif closes and aimed:
            found.append(
                _anomaly(
                    departement, action, ligne, identifiant, apres, True, "DISPOSITIF_CIBLE",
                    f"auquel le rattachement (Temps 2) destine {aimed} groupe(s) de places : ils "
                    "ne pourront pas basculer tant qu'ils y sont rattachés",
                )
            )  # fmt: skip
    return found


def _anomaly(
    departement: str,
    action: str,
    ligne: int | None,
    identifiant: str,
    apres: Mapping[str, Any],
    closes: bool,
    code: str,
    why: str,
) -> Anomalie:
    severite = Severite.ERREUR if code == "DISPOSITIF_OCCUPE" else Severite.AVERTISSEMENT
    if action == FERMETURE:  # closed by the miroir mode: the dispositif has no row
        detail = f"le mode miroir fermerait {identifiant} (absent du fichier), {why}."
        column = DISPOSITIFS.column("identifiant").header
        return anomaly(DISPOSITIFS.name, 0, column, None, code, severite, detail, departement)
    field = "date_fermeture" if closes else "type_code"
    value: Any = apres.get(field)
    if closes and isinstance(value, str):
        value = date.fromisoformat(value)  # shown as typed: JJ/MM/AAAA
    elif value in TYPES_BY_CODE:
        value = TYPES_BY_CODE[value].libelle
    verb = "ferme le" if closes else "change le type du"
    detail = f"{verb} dispositif {identifiant}, {why}."
    column = DISPOSITIFS.column(field).header
    return anomaly(DISPOSITIFS.name, ligne or 0, column, value, code, severite, detail, departement)
