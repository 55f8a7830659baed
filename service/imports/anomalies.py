"""Anomalies: stable code, severity, and a French message naming sheet, row, column and value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from service.referentiels.checks import Issue, Severite

_SHOWN = 80  # characters of the value quoted in a message
_STORED = 1_000  # characters of the value kept with the anomaly


@dataclass(frozen=True, slots=True)
class Anomalie:
    feuille: str
    ligne: int
    colonne: str
    valeur: str
    code: str
    severite: Severite
    message: str
    departement: str | None = None

    @property
    def bloquante(self) -> bool:
        return self.severite is Severite.ERREUR


def display(raw: object) -> str:
    """A cell value as the user typed it, for messages and reports."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return str(int(raw))
    if isinstance(raw, datetime) and raw.time() == datetime.min.time():
        return raw.date().strftime("%d/%m/%Y")
    if isinstance(raw, date):
        return raw.strftime("%d/%m/%Y")
    return str(raw)


def _quote(value: str) -> str:
    shown = value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"
    return "« " + shown + " »"


def locate(feuille: str, ligne: int, colonne: str) -> str:
    where = f"Feuille {feuille}"
    if ligne:
        where += f", ligne {ligne}"
    if colonne:
        where += f", colonne {colonne}"
    return where


def from_issue(
    feuille: str,
    ligne: int,
    colonne: str,
    raw: object,
    issue: Issue,
    departement: str | None = None,
) -> Anomalie:
    valeur = display(raw)
    subject = f"{_quote(valeur)} " if valeur else ""
    message = f"{locate(feuille, ligne, colonne)} : {subject}{issue.detail}"
    return Anomalie(
        feuille, ligne, colonne, valeur[:_STORED], issue.code, issue.severite, message, departement
    )


def anomaly(
    feuille: str,
    ligne: int,
    colonne: str,
    raw: object,
    code: str,
    severite: Severite,
    detail: str,
    departement: str | None = None,
) -> Anomalie:
    return from_issue(feuille, ligne, colonne, raw, Issue(code, severite, detail), departement)
