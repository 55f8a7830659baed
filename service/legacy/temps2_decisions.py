"""Temps 2 decided in one go for demos, tests and benchmarks: the decisions a careful operator
would take from the proposals, written straight into ``offre.rattachement_groupe`` /
``offre.migration_utilisateur`` (and the alerts acknowledged as the national team would), so
that départements reach the Temps 3 preflight without a workbook round trip. Never exposed by
the API: real decisions go through workbook 2 or screen entry.

Groupes: the proposed dispositif, else the first candidate, else an open dispositif with places
of the same entité in the département; excluded when none (a groupe with places occupées then
stays a blocker, as it would for a person). Accounts: the proposal when its profile and scope
are complete; « lier » only to an existing account of the module; one account per e-mail
migrates, the others of that e-mail are deactivated, as are the conflicts and the accounts
whose scope cannot be proposed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.bascule.comptes import courriel_key
from service.bascule.model import PropositionCompte
from service.bascule.types import avec_places
from service.rattachement.context import Contexte
from service.rattachement.queries import load_contexte
from service.referentiels.profils import PROFILS_BY_CODE

_GROUPES = text(
    "INSERT INTO offre.rattachement_groupe (groupe_places_id, departement, decision, "
    "dispositif_identifiant, decide_par) SELECT * FROM unnest(CAST(:ids AS bigint[]), "
    "CAST(:deps AS text[]), CAST(:decisions AS text[]), CAST(:cibles AS text[]), "
    "CAST(:par AS bigint[])) ON CONFLICT (groupe_places_id) DO NOTHING"
)
_COMPTES = text(
    "INSERT INTO offre.migration_utilisateur (utilisateur_historique_id, departement, decision, "
    "profil_code, departements, siren, dispositifs, decide_par) "
    "SELECT x.id, x.dep, x.decision, x.profil, "
    "coalesce(string_to_array(x.deps, ','), '{}'), x.siren, "
    "coalesce(string_to_array(x.dsps, ','), '{}'), x.par FROM unnest(CAST(:ids AS bigint[]), "
    "CAST(:dep AS text[]), CAST(:decisions AS text[]), CAST(:profils AS text[]), "
    "CAST(:departements AS text[]), CAST(:sirens AS text[]), CAST(:dispositifs AS text[]), "
    "CAST(:par AS bigint[])) AS x(id, dep, decision, profil, deps, siren, dsps, par) "
    "ON CONFLICT (utilisateur_historique_id) DO NOTHING"
)
_MIGRATING = text(
    "SELECT lower(coalesce(m.courriel, u.email)) FROM offre.migration_utilisateur m "
    "JOIN siao.utilisateur u ON u.id = m.utilisateur_historique_id WHERE m.decision = 'migrer'"
)
_ACK = text(
    "INSERT INTO offre.alerte_acquittee (utilisateur_historique_id, code, departement, "
    "acquittee_par) SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:codes AS text[]), "
    "CAST(:deps AS text[]), CAST(:par AS bigint[])) ON CONFLICT DO NOTHING"
)


def _target(ctx: Contexte, groupe_id: int) -> str | None:
    proposal = ctx.propositions_groupes.get(groupe_id)
    if proposal is None:
        return None
    if proposal.dispositif is not None:
        return proposal.dispositif
    if proposal.candidats:
        return proposal.candidats[0].identifiant
    if not ctx.groupes[groupe_id].places_occupees:
        return None
    siren = ctx.structures[ctx.groupes[groupe_id].structure_id].entite_siren
    same = sorted(
        d.identifiant
        for d in ctx.dispositifs.values()
        if d.siren == siren and avec_places(d.type_code) and not d.ferme
    )
    return same[0] if same else None


def _account(p: PropositionCompte, email: str, taken: set[str], module: bool) -> dict[str, Any]:
    if p.decision == "lier":
        return {"decision": "lier" if module else "desactiver"}
    perimetre = PROFILS_BY_CODE[p.profil].perimetre if p.profil else None
    complete = {
        "national": True,
        "departement": bool(p.departements),
        "entite": bool(p.siren),
        "dispositif": bool(p.dispositifs),
    }.get(perimetre or "", False)
    if p.decision != "migrer" or not complete or email in taken:
        return {"decision": "desactiver"}
    taken.add(email)
    return {
        "decision": "migrer",
        "profil": p.profil,
        "departements": ",".join(p.departements) or None,
        "siren": p.siren,
        "dispositifs": ",".join(p.dispositifs) or None,
    }


def decide_everything(
    session: Session, departements: Sequence[str], decide_par: int
) -> dict[str, dict[str, int]]:
    """Decide every active groupe and account of ``departements`` still « à décider »;
    returns per département the decisions written."""
    taken = set(session.execute(_MIGRATING).scalars())
    result: dict[str, dict[str, int]] = {}
    for dep in departements:
        ctx = load_contexte(session, dep)
        groupes = [g for g in ctx.groupes if g not in ctx.decisions_groupes]
        cibles = [_target(ctx, g) for g in groupes]
        session.execute(
            _GROUPES,
            {
                "ids": groupes,
                "deps": [dep] * len(groupes),
                "decisions": ["rattacher" if c else "exclure" for c in cibles],
                "cibles": cibles,
                "par": [decide_par] * len(groupes),
            },
        )
        rows: list[dict[str, Any]] = []
        acks: list[tuple[int, str]] = []
        for utilisateur_id in sorted(ctx.comptes):
            if utilisateur_id in ctx.decisions_comptes:
                continue
            p = ctx.propositions_comptes[utilisateur_id]
            email = courriel_key(ctx.comptes[utilisateur_id].email)
            decided = _account(p, email, taken, email in ctx.courriels_module)
            rows.append({"id": utilisateur_id, **decided})
            if decided["decision"] != "desactiver":
                acks += [(utilisateur_id, a.code) for a in p.alertes]
        session.execute(
            _COMPTES,
            {
                "ids": [r["id"] for r in rows],
                "dep": [dep] * len(rows),
                "decisions": [r["decision"] for r in rows],
                "profils": [r.get("profil") for r in rows],
                "departements": [r.get("departements") for r in rows],
                "sirens": [r.get("siren") for r in rows],
                "dispositifs": [r.get("dispositifs") for r in rows],
                "par": [decide_par] * len(rows),
            },
        )
        session.execute(
            _ACK,
            {
                "ids": [a[0] for a in acks],
                "codes": [a[1] for a in acks],
                "deps": [dep] * len(acks),
                "par": [decide_par] * len(acks),
            },
        )
        result[dep] = {"groupes": len(groupes), "comptes": len(rows), "alertes": len(acks)}
    session.flush()
    return result
