"""The result type shared by every pure check: a normalised value and its issues."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class Severite(StrEnum):
    ERREUR = "erreur"
    AVERTISSEMENT = "avertissement"


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem found in one value: a stable anomaly code and a French explanation.

    ``detail`` completes a sentence that the caller starts with the sheet, row, column and
    value, e.g. « n'est pas un SIREN valide (clé de contrôle incorrecte) : … »
    """

    code: str
    severite: Severite
    detail: str


@dataclass(frozen=True, slots=True)
class Checked(Generic[T]):
    value: T | None
    issues: tuple[Issue, ...] = ()

    @property
    def ok(self) -> bool:
        return not any(i.severite is Severite.ERREUR for i in self.issues)


def error(code: str, detail: str) -> Issue:
    return Issue(code, Severite.ERREUR, detail)


def warning(code: str, detail: str) -> Issue:
    return Issue(code, Severite.AVERTISSEMENT, detail)
