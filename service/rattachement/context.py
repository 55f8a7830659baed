"""What the Temps 2 rules and plan of one département need, loaded once (service/rattachement/
queries.py) and passed in as plain values: the legacy rows, the département's dispositifs, the
decisions stored so far, the proposals, and the e-mails already taken."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from service.bascule.model import (
    LegacyAccount,
    LegacyGroupe,
    LegacyStructure,
    OffreDispositif,
    PropositionCompte,
    PropositionGroupe,
    Rattachement,
)


@dataclass(frozen=True, slots=True)
class GroupeDecision:
    """A groupe's decision: ``rattacher`` to ``dispositif`` (an identifiant), or ``exclure``."""

    decision: str
    dispositif: str | None = None
    commentaire: str | None = None


@dataclass(frozen=True, slots=True)
class CompteDecision:
    """An account's decision: ``migrer`` with its profile and scope, ``lier`` (to the account
    that has ``courriel`` or the legacy e-mail) or ``desactiver``."""

    decision: str
    profil: str | None = None
    departements: tuple[str, ...] = ()
    siren: str | None = None
    dispositifs: tuple[str, ...] = ()
    courriel: str | None = None


@dataclass(frozen=True, slots=True)
class Contexte:
    """One département's state for Temps 2. E-mails are folded (courriel_key)."""

    departement: str
    structures: Mapping[int, LegacyStructure]
    groupes: Mapping[int, LegacyGroupe]  # active groupes of active structures
    comptes: Mapping[int, LegacyAccount]  # active legacy accounts of the département
    dispositifs: Mapping[str, OffreDispositif]  # the département's, closed ones flagged
    decisions_groupes: Mapping[int, GroupeDecision] = field(default_factory=dict)
    decisions_comptes: Mapping[int, CompteDecision] = field(default_factory=dict)
    propositions_groupes: Mapping[int, PropositionGroupe] = field(default_factory=dict)
    propositions_comptes: Mapping[int, PropositionCompte] = field(default_factory=dict)
    # Active accounts of the new module.
    courriels_module: frozenset[str] = frozenset()
    # Legacy accounts (any département) whose stored decision migrates them, by the e-mail
    # they will have.
    courriels_migres: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    # Active legacy accounts (any département) sharing an e-mail with one of the département's.
    comptes_meme_courriel: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    acquittees: Mapping[int, frozenset[str]] = field(default_factory=dict)
    entites: Mapping[str, str] = field(default_factory=dict)  # SIREN → raison sociale
    # Every entité and dispositif of the module (an account's scope may reach beyond the
    # département, for the national team only): loaded for the rules, not for the reads.
    # When each stored decision was taken: ("groupe" | "compte", id) → time.
    decide_le: Mapping[tuple[str, int], datetime] = field(default_factory=dict)
    sirens_connus: frozenset[str] = frozenset()
    identifiants_connus: frozenset[str] = frozenset()

    @property
    def sirens(self) -> frozenset[str]:
        """Entités running a dispositif in the département (scope of entité profiles)."""
        return frozenset(d.siren for d in self.dispositifs.values())

    def beyond(self, decision: CompteDecision) -> bool:
        """Whether the decision's scope reaches beyond the département."""
        return bool(
            set(decision.departements) - {self.departement}
            or (decision.siren in self.sirens_connus and decision.siren not in self.sirens)
            or set(decision.dispositifs) - set(self.dispositifs)
        )


def effective_rattachements(
    propositions: Iterable[PropositionGroupe],
    decisions: Mapping[int, GroupeDecision],
    dispositifs: Mapping[str, OffreDispositif],
    elsewhere: Mapping[int, Rattachement],
) -> dict[int, Rattachement]:
    """Per legacy structure, where its groupes go: the decision where there is one, else the
    proposal (account scopes are proposed from it). ``elsewhere``: structures of other
    départements, from their stored decisions."""
    targets: defaultdict[int, set[str]] = defaultdict(set)
    for p in propositions:
        decided = decisions.get(p.groupe_id)
        target = decided.dispositif if decided is not None else p.dispositif
        if target is not None:
            targets[p.structure_id].add(target)
    result = dict(elsewhere)
    for structure_id, ids in targets.items():
        sirens = frozenset(dispositifs[i].siren for i in ids if i in dispositifs)
        result[structure_id] = Rattachement(frozenset(ids), sirens)
    return result
