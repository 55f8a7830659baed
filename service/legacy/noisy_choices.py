"""How people describe a legacy structure again in a Temps 1 workbook: its new name, its
nomenclature type, how its groupes split by public.

Used by service/legacy/noisy_temps1.py. Each function draws from the caller's seeded RNG, so
their order of draws is part of the noisy workbook's determinism.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from random import Random

from service.bascule.model import LegacyGroupe, LegacyStructure
from service.bascule.signals import publics_of
from service.legacy import generator_data as data
from service.referentiels.text import normalise_name

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


# Weighted successors per legacy type (data/types_historiques.csv allows them all); Logement
# foyer follows the structure's name.
_SUCCESSEURS: dict[int, dict[str, int]] = {
    100: {"HEB_HOTEL": 1},
    200: {"HEB_RHVS": 9, "RS_CLASSIQUE": 1},
    300: {"HEB_HORS_CHRS": 17, "HEB_AUTRE": 2, "HEB_CHRS": 1},
    400: {"HEB_CHRS": 19, "HEB_HORS_CHRS": 1},
    500: {"HEB_AUTRE": 3, "HEB_HORS_CHRS": 2},
    600: {"HEB_MEDICO_SOCIAL": 4, "HEB_HORS_CHRS": 1},
    700: {"PA_DNA": 1},
    900: {"IML_LOCATION_SOUS_LOCATION": 14, "IML_MANDAT_GESTION": 5, "IML_CHEZ_SOI_DABORD": 1},
    1000: {"IML_MANDAT_GESTION": 4, "RS_CLASSIQUE": 1},
    1100: {"IML_LOCATION_SOUS_LOCATION": 4, "HEB_AUTRE": 1},
}
_FOYERS = (("fjt", "RS_FJT"), ("travailleurs migrants", "RS_FTM"), ("residence", "RS_CLASSIQUE"))
NIGHT_SHELTERS = ("halte de nuit", "accueil de nuit", "abri de nuit")


def successor(rng: Random, s: LegacyStructure) -> str:
    """The nomenclature type the operator gives the structure's dispositif."""
    if s.type_code == 800:
        name = normalise_name(s.nom)
        found = [code for word, code in _FOYERS if word in name]
        if found:
            return found[0]
        return "RS_RESIDENCE_ACCUEIL" if rng.random() < 0.1 else "RS_PENSION_FAMILLE"
    choices = _SUCCESSEURS[s.type_code]
    return rng.choices(list(choices), list(choices.values()))[0]


def split_by_public(groupes: Sequence[LegacyGroupe]) -> list[list[LegacyGroupe]] | None:
    """Two parts whose publics do not overlap, or None when the groupes cannot be told apart."""
    known = [(g, publics_of(g.public)) for g in groupes]
    if sum(1 for _, p in known if p) < 2:
        return None
    first_publics = next(p for _, p in known if p)
    reach, changed = set(first_publics), True
    while changed:  # every groupe sharing a public with the first part joins it
        changed = False
        for _, p in known:
            if p and p & reach and not p <= reach:
                reach |= p
                changed = True
    part1 = [g for g, p in known if not p or p & reach]
    part2 = [g for g, p in known if p and not p & reach]
    return [part1, part2] if part2 else None
