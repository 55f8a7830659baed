"""« Vouliez-vous dire … ? »: the known value closest to what was typed, so that a typo is fixed
without looking it up. Pure: the known values (lists, headers, SIRENs and e-mails already
known) are passed in; rapidfuzz measures the distances."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from service.referentiels.text import normalise_name

# A pasted paragraph gets no suggestion: nothing is that close to it, and it costs.
_MAX_LENGTH = 100
_DIGIT_SEPARATORS = str.maketrans("", "", " \u00a0\u202f.-")
_DIGITS = "0123456789"


def did_you_mean(shown: str) -> str:
    """The sentence ending a message, with its leading space."""
    return f" Vouliez-vous dire « {shown} » ?"


@cache
def _keys(choices: tuple[str, ...]) -> dict[str, str]:
    return {normalise_name(c): c for c in choices}


def closest(text: str, choices: Sequence[str], cutoff: float = 75) -> str | None:
    """The choice whose name (case, accents and punctuation ignored) is at least `cutoff` %
    similar to `text`, the most similar first; None when none is."""
    if len(text) > _MAX_LENGTH:
        return None
    keys = _keys(tuple(choices))
    found = process.extractOne(
        normalise_name(text), list(keys), scorer=fuzz.ratio, score_cutoff=cutoff
    )
    return keys[found[0]] if found else None


def _one_typo(digits: str) -> set[str]:
    """Every 9-digit string one typing error away: a wrong, missing or extra digit, or two
    neighbours swapped."""
    found: set[str] = set()
    if len(digits) == 9:
        for i in range(9):
            found.update(digits[:i] + d + digits[i + 1 :] for d in _DIGITS)
        found.update(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :] for i in range(8))
    elif len(digits) == 8:
        for i in range(9):
            found.update(digits[:i] + d + digits[i:] for d in _DIGITS)
    elif len(digits) == 10:
        found.update(digits[:i] + digits[i + 1 :] for i in range(10))
    found.discard(digits)
    return found


class KnownValues:
    """SIRENs and e-mail addresses already known (the database's, the file's Entités sheet's),
    to suggest the one a typo was meant to be."""

    def __init__(
        self,
        sirens: Iterable[str] = (),
        emails: Iterable[str] | Callable[[], Iterable[str]] = (),
    ) -> None:
        self.sirens: set[str] = set(sirens)
        # Read and indexed on the first mistyped address only: a file without one (the common
        # case, and every small file) never pays for the database's addresses.
        self._emails = emails
        self._indexed = False
        # A single typo is in the local part or in the domain: each index keeps the search to
        # the addresses sharing the other half.
        self._locals_by_domain: dict[str, list[str]] = defaultdict(list)
        self._domains_by_local: dict[str, list[str]] = defaultdict(list)

    def _index(self) -> None:
        emails = self._emails() if callable(self._emails) else self._emails
        for email in emails:
            local, _, domain = email.lower().rpartition("@")
            if local and domain:
                self._locals_by_domain[domain].append(local)
                self._domains_by_local[local].append(domain)
        self._indexed = True

    def add_sirens(self, sirens: Iterable[str]) -> None:
        self.sirens.update(sirens)

    def siren(self, typed: str) -> str | None:
        """The one known SIREN a typo away from `typed` (None if none, or if several)."""
        digits = typed.translate(_DIGIT_SEPARATORS)
        if not (digits.isascii() and digits.isdigit()):
            return None
        found = _one_typo(digits) & self.sirens
        return found.pop() if len(found) == 1 else None

    def email(self, typed: str) -> str | None:
        """The known address one typo away from `typed`, in the part that differs."""
        text = typed.strip().lower()
        if text.count("@") != 1 or len(text) > _MAX_LENGTH:
            return None
        if not self._indexed:
            self._index()
        local, _, domain = text.partition("@")
        for half, choices, build in (
            (local, self._locals_by_domain.get(domain), lambda x: f"{x}@{domain}"),
            (domain, self._domains_by_local.get(local), lambda x: f"{local}@{x}"),
        ):
            if choices:
                found = process.extractOne(half, choices, scorer=OSA.distance, score_cutoff=1)
                if found is not None and found[0] != half:
                    return build(found[0])
        return None
