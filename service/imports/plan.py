"""The plan: staged rows against live rows → created / updated (old → new) / unchanged / closed.

Pure: live rows come in as dicts of JSON-ready values (dates as ISO text, lists).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.imports.anomalies import Anomalie, anomaly
from service.imports.columns import DISPOSITIFS, ENTITES, STATE_ONLY_FIELDS
from service.imports.held_dispositifs import held_anomalies
from service.offre.fields import DISPOSITIF_FIELDS, ENTITE_FIELDS, LIST_FIELDS
from service.referentiels.checks import Severite
from service.referentiels.text import normalise_name

CREATION, MODIFICATION, INCHANGE, FERMETURE = "creation", "modification", "inchange", "fermeture"


@dataclass(frozen=True, slots=True)
class StagedRow:
    ligne: int
    values: Mapping[str, Any]  # present columns only


@dataclass(frozen=True, slots=True)
class Change:
    action: str
    feuille: str
    ligne: int | None
    cle: str
    cible_id: int | None
    avant: dict[str, Any] | None  # old values of the changed fields
    apres: dict[str, Any] | None  # the whole record after the change


@dataclass(slots=True)
class Plan:
    changes: list[Change] = field(default_factory=list)
    anomalies: list[Anomalie] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)


def _empty(name: str) -> Any:
    return [] if name in LIST_FIELDS else None


def _diff(before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str]) -> dict:
    return {f: before.get(f, _empty(f)) for f in fields if before.get(f, _empty(f)) != after[f]}


def plan_entites(staged: Sequence[StagedRow], live: Mapping[str, Mapping[str, Any]]) -> Plan:
    """``live``: SIREN → current entité (with ``id``)."""
    plan = Plan()
    for row in staged:
        siren = row.values["siren"]
        current = live.get(siren)
        base = dict(current) if current else {f: _empty(f) for f in ENTITE_FIELDS}
        after = {f: base.get(f, _empty(f)) for f in ENTITE_FIELDS}
        after.update({f: v for f, v in row.values.items() if f in ENTITE_FIELDS})
        if current is None:
            plan.changes.append(Change(CREATION, ENTITES.name, row.ligne, siren, None, None, after))
            continue
        changed = _diff(current, after, ENTITE_FIELDS)
        action = MODIFICATION if changed else INCHANGE
        plan.changes.append(
            Change(
                action,
                ENTITES.name,
                row.ligne,
                siren,
                current["id"],
                changed or None,
                after if changed else None,
            )
        )
    return plan


def natural_key(values: Mapping[str, Any]) -> tuple[str, str, str, str]:
    return (
        values["siren"],
        values["departement"],
        values["type_code"],
        normalise_name(values["nom"]),
    )


_SHOWN_LINES = 5


def _reserved_warning(field_name: str, rows: Sequence[StagedRow], dep: str) -> Anomalie:
    """One warning per column (and département) of an ADMIN_SIAO's file, not one per row: on
    the first row that tried a change, counting the others."""
    first, lines = rows[0], [str(r.ligne) for r in rows]
    shown = ", ".join(lines[:_SHOWN_LINES]) + (" …" if len(lines) > _SHOWN_LINES else "")
    also = (
        f", comme toutes les modifications de cette colonne dans ce fichier ({len(rows)} "
        f"lignes : {shown})"
    )
    return anomaly(
        DISPOSITIFS.name,
        first.ligne,
        DISPOSITIFS.column(field_name).header,
        first.values.get(field_name),
        "CHAMP_RESERVE_ETAT",
        Severite.AVERTISSEMENT,
        f"est ignoré{also if len(rows) > 1 else ''} : seuls les services de l'État (DDETS, "
        "administration nationale) modifient la capacité financée et les financeurs.",
        dep,
    )


def plan_departement(
    departement: str,
    staged: Sequence[StagedRow],
    live: Sequence[Mapping[str, Any]],
    *,
    mirror: bool,
    state_profile: bool,
    today: str,
    occupied: Mapping[str, int] | None = None,
    targets: Mapping[str, int] | None = None,
) -> Plan:
    """``live``: the département's dispositifs (with ``id``, ``identifiant``, ``siren``);
    ``occupied`` / ``targets``: the groupes de places its dispositifs hold (Temps 3) or will
    receive (Temps 2), by identifiant."""
    plan = Plan()
    by_id = {d["identifiant"]: d for d in live}
    by_natural = {natural_key(d): d for d in live}
    matched: set[str] = set()
    reserved: dict[str, list[StagedRow]] = {name: [] for name in STATE_ONLY_FIELDS}
    for row in staged:
        values = dict(row.values)
        current = by_id.get(values.get("identifiant") or "") or by_natural.get(natural_key(values))
        if not state_profile:
            for name in STATE_ONLY_FIELDS:
                if name not in values:
                    continue
                proposed = values.pop(name)
                if proposed != (current.get(name, _empty(name)) if current else _empty(name)):
                    reserved[name].append(row)
        base = dict(current) if current else {f: _empty(f) for f in DISPOSITIF_FIELDS}
        after = {f: base.get(f, _empty(f)) for f in DISPOSITIF_FIELDS}
        after.update({f: v for f, v in values.items() if f in DISPOSITIF_FIELDS})
        if current is None:
            cle = "|".join(natural_key(after))
            plan.changes.append(
                Change(CREATION, DISPOSITIFS.name, row.ligne, cle, None, None, after)
            )
            continue
        matched.add(current["identifiant"])
        changed = _diff(current, after, DISPOSITIF_FIELDS)
        after["identifiant"] = current["identifiant"]
        plan.changes.append(
            Change(
                MODIFICATION if changed else INCHANGE,
                DISPOSITIFS.name,
                row.ligne,
                current["identifiant"],
                current["id"],
                changed or None,
                after if changed else None,
            )
        )
    if mirror:
        for current in live:
            closed = current.get("date_fermeture")
            if current["identifiant"] in matched or (closed and closed <= today):
                continue
            after = {f: current.get(f, _empty(f)) for f in DISPOSITIF_FIELDS}
            # A dispositif not yet open closes the day it opens (fermeture ≥ ouverture).
            closing = max(today, after.get("date_ouverture") or today)
            after.update(identifiant=current["identifiant"], date_fermeture=closing)
            plan.changes.append(
                Change(
                    FERMETURE,
                    DISPOSITIFS.name,
                    None,
                    current["identifiant"],
                    current["id"],
                    {"date_fermeture": closed},
                    after,
                )
            )
    plan.anomalies.extend(
        _reserved_warning(name, rows, departement) for name, rows in reserved.items() if rows
    )
    plan.anomalies.extend(
        held_anomalies(
            departement,
            ((c.action, c.ligne, c.cle, c.avant, c.apres) for c in plan.changes),
            occupied or {},
            targets or {},
        )
    )
    return plan
