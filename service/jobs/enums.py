"""Job and unit states, and the job-level stages (ARCHITECTURE.md §4): defined once here.

Machine values are ASCII; what users read carries the accents (:attr:`Statut.libelle`).
"""

from __future__ import annotations

from enum import StrEnum


class Statut(StrEnum):
    EN_ATTENTE = "en_attente"
    ANALYSE = "analyse"
    VALIDE = "valide"
    INVALIDE = "invalide"
    APPLICATION = "application"
    TERMINE = "termine"
    ECHEC = "echec"
    ANNULE = "annule"

    @property
    def libelle(self) -> str:
        """What users read: the same word with its accents."""
        return LIBELLES[self]


LIBELLES = {
    Statut.EN_ATTENTE: "en attente",
    Statut.ANALYSE: "analyse",
    Statut.VALIDE: "validé",
    Statut.INVALIDE: "invalide",
    Statut.APPLICATION: "application",
    Statut.TERMINE: "terminé",
    Statut.ECHEC: "échec",
    Statut.ANNULE: "annulé",
}


class Etape(StrEnum):
    """Where the job-level unit stands. A kind fills the stages it needs; the engine runs them
    in this order and skips the others."""

    ANALYSE = "analyse"  # reading and validating what was submitted (statut en_attente/analyse)
    PLAN = "plan"  # analysis checkpoint: what was read is staged, the plan is being made
    PREALABLE = "prealable"  # job-level writes before the départements (import: the entités)
    DEPARTEMENTS = "departements"  # one unit per département, in parallel
    CLOTURE = "cloture"  # job-level writes after every département (revert: the entités)
    FIN = "fin"


FINAL = frozenset({Statut.TERMINE, Statut.ECHEC, Statut.ANNULE})
# The states in which a job holds its départements' write lock (ARCHITECTURE.md §4).
ACTIVE = frozenset({Statut.EN_ATTENTE, Statut.ANALYSE, Statut.APPLICATION})
# States after which the job waits for a person (confirmation, corrected file).
WAITING = frozenset({Statut.VALIDE, Statut.INVALIDE})
