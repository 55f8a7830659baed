"""The 10 profiles (data/profils.csv), their inclusion hierarchy, and the legacy mapping."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from service.referentiels.reference_data import (
    ProfilHistoriqueRecord,
    ProfilRecord,
    profils,
    profils_historiques,
)

PROFILS_BY_CODE: Mapping[str, ProfilRecord] = MappingProxyType({p.code: p for p in profils()})
_LEGACY_BY_CODE: Mapping[str, ProfilHistoriqueRecord] = MappingProxyType(
    {p.code: p for p in profils_historiques()}
)


@cache
def included(code: str) -> frozenset[str]:
    """The profile and every profile it includes, transitively (KeyError if unknown)."""
    result = {code}
    pending = list(PROFILS_BY_CODE[code].inclut)
    while pending:
        current = pending.pop()
        if current not in result:
            result.add(current)
            pending.extend(PROFILS_BY_CODE[current].inclut)
    return frozenset(result)


def includes(a: str, b: str) -> bool:
    """Whether profile `a` holds the rights of profile `b` (a profile includes itself)."""
    return b in included(a)


def family(code: str) -> str:
    """ETAT, OBSERVATION_SOCIALE, SIAO or ENTITE."""
    return PROFILS_BY_CODE[code].famille


@dataclass(frozen=True, slots=True)
class LegacyMapping:
    target: str | None
    conflict: bool
    families: frozenset[str]


def target_for_legacy(codes: Iterable[str]) -> LegacyMapping:
    """Target profile of an account from its cumulated legacy profiles (DOMAIN.md §4).

    The highest-`rang` legacy profile decides (ties, which map to the same target in the data,
    are broken by code so that the result never depends on the order of `codes`). Targets in
    different families make a conflict that a person resolves in Temps 2. Unknown codes are
    ignored.
    """
    known = [_LEGACY_BY_CODE[c] for c in {c.strip().upper() for c in codes} if c in _LEGACY_BY_CODE]
    if not known:
        return LegacyMapping(target=None, conflict=False, families=frozenset())
    best = max(known, key=lambda p: (p.rang, p.code))
    families = frozenset(family(p.profil_cible) for p in known)
    return LegacyMapping(target=best.profil_cible, conflict=len(families) > 1, families=families)
