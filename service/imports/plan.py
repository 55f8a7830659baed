"""The plan: staged rows against live rows → created / updated (old → new) / unchanged / closed.

Pure: live rows come in as dicts of JSON-ready values (dates as ISO text, lists). Rows that match
a live row whose digest (``row_digest``, computed by PostgreSQL for live rows) is theirs are
unchanged: ``sort_unchanged`` counts them before the plan, which then needs only the few live
rows that may change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
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
    nom_normalise: str | None = None  # the name's key, when already computed


@dataclass(frozen=True, slots=True)
class LiveKey:
    """A live row as the unchanged rows are sorted out: its keys and its digest."""

    id: int
    identifiant: str  # a dispositif's; an entité's SIREN
    natural: tuple[str, ...]  # a dispositif's natural key; an entité's (SIREN,)
    digest: str


@dataclass(slots=True)
class Sorted:
    unchanged: int  # rows equal to their live row: counted, never planned
    rest: list[StagedRow]  # rows that create or may modify
    needed: set[int]  # ids of the live rows the plan of ``rest`` needs whole


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


def with_name_keys(changes: Sequence[Change]) -> list[Change]:
    """A département's changes as the apply stores them: with the name's key
    (``nom_normalise``), read from a creation's natural key, computed for a renamed dispositif;
    the other rows keep the live one."""
    keyed = []
    for change in changes:
        after, name = change.apres, None
        if change.action == CREATION:
            name = change.cle.split("|")[3]  # a name's key has letters, digits and spaces only
        elif after is not None and "nom" in (change.avant or {}):
            name = normalise_name(after["nom"])
        keyed.append(
            change
            if after is None or name is None
            else replace(change, apres={**after, "nom_normalise": name})
        )
    return keyed


def natural_key(
    values: Mapping[str, Any], nom_normalise: str | None = None
) -> tuple[str, str, str, str]:
    return (
        values["siren"],
        values["departement"],
        values["type_code"],
        nom_normalise or values.get("nom_normalise") or normalise_name(values["nom"]),
    )


def row_digest(values: Mapping[str, Any], fields: Sequence[str]) -> str | None:
    """md5 of the JSON array of ``fields``' values, as PostgreSQL writes ``jsonb_build_array``
    (service/imports/live.py); None when the row lacks a field (its value would be the live
    one). Two equal digests mean equal values; unequal ones only send the row to the plan."""
    try:
        items = [values[f] for f in fields]
    except KeyError:
        return None
    return hashlib.md5(json.dumps(items, ensure_ascii=False).encode()).hexdigest()


def sort_unchanged(
    staged: Sequence[StagedRow],
    live: Sequence[LiveKey],
    fields: Sequence[str],
    natural: Callable[[StagedRow], tuple[str, ...]],
    *,
    closing: bool = False,
) -> Sorted:
    """Match rows to live rows as the plan does (identifiant, else ``natural`` key): rows whose
    digest is the live row's are counted. ``closing`` (mode miroir): the live rows no row
    matched are needed whole, to close them."""
    by_id = {k.identifiant: k for k in live}
    by_natural = {k.natural: k for k in live}
    result = Sorted(0, [], set())
    matched: set[int] = set()
    for row in staged:
        current = by_id.get(row.values.get("identifiant") or "") or by_natural.get(natural(row))
        if current is not None:
            matched.add(current.id)
            if row_digest(row.values, fields) == current.digest:
                result.unchanged += 1
                continue
            result.needed.add(current.id)
        result.rest.append(row)
    if closing:
        result.needed.update(k.id for k in live if k.id not in matched)
    return result


def dispositif_natural(row: StagedRow) -> tuple[str, ...]:
    return natural_key(row.values, row.nom_normalise)


def entite_natural(row: StagedRow) -> tuple[str, ...]:
    return (row.values["siren"],)


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
        current = by_id.get(values.get("identifiant") or "") or by_natural.get(
            natural_key(values, row.nom_normalise)
        )
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
            cle = "|".join(natural_key(after, row.nom_normalise))
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
