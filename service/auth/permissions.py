"""The permission matrix of DOMAIN.md §4, in one place, pure.

A profile holds an action when it, or a profile it includes (transitively), is listed for the
action; the scope then decides for which départements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from service.referentiels.profils import included


class Action(StrEnum):
    IMPORTER_OFFRE = "importer_offre"  # Temps 1 import, screen entry, export of the offre
    ECRIRE_FINANCEMENT = "ecrire_financement"  # capacité financée and financeurs
    RATTACHER = "rattacher"  # Temps 2
    ACQUITTER_ALERTES = "acquitter_alertes"  # Temps 2 alerts of legacy accounts (national team)
    BASCULER = "basculer"  # Temps 3, waves, rollback
    LIRE_RAPPORTS = "lire_rapports"  # reports of one's départements (ANALYSTE)
    FORCER_RETOUR = "forcer_retour"  # revert over later changes


MATRIX: dict[Action, frozenset[str]] = {
    Action.IMPORTER_OFFRE: frozenset({"ADMIN_DEPARTEMENTAL", "ADMIN_SIAO"}),
    Action.ECRIRE_FINANCEMENT: frozenset({"ADMIN_DEPARTEMENTAL"}),
    Action.RATTACHER: frozenset({"ADMIN_NATIONAL", "OPERATEUR_SIAO"}),
    Action.ACQUITTER_ALERTES: frozenset({"ADMIN_NATIONAL"}),
    Action.BASCULER: frozenset({"ADMIN_NATIONAL"}),
    Action.LIRE_RAPPORTS: frozenset({"ANALYSTE"}),
    Action.FORCER_RETOUR: frozenset({"ADMIN_NATIONAL"}),
}


@dataclass(frozen=True, slots=True)
class Identity:
    utilisateur_id: int
    courriel: str
    profil: str
    departements: frozenset[str] = field(default_factory=frozenset)
    entite_id: int | None = None

    @property
    def national(self) -> bool:
        return "ADMIN_NATIONAL" in included(self.profil)

    def covers(self, departement: str) -> bool:
        return self.national or departement in self.departements


def holds(profil: str, action: Action) -> bool:
    return bool(included(profil) & MATRIX[action])


def can(identity: Identity, action: Action, departement: str | None = None) -> bool:
    """May ``identity`` do ``action`` (for ``departement`` when the action is territorial)?"""
    if not holds(identity.profil, action):
        return False
    return departement is None or identity.covers(departement)


def can_read_job(
    identity: Identity, action: Action, soumis_par: int, job_departements: frozenset[str]
) -> bool:
    """The submitter, the national team, and those who could submit such a job (``action``, as
    its kind declares it) for one of its départements; ANALYSTE reads the reports of its
    départements."""
    if identity.utilisateur_id == soumis_par or identity.national:
        return True
    return any(
        can(identity, action, d) or can(identity, Action.LIRE_RAPPORTS, d) for d in job_departements
    )
