"""How people rename a structure when they describe it again in a Temps 1 workbook.

Used by service/legacy/noisy_temps1.py. Each function draws from the caller's seeded RNG, so
their order of draws is part of the noisy workbook's determinism.
"""

from __future__ import annotations

import re
from random import Random

from service.legacy import generator_data as data

# Acronym ↔ spelled-out form, both directions met in real files.
_SPELLED = (
    ("CHRS", "Centre d'hébergement et de réinsertion sociale"),
    ("CHU", "Centre d'hébergement d'urgence"),
    ("FJT", "Foyer de jeunes travailleurs"),
    ("RHVS", "Résidence hôtelière à vocation sociale"),
    ("IML", "Intermédiation locative"),
    ("LHSS", "Lits halte soins santé"),
    ("ACT", "Appartements de coordination thérapeutique"),
    ("Maison relais", "Pension de famille"),
)
_ARTICLES = re.compile(r"\b(?:Le|La|Les|L')\s?", re.IGNORECASE)


def _swap_acronym(nom: str) -> str | None:
    for short, long in _SPELLED:
        if re.search(rf"\b{re.escape(short)}\b", nom):
            return re.sub(rf"\b{re.escape(short)}\b", long, nom, count=1)
        if long.lower() in nom.lower():
            start = nom.lower().index(long.lower())
            return nom[:start] + short + nom[start + len(long) :]
    return None


def _typo(rng: Random, nom: str) -> str:
    """Two neighbouring letters of the longest word swapped."""
    words = nom.split(" ")
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) < 4:
        return nom
    i = rng.randrange(1, len(word) - 2)
    words[longest] = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return " ".join(words)


def renamed(rng: Random, nom: str, commune: str | None) -> tuple[str, str]:
    """(new name, kind of change); kind ``""`` when the name is kept."""
    r = rng.random()
    if r < 0.48:
        return nom, ""
    if r < 0.62 and (swapped := _swap_acronym(nom)) is not None:
        return swapped, "sigle"
    if r < 0.72 and commune and commune.lower() not in nom.lower():
        return f"{nom} – {commune}" if rng.random() < 0.7 else f"{nom} ({commune})", "commune"
    if r < 0.79:
        return (nom.upper() if rng.random() < 0.5 else nom.lower()), "casse"
    if r < 0.85:
        return _typo(rng, nom), "coquille"
    if r < 0.91 and _ARTICLES.search(nom):
        return _ARTICLES.sub("", nom, count=1), "article"
    if r < 0.96:
        # Renamed after a move or a merger of associations: the type word stays, the place
        # name changes.
        kept = nom.split(" ")[0]
        return f"{kept} {rng.choice(data.NOMS_LIEU)}", "nouveau_nom"
    return nom, ""
