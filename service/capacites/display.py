"""Figures of the capacity report as a French reader reads them (CLI, console): « 1 234 »,
« 87,3 % », « sans objet », « — » for what is not known."""

from __future__ import annotations

from service.capacites.schemas import SANS_OBJET


def nombre(value: int | None, sans_objet: bool = False) -> str:
    if sans_objet:
        return SANS_OBJET
    if value is None:
        return "—"
    return f"{value:,}".replace(",", "\u202f")


def pourcentage(value: float | None, sans_objet: bool = False) -> str:
    if sans_objet:
        return SANS_OBJET
    if value is None:
        return "—"
    return f"{value * 100:.1f}".replace(".", ",") + "\u00a0%"
