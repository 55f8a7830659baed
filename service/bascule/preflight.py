"""The Temps 3 preflight, pure: what blocks the switch of a département, by stable code, with
its items (DOMAIN.md §6, issue 12).

    data = load_preflight(connection)              # preflight_data.py: every set, read once
    for p in preparations(data): p.statut, p.bloquants

Groupes (active: groupe and its structure both ``actif``): ``GROUPE_NON_RATTACHE`` (no
decision), ``GROUPE_EXCLU_OCCUPE`` (excluded with places occupées), ``DISPOSITIF_INCONNU``,
``TYPE_INCOMPATIBLE``, ``DISPOSITIF_FERME`` (the target since gone, without places, closed),
``VALEUR_HISTORIQUE_INVALIDE`` (a legacy value an ``offre`` constraint refuses).
Accounts (active, of the département): ``UTILISATEUR_NON_MIGRE`` (no decision),
``CONFLIT_PROFILS`` (no decision while its legacy profiles conflict: counted there rather than
as UTILISATEUR_NON_MIGRE), ``COURRIEL_EN_DOUBLE`` (two accounts migrating to one e-mail),
``COURRIEL_DEJA_UTILISE`` (migrating to the e-mail of an active account of the module instead of
linking to it), ``COMPTE_A_LIER_INCONNU`` (« lier » while no active account has that e-mail:
the account it should join migrates with another département), ``PERIMETRE_INCOHERENT`` (an
entité or dispositif of the scope no longer exists), ``ALERTE_NON_ACQUITTEE`` (an alert of a
decided account neither settled by its decision nor acknowledged, as
service/rattachement/progress.py judges them; an account without decision is blocked by that
already). ``REFERENCE_AUTRE_DEPARTEMENT``: an active account of a département not switched works
in one of this département's structures and has no decision yet (decided, it keeps the
structure's row in ``siao`` until it switches itself). ``DEJA_BASCULE``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from service.bascule.comptes import courriel_key, propose_compte
from service.bascule.model import ComptesContexte, LegacyAccount, Rattachement
from service.bascule.types import avec_places
from service.rattachement.context import CompteDecision, GroupeDecision
from service.rattachement.progress import alerte_resolue
from service.rattachement.rules_comptes import effective_email
from service.referentiels.identifiers import is_generic_mailbox, is_personal_webmail
from service.referentiels.profils import PROFILS_BY_CODE, target_for_legacy

# The alerts with a blocker code of their own.
OWN_CODES = frozenset({"CONFLIT_PROFILS", "COURRIEL_DEJA_UTILISE"})
LIBELLES = {
    "GROUPE_NON_RATTACHE": "groupe de places actif sans décision de rattachement",
    "GROUPE_EXCLU_OCCUPE": "groupe de places exclu dont des places sont occupées",
    "VALEUR_HISTORIQUE_INVALIDE": "valeur historique refusée par le module Offre",
    "DISPOSITIF_INCONNU": "groupe rattaché à un dispositif qui n'existe plus",
    "TYPE_INCOMPATIBLE": "groupe rattaché à un dispositif sans places",
    "DISPOSITIF_FERME": "groupe rattaché à un dispositif fermé",
    "UTILISATEUR_NON_MIGRE": "compte historique actif sans décision",
    "CONFLIT_PROFILS": "conflit de profils non résolu",
    "COURRIEL_EN_DOUBLE": "deux comptes migrent vers le même courriel",
    "COURRIEL_DEJA_UTILISE": "courriel déjà utilisé par un compte actif du module",
    "COMPTE_A_LIER_INCONNU": "compte à lier introuvable dans le module",
    "PERIMETRE_INCOHERENT": "périmètre vers une entité ou un dispositif disparu",
    "ALERTE_NON_ACQUITTEE": "alerte ni résolue ni acquittée",
    "REFERENCE_AUTRE_DEPARTEMENT": "compte d'un autre département sans décision dans une "
    "structure du département",
    "DEJA_BASCULE": "département déjà basculé",
}


class Groupe(NamedTuple):
    """A legacy groupe de places as the preflight sees it (``actif``: groupe and structure)."""

    id: int
    structure_id: int
    libelle: str
    type_place: str
    nb_places: int
    places_occupees: int
    actif: bool


@dataclass(frozen=True, slots=True)
class Cible:
    """A dispositif as the preflight sees it."""

    departement: str
    type_code: str
    ferme: bool
    siren: str


@dataclass(frozen=True, slots=True)
class Reference:
    """An active account of another département working in one of this département's
    structures."""

    utilisateur_id: int
    departement: str
    structure_id: int
    decide: bool


@dataclass(frozen=True, slots=True)
class Basculement:
    le: datetime | None
    job_id: int | None


@dataclass(frozen=True, slots=True)
class PreflightData:
    """Every set the checks read, loaded once (for all départements, or for a few)."""

    departements: tuple[str, ...]  # those the data covers, in reference order
    basculees: Mapping[str, Basculement]
    groupes: Mapping[str, tuple[Groupe, ...]]  # by the structure's département
    decisions_groupes: Mapping[int, GroupeDecision]
    dispositifs: Mapping[str, Cible]
    comptes: Mapping[str, tuple[LegacyAccount, ...]]  # by the account's département
    decisions_comptes: Mapping[int, CompteDecision]
    acquittees: Mapping[int, frozenset[str]]
    # Active legacy accounts by folded e-mail (those sharing one with a covered account).
    comptes_meme_courriel: Mapping[str, tuple[LegacyAccount, ...]]
    courriels_module: frozenset[str]
    # Accounts of départements not switched whose decision migrates them, by e-mail.
    courriels_migres: Mapping[str, tuple[int, ...]]
    rattachements: Mapping[int, Rattachement]
    sirens: frozenset[str]
    references: Mapping[str, tuple[Reference, ...]]  # by the structure's département


@dataclass(frozen=True, slots=True)
class Element:
    id: int | None
    message: str


@dataclass(slots=True)
class Preparation:
    departement: str
    statut: str  # pret | bloque | bascule
    bloquants: dict[str, list[Element]] = field(default_factory=dict)
    groupes: dict[str, int] = field(default_factory=dict)
    utilisateurs: dict[str, int] = field(default_factory=dict)
    bascule: Basculement | None = None

    @property
    def comptes_bloquants(self) -> dict[str, int]:
        return {code: len(items) for code, items in self.bloquants.items()}

    def refusal(self, shown: int = 3) -> str:
        """Why the département cannot switch, in French, a few items per code."""
        parts = []
        for code, items in self.bloquants.items():
            more = f" (et {len(items) - shown} autre(s))" if len(items) > shown else ""
            detail = " ; ".join(e.message for e in items[:shown])
            parts.append(f"{code} × {len(items)} : {detail}{more}")
        return (
            f"Le département {self.departement} ne peut pas basculer, rien n'a été écrit — "
            + " | ".join(parts)
        )


def _add(found: dict[str, list[Element]], code: str, id_: int | None, message: str) -> None:
    found.setdefault(code, []).append(Element(id_, message))


def _groupe_checks(data: PreflightData, dep: str, found: dict[str, list[Element]]) -> dict:
    counts = dict.fromkeys(("actifs", "rattaches", "exclus", "a_decider", "inactifs"), 0)
    for g in data.groupes.get(dep, ()):
        if not g.actif:
            counts["inactifs"] += 1
            continue
        counts["actifs"] += 1
        what = f"Groupe de places n° {g.id} « {g.libelle} »"
        decided = data.decisions_groupes.get(g.id)
        if decided is None:
            counts["a_decider"] += 1
            _add(found, "GROUPE_NON_RATTACHE", g.id, f"{what} : aucune décision (Temps 2).")
            continue
        if decided.decision == "exclure":
            counts["exclus"] += 1
            if g.places_occupees > 0:
                _add(
                    found,
                    "GROUPE_EXCLU_OCCUPE",
                    g.id,
                    f"{what} : exclu, mais {g.places_occupees} place(s) occupée(s).",
                )
            continue
        counts["rattaches"] += 1
        target = data.dispositifs.get(decided.dispositif or "")
        where = f"{what} : rattaché à {decided.dispositif}"
        if target is None or target.departement != dep:
            _add(found, "DISPOSITIF_INCONNU", g.id, f"{where}, qui n'existe plus dans le {dep}.")
        elif not avec_places(target.type_code):
            _add(found, "TYPE_INCOMPATIBLE", g.id, f"{where} ({target.type_code}), sans places.")
        elif target.ferme:
            _add(found, "DISPOSITIF_FERME", g.id, f"{where}, fermé.")
        for column, value, wrong in (
            ("nb_places", g.nb_places, g.nb_places <= 0),
            ("places_occupees", g.places_occupees, g.places_occupees < 0),
            ("libelle", g.libelle, not g.libelle.strip()),
            ("type_place", g.type_place, not g.type_place.strip()),
        ):
            if wrong:
                _add(
                    found,
                    "VALEUR_HISTORIQUE_INVALIDE",
                    g.id,
                    f"Groupe de places n° {g.id} : {column} = « {value} », refusé par le "
                    "module Offre (nombre de places > 0, occupées ≥ 0, libellé et type de "
                    "place renseignés).",
                )
    return counts


def _partage_regle(account: LegacyAccount, decided: CompteDecision, data: PreflightData) -> bool:
    """As Temps 2 counts it: one account alone migrates to a shared e-mail, and the other
    accounts of its département that had it are decided."""
    if decided.decision != "migrer":
        return False
    email = effective_email(decided, account.email)
    others = [
        o.id
        for o in data.comptes_meme_courriel.get(email, ())
        if o.id != account.id and o.departement == account.departement
    ]
    return set(data.courriels_migres.get(email, ())) <= {account.id} and all(
        i in data.decisions_comptes for i in others
    )


def _may_alert(account: LegacyAccount, decided: CompteDecision, data: PreflightData) -> bool:
    """Whether a Temps 2 alert may be left on a decided account (else its proposal, the
    costly part of the national table, is not computed): an e-mail shared, generic or
    personal that the decision did not replace, or a scope the decision did not give."""
    email = account.email
    replaced = decided.courriel and courriel_key(decided.courriel) != courriel_key(email)
    doubtful = (
        len(data.comptes_meme_courriel.get(courriel_key(email), ())) > 1
        or is_generic_mailbox(email)
        or is_personal_webmail(email)
    )
    scoped = decided.decision == "lier" or bool(
        decided.departements or decided.siren or decided.dispositifs
    )
    return doubtful or bool(replaced) or not scoped


def _compte_checks(
    data: PreflightData, dep: str, contexte: ComptesContexte, found: dict[str, list[Element]]
) -> dict:
    counts = dict.fromkeys(("actifs", "migres", "lies", "desactives", "a_decider", "inactifs"), 0)
    for account in data.comptes.get(dep, ()):
        if not account.actif:
            counts["inactifs"] += 1
            continue
        counts["actifs"] += 1
        what = f"Compte historique n° {account.id} ({account.email})"
        decided = data.decisions_comptes.get(account.id)
        if decided is None:
            counts["a_decider"] += 1
            mapping = target_for_legacy(account.profils)
            if mapping.conflict:
                families = ", ".join(sorted(mapping.families))
                message = f"{what} : profils de familles différentes ({families}), à décider."
                _add(found, "CONFLIT_PROFILS", account.id, message)
            else:
                _add(found, "UTILISATEUR_NON_MIGRE", account.id, f"{what} : aucune décision.")
        else:
            counts[{"migrer": "migres", "lier": "lies"}.get(decided.decision, "desactives")] += 1
            _decision_checks(data, account, decided, what, found)
        if (
            decided is None
            or decided.decision == "desactiver"
            or not _may_alert(account, decided, data)
        ):
            continue
        proposal = propose_compte(account, contexte)
        done = data.acquittees.get(account.id, frozenset())
        for alerte in proposal.alertes:
            if alerte.code in OWN_CODES or alerte.code in done:
                continue
            if alerte_resolue(alerte.code, decided, account.email):
                continue
            if alerte.code == "COURRIEL_PARTAGE" and _partage_regle(account, decided, data):
                continue
            message = f"{what} : alerte {alerte.code} ni résolue ni acquittée."
            _add(found, "ALERTE_NON_ACQUITTEE", account.id, message)
    return counts


def _decision_checks(
    data: PreflightData,
    account: LegacyAccount,
    decided: CompteDecision,
    what: str,
    found: dict[str, list[Element]],
) -> None:
    email = effective_email(decided, account.email)
    if decided.decision == "lier":
        if email not in data.courriels_module:
            message = f"{what} : « lier » à « {email} », qu'aucun compte actif du module n'a."
            _add(found, "COMPTE_A_LIER_INCONNU", account.id, message)
        return
    if decided.decision != "migrer":
        return
    others = [i for i in data.courriels_migres.get(email, ()) if i != account.id]
    if others:
        shown = ", ".join(f"n° {i}" for i in others[:5])
        message = f"{what} : migre vers « {email} », comme le(s) compte(s) {shown}."
        _add(found, "COURRIEL_EN_DOUBLE", account.id, message)
    if email in data.courriels_module:
        message = (
            f"{what} : « {email} » est déjà le courriel d'un compte actif du module ; "
            "choisissez « Lier au compte existant »."
        )
        _add(found, "COURRIEL_DEJA_UTILISE", account.id, message)
    gone = [d for d in decided.dispositifs if d not in data.dispositifs]
    if decided.siren and decided.siren not in data.sirens:
        gone.insert(0, f"entité {decided.siren}")
    if decided.profil is not None and decided.profil not in PROFILS_BY_CODE:
        gone.insert(0, f"profil {decided.profil}")
    if gone:
        message = f"{what} : périmètre vers {', '.join(gone)}, inconnu(s) du module."
        _add(found, "PERIMETRE_INCOHERENT", account.id, message)


def preflight(
    data: PreflightData, dep: str, contexte: ComptesContexte | None = None
) -> Preparation:
    """Every blocker of ``dep`` with its items."""
    switched = data.basculees.get(dep)
    if switched is not None:
        when = switched.le.strftime("%d/%m/%Y %H:%M") if switched.le else "?"
        element = Element(switched.job_id, f"Basculé le {when} par le job {switched.job_id}.")
        return Preparation(dep, "bascule", {"DEJA_BASCULE": [element]}, bascule=switched)
    found: dict[str, list[Element]] = {}
    groupes = _groupe_checks(data, dep, found)
    contexte = contexte or comptes_contexte(data)
    utilisateurs = _compte_checks(data, dep, contexte, found)
    for ref in data.references.get(dep, ()):
        if ref.decide or ref.departement in data.basculees:
            continue
        message = (
            f"Compte historique n° {ref.utilisateur_id} du {ref.departement} (non basculé) : "
            f"travaille dans la structure n° {ref.structure_id} et n'a pas de décision."
        )
        _add(found, "REFERENCE_AUTRE_DEPARTEMENT", ref.utilisateur_id, message)
    ordered = {code: found[code] for code in LIBELLES if code in found}
    return Preparation(dep, "bloque" if ordered else "pret", ordered, groupes, utilisateurs)


def comptes_contexte(data: PreflightData) -> ComptesContexte:
    """What the Temps 2 account proposals read, for their alerts."""
    return ComptesContexte(
        comptes_meme_courriel=dict(data.comptes_meme_courriel),
        courriels_module=data.courriels_module,
        rattachements=dict(data.rattachements),
    )


def preparations(data: PreflightData) -> list[Preparation]:
    """The preparation of each département the data covers."""
    contexte = comptes_contexte(data)
    return [preflight(data, d, contexte) for d in data.departements]


def by_email(accounts: Iterable[LegacyAccount]) -> dict[str, tuple[LegacyAccount, ...]]:
    grouped: defaultdict[str, list[LegacyAccount]] = defaultdict(list)
    for account in accounts:
        if account.actif:
            grouped[courriel_key(account.email)].append(account)
    return {k: tuple(v) for k, v in grouped.items()}
