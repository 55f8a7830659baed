"""A département's Temps 2 progress, pure: decisions taken and left, account alerts (resolved
by a decision, acknowledged, or still open) and what blocks Temps 3 (DOMAIN.md §6: every active
groupe attached or excluded, every active account decided, no e-mail conflict, no alert left).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from service.bascule.comptes import courriel_key
from service.bascule.types import avec_places
from service.rattachement.context import CompteDecision, Contexte
from service.rattachement.rules_comptes import effective_email
from service.referentiels.identifiers import is_generic_mailbox, is_personal_webmail


@dataclass(frozen=True, slots=True)
class AlerteFigures:
    total: int = 0
    resolues: int = 0  # by the decision taken
    acquittees: int = 0  # by the national team
    restantes: int = 0


@dataclass(frozen=True, slots=True)
class Progression:
    departement: str
    groupes: dict[str, int]
    utilisateurs: dict[str, int]
    alertes: dict[str, AlerteFigures] = field(default_factory=dict)
    bloquants: dict[str, int] = field(default_factory=dict)


def _new_nominative(decision: CompteDecision, legacy_email: str) -> bool:
    new = decision.courriel
    return (
        bool(new)
        and courriel_key(new or "") != courriel_key(legacy_email)
        and not (is_generic_mailbox(new or "") or is_personal_webmail(new or ""))
    )


def alerte_resolue(code: str, decision: CompteDecision | None, legacy_email: str) -> bool:
    """Whether the decision taken settles the alert (else the national team acknowledges it)."""
    if decision is None:
        return False
    if decision.decision == "desactiver":
        return True
    linked = decision.decision == "lier"
    if code == "CONFLIT_PROFILS":
        return linked or decision.profil is not None
    if code in ("COURRIEL_PARTAGE", "COURRIEL_DEJA_UTILISE"):
        return linked or _new_nominative(decision, legacy_email)
    if code in ("COURRIEL_GENERIQUE", "COURRIEL_PERSONNEL"):
        return _new_nominative(decision, legacy_email)
    if code == "STRUCTURE_NON_RATTACHEE":
        return linked or bool(decision.departements or decision.siren or decision.dispositifs)
    return False


def partage_regle(utilisateur_id: int, decision: CompteDecision | None, ctx: Contexte) -> bool:
    """A shared e-mail kept by one account: it alone migrates to it, and the other accounts of
    the département that had it are decided (deactivated, linked, or given another e-mail)."""
    if decision is None or decision.decision != "migrer":
        return False
    email = effective_email(decision, ctx.comptes[utilisateur_id].email)
    others = [i for i in ctx.comptes_meme_courriel.get(email, ()) if i != utilisateur_id]
    return set(ctx.courriels_migres.get(email, ())) <= {utilisateur_id} and all(
        i in ctx.decisions_comptes for i in others if i in ctx.comptes
    )


_STATES = ("resolue", "acquittee", "restante")


def alert_states(ctx: Contexte, utilisateur_id: int) -> dict[str, str]:
    """Each alert of an account: ``resolue`` by the decision taken, ``acquittee`` by the
    national team, or ``restante`` (it blocks Temps 3)."""
    account = ctx.comptes[utilisateur_id]
    proposal = ctx.propositions_comptes.get(utilisateur_id)
    decided = ctx.decisions_comptes.get(utilisateur_id)
    done = ctx.acquittees.get(utilisateur_id, frozenset())
    states = {}
    for alerte in proposal.alertes if proposal else ():
        if alerte_resolue(alerte.code, decided, account.email) or (
            alerte.code == "COURRIEL_PARTAGE" and partage_regle(utilisateur_id, decided, ctx)
        ):
            states[alerte.code] = "resolue"
        elif alerte.code in done:
            states[alerte.code] = "acquittee"
        else:
            states[alerte.code] = "restante"
    return states


def _target_problems(ctx: Contexte) -> Counter[str]:
    """Attached groupes whose target has since gone, closed or changed type."""
    found: Counter[str] = Counter()
    for groupe_id, decided in ctx.decisions_groupes.items():
        if groupe_id not in ctx.groupes or decided.dispositif is None:
            continue
        target = ctx.dispositifs.get(decided.dispositif)
        if target is None:
            found["DISPOSITIF_INCONNU"] += 1
        elif not avec_places(target.type_code):
            found["TYPE_INCOMPATIBLE"] += 1
        elif target.ferme:
            found["DISPOSITIF_FERME"] += 1
    return found


def _email_conflicts(ctx: Contexte) -> int:
    """The département's accounts decided « migrer » to an e-mail another account migrates to
    (any département) or that an active account of the module has."""
    conflicts = 0
    for utilisateur_id, decided in ctx.decisions_comptes.items():
        account = ctx.comptes.get(utilisateur_id)
        if account is None or decided.decision != "migrer":
            continue
        email = effective_email(decided, account.email)
        if len(ctx.courriels_migres.get(email, ())) > 1 or email in ctx.courriels_module:
            conflicts += 1
    return conflicts


def progression(ctx: Contexte) -> Progression:
    groupes = Counter(
        ctx.decisions_groupes[g].decision for g in ctx.groupes if g in ctx.decisions_groupes
    )
    comptes = Counter(
        ctx.decisions_comptes[u].decision for u in ctx.comptes if u in ctx.decisions_comptes
    )
    alertes: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for utilisateur_id in ctx.comptes:
        for code, state in alert_states(ctx, utilisateur_id).items():
            counts = alertes[code]
            counts[0] += 1
            counts[_STATES.index(state) + 1] += 1
    restants_groupes = len(ctx.groupes) - sum(groupes.values())
    restants_comptes = len(ctx.comptes) - sum(comptes.values())
    bloquants: Counter[str] = Counter(
        {"GROUPE_A_DECIDER": restants_groupes, "UTILISATEUR_A_DECIDER": restants_comptes}
    )
    bloquants += _target_problems(ctx)
    bloquants["COURRIEL_EN_DOUBLE"] = _email_conflicts(ctx)
    for code, counts in alertes.items():
        bloquants[code] = counts[3]
    return Progression(
        departement=ctx.departement,
        groupes={
            "total": len(ctx.groupes),
            "rattaches": groupes["rattacher"],
            "exclus": groupes["exclure"],
            "restants": restants_groupes,
        },
        utilisateurs={
            "total": len(ctx.comptes),
            "migres": comptes["migrer"],
            "lies": comptes["lier"],
            "desactives": comptes["desactiver"],
            "restants": restants_comptes,
        },
        alertes={code: AlerteFigures(*counts) for code, counts in sorted(alertes.items())},
        bloquants={code: n for code, n in sorted(bloquants.items()) if n},
    )
