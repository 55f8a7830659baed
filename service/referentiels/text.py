"""Text normalisation for tolerant matching (headers, sheet names, labels, dispositif names).

Users type in Excel or LibreOffice, which add NBSP, typographic apostrophes and dashes, and
templates mark required headers with `*`: every comparison goes through :func:`fold` so that
« N° SIREN* », « n° siren » and « N° SIREN » match.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Autocorrect turns ' into ’ and - into – in Excel and LibreOffice; ligatures are not
# decomposed by NFKD. Mapping them keeps « Un Chez Soi d’Abord » equal to its ASCII template.
_EQUIVALENTS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "*": None,
    }
)
_SPACES = re.compile(r"\s+")
# Everything but letters and digits separates words in a name key; once folded, an ASCII key's
# letters and digits are exactly [a-z0-9].
_NAME_KEEP = ("L", "N")
_NOT_ALNUM_ASCII = re.compile("[^a-z0-9]+")
# C0 controls break PostgreSQL (NUL) or the XML of an xlsx report; lone surrogates cannot be
# encoded to UTF-8 at all. TAB, LF and CR are legitimate in free text.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _strip_marks(s: str) -> str:
    if s.isascii():  # nothing to decompose: the common case, kept off the slow path
        return s
    decomposed = unicodedata.normalize("NFKD", s)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Imports repeat the same labels (types, départements, lists) thousands of times: the keys are
# computed once per distinct text. Bounded: names are mostly unique and must not pile up in a
# long-lived worker.
@lru_cache(maxsize=1 << 14)
def fold(s: str) -> str:
    """Matching key: case, accents, `*`, typographic variants and spacing ignored."""
    if s.isascii():
        # Of the equivalents only `*` is ASCII, and casefold() is lower() on ASCII: one pass.
        return _SPACES.sub(" ", s.replace("*", "").lower()).strip()
    folded = s
    # casefold() and NFKD can each produce input for the other (« ℌ » → « H », « İ » → « i̇ »),
    # so iterate to a fixed point (reached in two passes in practice; the bound is a safety net):
    # callers rely on fold(fold(s)) == fold(s).
    for _ in range(4):
        previous = folded
        folded = _strip_marks(folded.translate(_EQUIVALENTS)).casefold()
        if folded == previous:
            break
    return _SPACES.sub(" ", folded).strip()


@lru_cache(maxsize=1 << 14)
def normalise_name(s: str) -> str:
    """Key of a dispositif name: :func:`fold`, then punctuation and symbols count as one space.

    « CHRS « Les Lilas » » and « chrs les-lilas » get the same key, so that re-importing a file
    whose names were retyped does not create duplicates.
    """
    folded = fold(s)
    if folded.isascii():  # most names: one regex pass instead of a category per character
        return _NOT_ALNUM_ASCII.sub(" ", folded).strip()
    chars = (c if unicodedata.category(c)[0] in _NAME_KEEP else " " for c in folded)
    return _SPACES.sub(" ", "".join(chars)).strip()


def clear_caches() -> None:
    """Forget the keys computed so far (see normalise.clear_caches)."""
    fold.cache_clear()
    normalise_name.cache_clear()


def has_forbidden_chars(s: str) -> bool:
    """True when `s` holds NUL, a C0 control other than TAB/LF/CR, or a lone surrogate."""
    return _FORBIDDEN.search(s) is not None
