"""Name similarity between a legacy structure and a dispositif, with rapidfuzz.

Temps 1 workbooks rename things the way people do: « CHRS Le Relais » becomes « Centre
d'hébergement et de réinsertion sociale Le Relais », « Maison relais » becomes « Pension de
famille », a commune is appended, a letter slips. :func:`canonical` folds the spelled-out forms
of the sector's acronyms onto the acronym and drops articles; :func:`similarity` then compares
the whole names and, apart, their distinctive part (what remains without the type words and the
commune), because in one département dozens of names share « CHRS » or « Paris ».
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from service.referentiels.text import normalise_name

# Spelled-out forms → acronym, on normalise_name() output (ASCII, lower case, one space).
_ACRONYMS = (
    (r"centre d hebergement et de reinsertion sociale", "chrs"),
    (r"centre d hebergement d urgence", "chu"),
    (r"foyer (?:de )?jeunes travailleurs", "fjt"),
    (r"foyer (?:de )?travailleurs migrants", "ftm"),
    (r"residence hoteliere a vocation sociale", "rhvs"),
    (r"intermediation locative", "iml"),
    (r"maison relais", "pension de famille"),
    (r"lits halte soins sante", "lhss"),
    (r"lits d accueil medicalises", "lam"),
    (r"appartements de coordination therapeutique", "act"),
    (r"centre d accueil (?:pour|de|des) demandeurs d asile", "cada"),
    (r"hebergement d urgence (?:pour|de|des) demandeurs d asile", "huda"),
    (r"centre provisoire d hebergement", "cph"),
    (r"allocation (?:de )?logement temporaire", "alt"),
    (r"st", "saint"),
    (r"ste", "sainte"),
)
_ACRONYM_RE = [(re.compile(rf"\b{pattern}\b"), acronym) for pattern, acronym in _ACRONYMS]
_STOPWORDS = frozenset("a au aux d de des du en et l la le les pour sur un une".split())  # noqa: SIM905
# Words that say what kind of place it is, not which one: left out of the distinctive part.
_TYPE_WORDS = frozenset(
    (  # noqa: SIM905 - one word per line would not help
        "chrs chu cada huda prahda cph fjt ftm rhvs iml alt lhss act lam solibail "
        "centre hebergement urgence residence sociale social foyer pension famille hotel "
        "logements logement accueil nuit halte abri maison parc adaptes insertion"
    ).split()
)


@dataclass(frozen=True, slots=True)
class NameKey:
    """A name ready for comparison: ``texte`` canonical, ``coeur`` its distinctive words."""

    texte: str
    coeur: frozenset[str]


@lru_cache(maxsize=1 << 15)
def canonical(name: str) -> str:
    """« Maison-Relais « Les Tilleuls » » → « pension famille tilleuls »."""
    text = normalise_name(name)
    for pattern, acronym in _ACRONYM_RE:
        text = pattern.sub(acronym, text)
    return " ".join(w for w in text.split() if w not in _STOPWORDS)


@lru_cache(maxsize=1 << 15)
def name_key(name: str, commune: str | None = None) -> NameKey:
    """The comparison key of a name; the words of ``commune`` are not distinctive."""
    text = canonical(name)
    commune_words = set(canonical(commune).split()) if commune else set()
    coeur = frozenset(w for w in text.split() if w not in _TYPE_WORDS and w not in commune_words)
    return NameKey(text, coeur)


def similarity(a: NameKey, b: NameKey) -> float:
    """0–100. The mean of the whole-name ratio and the distinctive-part ratio.

    The distinctive part is compared as sets (« Le Relais » and « Le Relais site 2 » agree);
    a name that has one and a name that has none (« CHU Paris » against « CHU Le Phare »)
    keep only the whole-name ratio, halved: they name different places.
    """
    whole = fuzz.token_sort_ratio(a.texte, b.texte)
    if not a.coeur and not b.coeur:
        return whole
    if not a.coeur or not b.coeur:
        return whole / 2
    coeur = fuzz.token_set_ratio(" ".join(sorted(a.coeur)), " ".join(sorted(b.coeur)))
    return (whole + coeur) / 2
