"""Proposals for the active legacy accounts of one département (Temps 2, DOMAIN.md §4).

    comptes, contexte = load_comptes(connection, "93", rattachements)   # loading.py
    for p in propose_comptes(comptes, contexte): p.profil, p.departements, p.alertes

The unique profile is the target of the highest-``rang`` legacy profile
(profils_historiques.csv); legacy profiles of different families leave it empty
(``CONFLIT_PROFILS``: a person decides). The scope follows the profile's ``perimetre``: national;
the legacy département — plus the départements where the same person (same e-mail, same name)
holds other active legacy accounts, the DRIHL-style agents; the entité or the dispositifs where
the account's legacy structure's groupes are attached (``STRUCTURE_NON_RATTACHEE`` while they
are not).

Alerts (stable codes): ``CONFLIT_PROFILS``, ``COURRIEL_PARTAGE`` (the e-mail of other active
legacy accounts of *other* persons: the same person's accounts in several départements are one
person to migrate once, not a shared mailbox), ``COURRIEL_GENERIQUE``, ``COURRIEL_PERSONNEL``,
``COURRIEL_DEJA_UTILISE`` (an active account of the new module has it: « lier au compte
existant » is proposed), ``STRUCTURE_NON_RATTACHEE``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from service.bascule.model import (
    Alerte,
    ComptesContexte,
    Decision,
    LegacyAccount,
    PropositionCompte,
)
from service.referentiels.identifiers import is_generic_mailbox, is_personal_webmail
from service.referentiels.profils import PROFILS_BY_CODE, target_for_legacy
from service.referentiels.text import fold


def courriel_key(email: str) -> str:
    """E-mails compare case-insensitively (the unique index of offre.utilisateur does too)."""
    return email.strip().lower()


def _person(account: LegacyAccount) -> tuple[str, str]:
    return fold(account.nom), fold(account.prenom)


def _who(accounts: Iterable[LegacyAccount]) -> str:
    return ", ".join(f"{a.prenom} {a.nom} ({a.departement}, n° {a.id})" for a in accounts)


def _email_alerts(
    account: LegacyAccount, others: Sequence[LegacyAccount], contexte: ComptesContexte
) -> list[Alerte]:
    alerts: list[Alerte] = []
    email = account.email
    if others:
        alerts.append(
            Alerte(
                "COURRIEL_PARTAGE",
                f"Le courriel « {email} » est aussi celui d'autres comptes actifs : "
                f"{_who(others)}. Saisissez un « Nouveau courriel » nominatif ou désactivez "
                "le doublon.",
            )
        )
    if is_generic_mailbox(email):
        alerts.append(
            Alerte(
                "COURRIEL_GENERIQUE",
                f"« {email} » est une boîte générique : saisissez le courriel professionnel "
                "nominatif de la personne.",
            )
        )
    if is_personal_webmail(email):
        alerts.append(
            Alerte(
                "COURRIEL_PERSONNEL",
                f"« {email} » est une messagerie personnelle : saisissez le courriel "
                "professionnel de la personne.",
            )
        )
    if courriel_key(email) in contexte.courriels_module:
        alerts.append(
            Alerte(
                "COURRIEL_DEJA_UTILISE",
                f"Un compte actif du module Offre utilise déjà « {email} » : liez ce compte "
                "historique au compte existant.",
            )
        )
    return alerts


def _scope(
    account: LegacyAccount, profil: str, same_person: Sequence[LegacyAccount], c: ComptesContexte
) -> tuple[PropositionCompte, list[Alerte], str]:
    """The proposal's scope fields (decision filled by the caller), alerts and motif part."""
    perimetre = PROFILS_BY_CODE[profil].perimetre
    base = PropositionCompte(account.id, profil, Decision.MIGRER)
    if perimetre == "national":
        return base, [], "périmètre national"
    if perimetre == "departement":
        departements = tuple(sorted({account.departement, *(o.departement for o in same_person)}))
        many = len(departements) > 1
        motif = f"département{'s' if many else ''} {', '.join(departements)}"
        if many:
            motif += " (comptes historiques de la même personne)"
        return replace(base, departements=departements), [], motif
    rattachement = (
        c.rattachements.get(account.structure_id) if account.structure_id is not None else None
    )
    if rattachement is None or not rattachement.dispositifs:
        if account.structure_id is None:
            why = "le compte n'a pas de structure historique : choisissez son périmètre."
        else:
            why = (
                f"Aucun groupe de places de la structure n° {account.structure_id} n'est encore "
                "rattaché : son entité et ses dispositifs ne peuvent pas être proposés."
            )
        alert = Alerte("STRUCTURE_NON_RATTACHEE", why[0].upper() + why[1:])
        return base, [alert], "périmètre à choisir"
    if perimetre == "entite":
        if len(rattachement.sirens) == 1:
            (siren,) = rattachement.sirens
            return replace(base, siren=siren), [], f"entité {siren}"
        return base, [], "entité à choisir (groupes rattachés à plusieurs entités)"
    dispositifs = tuple(sorted(rattachement.dispositifs))
    return replace(base, dispositifs=dispositifs), [], f"dispositifs {', '.join(dispositifs)}"


def propose_compte(account: LegacyAccount, contexte: ComptesContexte) -> PropositionCompte:
    """The proposal for one active legacy account."""
    same_email = [
        o
        for o in contexte.comptes_meme_courriel.get(courriel_key(account.email), ())
        if o.id != account.id and o.actif
    ]
    same_person = [o for o in same_email if _person(o) == _person(account)]
    others = [o for o in same_email if _person(o) != _person(account)]
    alerts = _email_alerts(account, others, contexte)
    mapping = target_for_legacy(account.profils)
    motif: list[str] = []
    if mapping.target is None:
        proposal = PropositionCompte(account.id, None, Decision.DESACTIVER)
        motif.append("aucun profil historique connu")
    elif mapping.conflict:
        families = ", ".join(sorted(mapping.families))
        alerts.insert(
            0,
            Alerte(
                "CONFLIT_PROFILS",
                f"Profils historiques de familles différentes ({families}) : choisissez le "
                "nouveau profil.",
            ),
        )
        proposal = PropositionCompte(account.id, None, Decision.MIGRER)
        motif.append(f"conflit de profils ({families})")
    else:
        proposal, scope_alerts, scope_motif = _scope(account, mapping.target, same_person, contexte)
        alerts += scope_alerts
        motif += [f"profil le plus élevé → {PROFILS_BY_CODE[mapping.target].libelle}", scope_motif]
    decision = proposal.decision
    if any(a.code == "COURRIEL_DEJA_UTILISE" for a in alerts):
        decision = Decision.LIER
        motif.append("lier au compte existant du module")
    elif same_person and (first := min(o.id for o in same_person)) < account.id:
        decision = Decision.LIER
        motif.append(f"lier au compte issu du compte historique n° {first}")
    return replace(proposal, decision=decision, motif=" ; ".join(motif), alertes=tuple(alerts))


def propose_comptes(
    comptes: Iterable[LegacyAccount], contexte: ComptesContexte
) -> list[PropositionCompte]:
    """One proposal per active legacy account, by account id."""
    return [propose_compte(a, contexte) for a in sorted(comptes, key=lambda a: a.id) if a.actif]
