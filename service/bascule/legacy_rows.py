"""The legacy rows of a switch: archived in ``offre.bascule_archive``, removed from ``siao`` when
no département not yet switched still needs them — and put back by a revert.

What a switch of département D archives: D's structures, groupes, accounts and their profiles,
the rows they reference (entités, structures of other départements where D's accounts work),
and any row of an earlier switch that D's removals leave unneeded. What it removes:

- every groupe of D's structures (moved to ``offre.groupe_places`` or archived);
- the accounts of switched départements (D's, and those kept by earlier switches) whose reach
  is now all switched: their département, every département when a legacy profile or their
  new profile is national, and the départements of their new account's scope (a DRIHL agent
  keeps its row until 75, 92, 93 and 94 have switched);
- the structures of switched départements no remaining account works in;
- the entités that no remaining structure references.

Who is last to need a shared row is decided under one advisory lock of our namespace, taken by
every switch and revert for this part only (their other writes run in parallel), so that two
units of a wave never both keep a row nor both delete it; the rows are then locked in id order
(entités, structures, accounts) so that what is archived is the latest committed version, even
if SI SIAO writes them meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from service import failpoints
from service.jobs.locks import NAMESPACE
from service.referentiels.departements import CODES

SHARED_ROWS_LOCK = 1000  # within NAMESPACE: département codes use 1…976, the entités 0
TABLES = ("entite", "structure", "groupe_places", "utilisateur", "utilisateur_profil")
_KEYS = {t: ("id",) for t in TABLES} | {
    "utilisateur_profil": ("utilisateur_id", "profil_historique_code")
}
_CLE = {t: "t.id::text" for t in TABLES} | {
    "utilisateur_profil": "t.utilisateur_id || '|' || t.profil_historique_code"
}
_SELECTOR = {
    "entite": "t.id = ANY(:ids)",
    "structure": "t.id = ANY(:ids)",
    "groupe_places": "t.id = ANY(:ids)",
    "utilisateur": "t.id = ANY(:ids)",
    "utilisateur_profil": "t.utilisateur_id = ANY(:ids)",
}
_SWITCHED = "SELECT code FROM offre.departement WHERE module_actif"
# The accounts of switched départements still in siao, with what their reach depends on.
_ACCOUNTS = text(
    "SELECT u.id, u.departement, EXISTS (SELECT 1 FROM siao.utilisateur_profil p "
    " JOIN offre.profil_historique h ON h.code = p.profil_historique_code "
    " JOIN offre.profil f ON f.code = h.profil_cible_code "
    " WHERE p.utilisateur_id = u.id AND f.perimetre = 'national'), "
    "coalesce(f.perimetre = 'national', false), "
    "coalesce((SELECT array_agg(d.departement) FROM offre.utilisateur_departement d "
    " WHERE d.utilisateur_id = h.utilisateur_id), '{}') "
    "FROM siao.utilisateur u "
    "LEFT JOIN offre.utilisateur_historique h ON h.utilisateur_historique_id = u.id "
    "LEFT JOIN offre.utilisateur o ON o.id = h.utilisateur_id "
    "LEFT JOIN offre.profil f ON f.code = o.profil_code "
    "WHERE u.departement = ANY(:switched) ORDER BY u.id FOR UPDATE OF u"
)


@dataclass(frozen=True, slots=True)
class LegacyCounts:
    archivees: int
    supprimees: int


def lock_shared_rows(session: Session) -> None:
    session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": NAMESPACE, "key": SHARED_ROWS_LOCK}
    )


def _ids(session: Session, sql: str, **params: object) -> list[int]:
    return [int(i) for i in session.execute(text(sql), params).scalars()]


def archive_and_remove(session: Session, job_id: int, departement: str) -> LegacyCounts:
    """Archive D's legacy rows (and what they reference), remove what nobody needs any more.
    D is being switched: it counts as switched here."""
    # The fault tests hold units here, their own writes done, to make a wave's units overlap.
    failpoints.failpoint("bascule.partages", departement=departement)
    lock_shared_rows(session)
    switched = sorted({*session.execute(text(_SWITCHED)).scalars(), departement})
    params = {"dep": departement, "switched": switched}
    own_structures = _ids(
        session, "SELECT id FROM siao.structure WHERE departement = :dep", **params
    )
    # Where D's accounts work (a structure of another département, sometimes).
    worked_in = _ids(
        session,
        "SELECT DISTINCT structure_id FROM siao.utilisateur WHERE departement = :dep "
        "AND structure_id IS NOT NULL",
        **params,
    )
    # Structures of switched départements still in siao: D's, and those kept earlier.
    candidates = _ids(
        session, "SELECT id FROM siao.structure WHERE departement = ANY(:switched)", **params
    )
    structures = sorted({*own_structures, *worked_in, *candidates})
    parents = _ids(
        session,
        "SELECT DISTINCT entite_id FROM siao.structure WHERE id = ANY(:ids)",
        ids=structures,
    )
    _lock(session, "entite", parents)
    _lock(session, "structure", structures)
    everywhere = set(switched)
    all_switched = len(everywhere) == len(CODES)
    own_accounts, deleted_accounts = [], []
    for id_, dep, legacy_national, new_national, new_deps in session.execute(_ACCOUNTS, params):
        if dep == departement:
            own_accounts.append(id_)
        national = legacy_national or new_national
        if all_switched if national else {dep, *new_deps} <= everywhere:
            deleted_accounts.append(id_)
    still_needed = set(
        _ids(
            session,
            "SELECT DISTINCT structure_id FROM siao.utilisateur WHERE structure_id = ANY(:ids) "
            "AND NOT (id = ANY(:gone))",
            ids=candidates,
            gone=deleted_accounts,
        )
    )
    deleted_structures = sorted(set(candidates) - still_needed)
    deleted_entites = _ids(
        session,
        "SELECT e.id FROM siao.entite e WHERE e.id IN (SELECT entite_id FROM siao.structure "
        " WHERE id = ANY(:gone)) AND NOT EXISTS (SELECT 1 FROM siao.structure s "
        " WHERE s.entite_id = e.id AND NOT (s.id = ANY(:gone)))",
        gone=deleted_structures,
    )
    referenced = sorted({*own_structures, *worked_in})
    own_parents = _ids(
        session,
        "SELECT DISTINCT entite_id FROM siao.structure WHERE id = ANY(:ids)",
        ids=referenced,
    )
    groupes = _ids(
        session,
        "SELECT id FROM siao.groupe_places WHERE structure_id = ANY(:ids)",
        ids=own_structures,
    )
    accounts = sorted({*own_accounts, *deleted_accounts})
    plan = {
        "entite": (sorted({*own_parents, *deleted_entites}), deleted_entites),
        "structure": (sorted({*referenced, *deleted_structures}), deleted_structures),
        "groupe_places": (groupes, groupes),
        "utilisateur": (accounts, deleted_accounts),
        "utilisateur_profil": (accounts, deleted_accounts),
    }
    archived = sum(
        _archive(session, job_id, departement, table, keys, gone)
        for table, (keys, gone) in plan.items()
    )
    removed = 0
    for table in reversed(TABLES):  # children first
        removed += session.execute(
            text(f"DELETE FROM siao.{table} t WHERE {_SELECTOR[table]}"), {"ids": plan[table][1]}
        ).rowcount  # type: ignore[attr-defined]
    return LegacyCounts(archived, removed)


def _lock(session: Session, table: str, ids: list[int]) -> None:
    session.execute(
        text(f"SELECT id FROM siao.{table} WHERE id = ANY(:ids) ORDER BY id FOR UPDATE"),
        {"ids": ids},
    )


def _archive(
    session: Session, job_id: int, departement: str, table: str, keys: list[int], gone: list[int]
) -> int:
    """Copy the rows as they are, each marked with whether this switch removes it."""
    removed = "t.utilisateur_id" if table == "utilisateur_profil" else "t.id"
    return int(
        session.execute(
            text(
                "INSERT INTO offre.bascule_archive (job_id, departement, table_nom, cle, "
                f"supprime, ligne) SELECT :job, :dep, :table, {_CLE[table]}, "
                f"{removed} = ANY(:gone), to_jsonb(t) FROM siao.{table} t "
                f"WHERE {_SELECTOR[table]}"
            ),
            {"job": job_id, "dep": departement, "table": table, "ids": keys, "gone": gone},
        ).rowcount  # type: ignore[attr-defined]
    )


def restore(session: Session, job_id: int, departement: str) -> int:
    """Put back into siao every row the switch archived that is missing now — from the copy
    taken when it was last removed (by this switch or a later one), else from this switch's —
    parents first; groupes with the places occupées the module holds now. Returns the rows
    restored."""
    lock_shared_rows(session)
    restored = 0
    params = {"job": job_id, "dep": departement}
    for table in TABLES:
        key = ", ".join(_KEYS[table])
        match = " AND ".join(f"s.{k} = r.{k}" for k in _KEYS[table])
        restored += session.execute(
            text(
                f"INSERT INTO siao.{table} SELECT r.* FROM ("
                f" SELECT DISTINCT ON (a.cle) (jsonb_populate_record(NULL::siao.{table}, "
                "  a.ligne)).* FROM offre.bascule_archive a WHERE a.table_nom = :table "
                "  AND a.cle IN (SELECT b.cle FROM offre.bascule_archive b WHERE b.job_id = :job "
                "   AND b.departement = :dep AND b.table_nom = :table) "
                "  ORDER BY a.cle, a.supprime DESC, a.id DESC) r "
                f"WHERE NOT EXISTS (SELECT 1 FROM siao.{table} s WHERE {match}) ORDER BY {key}"
            ),
            {**params, "table": table},
        ).rowcount  # type: ignore[attr-defined]
    # Places occupées are kept up to date by SI SIAO's other modules in the new module.
    session.execute(
        text(
            "UPDATE siao.groupe_places g SET places_occupees = o.places_occupees "
            "FROM offre.groupe_places o JOIN offre.journal_annulation j ON j.objet_id = o.id "
            "AND j.job_id = :job AND j.departement = :dep AND j.table_nom = 'groupe_places' "
            "WHERE g.id = o.id AND g.places_occupees IS DISTINCT FROM o.places_occupees"
        ),
        params,
    )
    return restored


def missing(session: Session, job_id: int, departement: str) -> int:
    """How many rows archived by the switch are missing from siao (what a revert restores)."""
    total = 0
    for table in TABLES:
        match = " AND ".join(
            f"s.{k} = (jsonb_populate_record(NULL::siao.{table}, a.ligne)).{k}"
            for k in _KEYS[table]
        )
        total += int(
            session.scalar(
                text(
                    "SELECT count(*) FROM offre.bascule_archive a WHERE a.job_id = :job "
                    "AND a.departement = :dep AND a.table_nom = :table "
                    f"AND NOT EXISTS (SELECT 1 FROM siao.{table} s WHERE {match})"
                ),
                {"job": job_id, "dep": departement, "table": table},
            )
            or 0
        )
    return total
