"""The nomenclature of dispositif types, and the closed lists of the import format.

Matching is tolerant (case, accents, spacing, punctuation: :func:`normalise_name`) and always
returns the canonical spelling, so the database never holds « pension de famille ».
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from service.referentiels.checks import Checked, Issue, error
from service.referentiels.reference_data import TypeRecord, types
from service.referentiels.suggestions import closest, did_you_mean
from service.referentiels.text import normalise_name

TYPES_BY_CODE: Mapping[str, TypeRecord] = MappingProxyType({t.code: t for t in types()})
# Codes and labels share one index: no label normalises to another type's code (tested).
_TYPES_BY_KEY: dict[str, TypeRecord] = {
    **{normalise_name(t.libelle): t for t in types()},
    **{normalise_name(t.code): t for t in types()},
}
_LABELS = tuple(t.libelle for t in types())
_ITEM_SEPARATORS = re.compile(r"[;\r\n]+")
_NO_CAPACITY = frozenset({"prestations", "aucune"})
_WITH_PLACES = frozenset({"places", "logements"})


@cache
def _index(allowed: tuple[str, ...]) -> dict[str, str]:
    return {normalise_name(a): a for a in allowed}


def _suggestion(text: str, allowed: tuple[str, ...]) -> str:
    """« Vouliez-vous dire … ? » for a near miss, so that a typo is fixed without the list."""
    found = closest(text, allowed)
    return did_you_mean(found) if found else ""


def find_type(raw: object) -> Checked[TypeRecord]:
    """A type by code (`HEB_RHVS`) or label (`pension de famille`, `hotel`)."""
    text = "" if raw is None else str(raw)
    if not text.strip():
        return Checked(None)
    found = _TYPES_BY_KEY.get(normalise_name(text))
    if found is not None:
        return Checked(found)
    detail = (
        "n'est pas un type de dispositif de la nomenclature : choisissez-le dans la liste "
        "déroulante ou saisissez son code (par exemple HEB_CHRS), listés dans la feuille "
        f"« Lisez-moi ».{_suggestion(text, _LABELS)}"
    )
    return Checked(None, (error("TYPE_INCONNU", detail),))


def carries_capacity(type_: TypeRecord) -> bool:
    """False for Veille sociale (prestations) and Premier accueil (aucune): no capacity."""
    return type_.offre not in _NO_CAPACITY


def accepts_places(type_: TypeRecord) -> bool:
    """Whether groupes de places may be attached to a dispositif of this type."""
    return type_.offre in _WITH_PLACES


def unit_label(type_: TypeRecord) -> str | None:
    """Unit of the capacité financée (places, logements, mesures); None without capacity."""
    return type_.unite_capacite


def _not_in_list(item: str, allowed: tuple[str, ...], column_label: str, *, several: bool) -> Issue:
    # With several values in the cell, say which one is wrong.
    subject = f"contient « {item} », qui ne fait" if several else "ne fait"
    where = f"de la liste « {column_label} »" if column_label else "de la liste"
    detail = (
        f"{subject} pas partie {where} : choisissez parmi {', '.join(allowed)}."
        f"{_suggestion(item, allowed)}"
    )
    return error("VALEUR_HORS_LISTE", detail)


def _match(item: str, allowed: tuple[str, ...]) -> str | None:
    return _index(allowed).get(normalise_name(item))


def _match_item(item: str, allowed: tuple[str, ...]) -> list[str] | None:
    """An item of a list cell; « BOP 177, ARS » (commas instead of `;`) is accepted too."""
    if (found := _match(item, allowed)) is not None:
        return [found]
    parts = [_match(part, allowed) for part in item.split(",")]
    if len(parts) > 1 and all(parts):
        return [p for p in parts if p is not None]
    return None


def check_list(raw: object, allowed: tuple[str, ...], column_label: str) -> Checked[list[str]]:
    """Several values of a closed list separated by `;` or line breaks, canonical, deduplicated.

    Empty cell (or only separators): value None.
    """
    text = "" if raw is None else str(raw)
    items = [item for item in (part.strip() for part in _ITEM_SEPARATORS.split(text)) if item]
    values: list[str] = []
    issues: list[Issue] = []
    for item in items:
        matched = _match_item(item, allowed)
        if matched is None:
            issues.append(_not_in_list(item, allowed, column_label, several=len(items) > 1))
        else:
            values.extend(m for m in matched if m not in values)
    if issues:
        return Checked(None, tuple(issues))
    return Checked(values or None)


def check_choice(raw: object, allowed: tuple[str, ...], column_label: str = "") -> Checked[str]:
    """One value of a closed list (e.g. forme juridique), returned in its canonical spelling."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return Checked(None)
    found = _match(text, allowed)
    if found is not None:
        return Checked(found)
    return Checked(None, (_not_in_list(text, allowed, column_label, several=False),))
