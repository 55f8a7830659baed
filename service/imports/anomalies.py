"""Anomalies: stable code, severity, and a French message naming sheet, row, column and value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

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
    def blocking(self) -> bool:
        return self.severite is Severite.ERREUR


def display(raw: object) -> str:
    """A value as the user sees it in French Excel or LibreOffice, for messages and reports: a
    list (financeurs, FINESS) joined with « ; » as typed, never a Python repr."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "VRAI" if raw else "FAUX"
    if isinstance(raw, float):
        if raw.is_integer() and abs(raw) < 1e15:
            return str(int(raw))
        return str(raw).replace(".", ",")
    if isinstance(raw, datetime):
        if raw.time() == time.min:
            return raw.strftime("%d/%m/%Y")
        return raw.strftime("%d/%m/%Y %H:%M")
    if isinstance(raw, date):
        return raw.strftime("%d/%m/%Y")
    if isinstance(raw, str):
        return raw
    if isinstance(raw, Sequence | set | frozenset):
        return " ; ".join(display(item) for item in raw)
    return str(raw)


def quote(value: str) -> str:
    """« value », cut to what a message can show."""
    shown = value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"
    return "« " + shown + " »"


def locate(feuille: str, ligne: int, colonne: str) -> str:
    """« Feuille Entités, ligne 14, colonne SIREN »: how every located message begins."""
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
    subject = f"{quote(valeur)} " if valeur else ""
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
