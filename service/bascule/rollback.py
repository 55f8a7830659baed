"""The revert of a switch, per département (the ``retour_arriere`` kind runs it, one transaction
per département under its write lock): the legacy rows back in ``siao`` exactly as they were
(legacy_rows.restore, places occupées as the module holds them now), and what the switch
created removed — moved groupes, reserved ids, links; the accounts it created are deleted, or
deactivated when they have been used since (jobs, decisions, audit), or kept when another
legacy account joined them since. The département is no longer switched.

Refused unless forced (``MODIFIE_DEPUIS``) when the module changed what the switch wrote: a
moved groupe (other than its places occupées), an account's profile or scope, or groupes
created since under the département's dispositifs.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from service.bascule.legacy_rows import missing, restore
from service.bascule.options import BasculeOptions
from service.bascule.switch import SCOPE
from service.jobs.enums import FINAL, Statut
from service.jobs.errors import JobStateError
from service.jobs.kinds import RevertScope, UnitRefused
from service.jobs.schemas import RetourPartie
from service.jobs.tables import Job, JournalAnnulation

_SHOWN = 5
_CHANGED_GROUPES = text(
    "SELECT j.objet_id FROM offre.journal_annulation j "
    "LEFT JOIN offre.groupe_places g ON g.id = j.objet_id "
    "WHERE j.job_id = :src AND j.departement = ANY(:deps) AND j.table_nom = 'groupe_places' "
    "AND (to_jsonb(g) - 'places_occupees') IS DISTINCT FROM j.apres ORDER BY j.objet_id"
)
_CHANGED_ACCOUNTS = text(
    "SELECT coalesce(u.courriel, j.objet_id::text) FROM offre.journal_annulation j "
    "LEFT JOIN offre.utilisateur u ON u.id = j.objet_id "
    "WHERE j.job_id = :src AND j.departement = ANY(:deps) AND j.table_nom = 'utilisateur' "
    f"AND (CASE WHEN u.id IS NULL THEN NULL ELSE {SCOPE} END) IS DISTINCT FROM j.apres "
    "ORDER BY j.objet_id"
)
_NEW_GROUPES = text(
    "SELECT g.id FROM offre.groupe_places g JOIN offre.dispositif d ON d.id = g.dispositif_id "
    "WHERE d.departement = ANY(:deps) AND NOT EXISTS (SELECT 1 FROM offre.journal_annulation j "
    "WHERE j.job_id = :src AND j.table_nom = 'groupe_places' AND j.objet_id = g.id) "
    "ORDER BY g.id"
)
# Who did what since: an account named there is deactivated, not deleted. One scan per table
# for all the département's accounts (decide_par and the like have no index).
_USED = (
    "SELECT soumis_par FROM offre.job WHERE soumis_par = ANY(:ids)",
    "SELECT utilisateur_id FROM offre.audit WHERE utilisateur_id = ANY(:ids)",
    "SELECT decide_par FROM offre.rattachement_groupe WHERE decide_par = ANY(:ids)",
    "SELECT decide_par FROM offre.migration_utilisateur WHERE decide_par = ANY(:ids)",
    "SELECT acquittee_par FROM offre.alerte_acquittee WHERE acquittee_par = ANY(:ids)",
)
# Joined since by another legacy account (a later switch): the account is that person's too.
_JOINED = (
    "SELECT utilisateur_id FROM offre.utilisateur_historique WHERE utilisateur_id = ANY(:ids) "
    "AND NOT (job_id = :job AND departement = :dep)"
)


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    return shown + (f" et {len(items) - _SHOWN} autre(s)" if len(items) > _SHOWN else "")


def scope(session: Session, source: Job, departements: tuple[str, ...] | None) -> RevertScope:
    if source.statut not in FINAL:
        raise JobStateError(
            "RETOUR_IMPOSSIBLE",
            f"Seule une bascule terminée peut être annulée (job {source.id} : "
            f"« {Statut(source.statut).libelle} »).",
        )
    if BasculeOptions.model_validate(source.options).simulation:
        raise JobStateError(
            "RETOUR_IMPOSSIBLE", f"Le job {source.id} est une simulation : il n'a rien écrit."
        )
    switched = tuple(
        session.scalars(
            text(
                "SELECT j.departement FROM offre.job_departement j JOIN offre.departement d "
                "ON d.code = j.departement AND d.bascule_job_id = j.job_id "
                "WHERE j.job_id = :src AND j.statut = 'termine' ORDER BY j.departement"
            ),
            {"src": source.id},
        )
    )
    if departements is None:
        if not switched:
            raise JobStateError(
                "RETOUR_IMPOSSIBLE",
                f"Le job {source.id} n'a basculé aucun département qui le soit encore.",
            )
        return RevertScope(switched, whole_job=True)
    unknown = sorted(set(departements) - set(switched))
    if unknown:
        raise JobStateError(
            "RETOUR_IMPOSSIBLE",
            f"Le job {source.id} n'a pas basculé le(s) département(s) {', '.join(unknown)}, "
            "ou ils ont déjà été rétablis.",
        )
    return RevertScope(tuple(sorted(departements)), whole_job=False)


def conflicts(session: Session, source: Job, part: RevertScope) -> list[str]:
    params = {"src": source.id, "deps": list(part.departements)}
    found = []
    groupes = [str(i) for i in session.scalars(_CHANGED_GROUPES, params)]
    if groupes:
        found.append(
            f"{len(groupes)} groupe(s) de places déplacé(s) par le job {source.id} modifié(s) "
            f"depuis dans le module Offre (n° {_listed(groupes)})"
        )
    comptes = list(session.scalars(_CHANGED_ACCOUNTS, params))
    if comptes:
        found.append(
            f"{len(comptes)} compte(s) créé(s) par le job {source.id} dont le profil ou le "
            f"périmètre a changé depuis ({_listed(comptes)})"
        )
    nouveaux = [str(i) for i in session.scalars(_NEW_GROUPES, params)]
    if nouveaux:
        found.append(
            f"{len(nouveaux)} groupe(s) de places créé(s) depuis sous les dispositifs du ou des "
            f"département(s) {', '.join(part.departements)} (n° {_listed(nouveaux)})"
        )
    return found


def parts(session: Session, source: Job, part: RevertScope) -> list[RetourPartie]:
    """Per département: legacy rows to put back, rows of the module to remove."""
    result = []
    for dep in part.departements:
        created = session.scalar(
            select(func.count())
            .select_from(JournalAnnulation)
            .where(JournalAnnulation.job_id == source.id, JournalAnnulation.departement == dep)
        )
        result.append(
            RetourPartie(
                departement=dep,
                a_restaurer=missing(session, source.id, dep),
                a_supprimer=int(created or 0),
            )
        )
    return result


def revert_departement(session: Session, source: Job, dep: str) -> tuple[int, int]:
    """(legacy rows restored, rows of the module removed or deactivated)."""
    still = session.scalar(
        text("SELECT bascule_job_id FROM offre.departement WHERE code = :dep FOR UPDATE"),
        {"dep": dep},
    )
    if still != source.id:
        raise UnitRefused(
            f"Le département {dep} n'est plus basculé par le job {source.id} : rien à rétablir."
        )
    params = {"job": source.id, "dep": dep}
    removed = _accounts(session, params)
    # The legacy rows back (places occupées from the moved groupes), then the groupes go.
    restored = restore(session, source.id, dep)
    for sql in (
        "DELETE FROM offre.groupe_places g USING offre.journal_annulation j "
        "WHERE j.job_id = :job AND j.departement = :dep AND j.table_nom = 'groupe_places' "
        "AND g.id = j.objet_id",
        "DELETE FROM offre.groupe_places_archive WHERE job_id = :job AND departement = :dep",
    ):
        removed += session.execute(text(sql), params).rowcount  # type: ignore[attr-defined]
    session.execute(
        text(
            "UPDATE offre.departement SET module_actif = false, bascule_le = NULL, "
            "bascule_job_id = NULL WHERE code = :dep"
        ),
        params,
    )
    return restored, removed


def _accounts(session: Session, params: dict[str, object]) -> int:
    """The accounts the switch created: deleted, deactivated when used since, kept when
    another legacy account joined them; the switch's links removed."""
    created = list(
        session.scalars(
            text(
                "SELECT u.id FROM offre.utilisateur u JOIN offre.journal_annulation j "
                "ON j.objet_id = u.id AND j.job_id = :job AND j.departement = :dep "
                "AND j.table_nom = 'utilisateur' ORDER BY u.id FOR UPDATE OF u"
            ),
            params,
        )
    )
    ids = {**params, "ids": created}
    joined = set(session.scalars(text(_JOINED), ids))
    used = {i for sql in _USED for i in session.scalars(text(sql), ids)} - joined
    session.execute(
        text("DELETE FROM offre.utilisateur_historique WHERE job_id = :job AND departement = :dep"),
        params,
    )
    removed = session.execute(
        text(
            "UPDATE offre.utilisateur SET actif = false, siao_utilisateur_id = NULL "
            "WHERE id = ANY(:ids)"
        ),
        {"ids": sorted(used)},
    ).rowcount  # type: ignore[attr-defined]
    removed += session.execute(
        text("DELETE FROM offre.utilisateur WHERE id = ANY(:ids)"),
        {"ids": sorted(set(created) - used - joined)},
    ).rowcount  # type: ignore[attr-defined]
    return int(removed)
