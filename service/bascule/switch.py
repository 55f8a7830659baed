"""The switch of one département, in the caller's transaction (the engine's unit, under the
département's write lock): all or nothing.

1. the preflight again, now that the département is ours: any blocker refuses the unit
   (UnitRefused: nothing written, the reason said);
2. each attached groupe de places moves into ``offre.groupe_places`` under its dispositif,
   keeping its legacy id, with its places, places occupées, public and address; the excluded and
   inactive ones are archived, their ids reserved;
3. each migrated account becomes an account of the module with its one profile and its scope,
   each linked one joins the existing account of the same person: both recorded in
   ``offre.utilisateur_historique``;
4. the legacy rows are archived then removed from ``siao`` when nobody needs them
   (legacy_rows.py);
5. the département is marked switched (when, by which job).

The after-images of the moved groupes and created accounts go to the undo journal: a revert
compares them with what the module holds then (MODIFIE_DEPUIS). A simulation does all of it
in a savepoint rolled back: every check and constraint runs, nothing stays.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.bascule.legacy_rows import archive_and_remove
from service.bascule.preflight import preflight
from service.bascule.preflight_data import load_preflight
from service.jobs import audit
from service.jobs.kinds import UnitRefused
from service.rattachement.rules_comptes import effective_email

# The scope of an account as the undo journal keeps it.
SCOPE = (
    "jsonb_build_object('profil_code', u.profil_code, 'entite_id', u.entite_id, "
    "'departements', coalesce((SELECT jsonb_agg(d.departement ORDER BY d.departement) "
    " FROM offre.utilisateur_departement d WHERE d.utilisateur_id = u.id), '[]'::jsonb), "
    "'dispositifs', coalesce((SELECT jsonb_agg(x.dispositif_id ORDER BY x.dispositif_id) "
    " FROM offre.utilisateur_dispositif x WHERE x.utilisateur_id = u.id), '[]'::jsonb))"
)
_MOVE = text(
    "WITH moved AS (INSERT INTO offre.groupe_places (id, dispositif_id, libelle, nb_places, "
    "type_place, publics, adresse, code_postal, commune, places_occupees, actif) "
    "SELECT g.id, d.id, g.libelle, g.nb_places, g.type_place, coalesce(array("
    " SELECT btrim(p) FROM regexp_split_to_table(g.public, ',') p WHERE btrim(p) <> ''), '{}'), "
    "g.adresse, g.code_postal, g.commune, g.places_occupees, true "
    "FROM siao.groupe_places g JOIN siao.structure s ON s.id = g.structure_id "
    "JOIN offre.rattachement_groupe r ON r.groupe_places_id = g.id AND r.decision = 'rattacher' "
    "JOIN offre.dispositif d ON d.identifiant = r.dispositif_identifiant "
    "WHERE s.departement = :dep AND g.actif AND s.actif ORDER BY g.id RETURNING *) "
    "INSERT INTO offre.journal_annulation (job_id, departement, table_nom, objet_id, operation, "
    "apres) SELECT :job, :dep, 'groupe_places', m.id, 'insert', to_jsonb(m) - 'places_occupees' "
    "FROM moved m"
)
_RESERVE = text(
    "INSERT INTO offre.groupe_places_archive (id, departement, job_id, motif, libelle, "
    "nb_places, places_occupees) SELECT g.id, :dep, :job, "
    "CASE WHEN g.actif AND s.actif THEN 'exclu' ELSE 'inactif' END, g.libelle, g.nb_places, "
    "g.places_occupees FROM siao.groupe_places g JOIN siao.structure s ON s.id = g.structure_id "
    "WHERE s.departement = :dep AND NOT EXISTS (SELECT 1 FROM offre.groupe_places o "
    "WHERE o.id = g.id) ORDER BY g.id"
)
_MIGRATE = text(
    "WITH created AS (INSERT INTO offre.utilisateur (courriel, nom, prenom, profil_code, "
    "entite_id, siao_utilisateur_id) SELECT x.courriel, x.nom, x.prenom, x.profil, e.id, x.id "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:courriels AS text[]), CAST(:noms AS text[]), "
    "CAST(:prenoms AS text[]), CAST(:profils AS text[]), CAST(:sirens AS text[])) "
    "AS x(id, courriel, nom, prenom, profil, siren) LEFT JOIN offre.entite e ON e.siren = x.siren "
    "ORDER BY x.id RETURNING id, siao_utilisateur_id) "
    "INSERT INTO offre.utilisateur_historique (utilisateur_historique_id, utilisateur_id, "
    "departement, mode, job_id) SELECT c.siao_utilisateur_id, c.id, :dep, 'migre', :job "
    "FROM created c"
)
_SCOPE_DEPARTEMENTS = text(
    "INSERT INTO offre.utilisateur_departement (utilisateur_id, departement) "
    "SELECT h.utilisateur_id, x.dep FROM unnest(CAST(:ids AS bigint[]), CAST(:deps AS text[])) "
    "AS x(id, dep) JOIN offre.utilisateur_historique h ON h.utilisateur_historique_id = x.id"
)
_SCOPE_DISPOSITIFS = text(
    "INSERT INTO offre.utilisateur_dispositif (utilisateur_id, dispositif_id) "
    "SELECT h.utilisateur_id, d.id FROM unnest(CAST(:ids AS bigint[]), "
    "CAST(:identifiants AS text[])) AS x(id, identifiant) "
    "JOIN offre.utilisateur_historique h ON h.utilisateur_historique_id = x.id "
    "JOIN offre.dispositif d ON d.identifiant = x.identifiant"
)
_LINK = text(
    "INSERT INTO offre.utilisateur_historique (utilisateur_historique_id, utilisateur_id, "
    "departement, mode, job_id) SELECT x.id, u.id, :dep, 'lie', :job "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:emails AS text[])) AS x(id, email) "
    "JOIN offre.utilisateur u ON u.actif AND lower(u.courriel) = x.email"
)
_JOURNAL_ACCOUNTS = text(
    "INSERT INTO offre.journal_annulation (job_id, departement, table_nom, objet_id, operation, "
    f"apres) SELECT :job, :dep, 'utilisateur', u.id, 'insert', {SCOPE} "
    "FROM offre.utilisateur u JOIN offre.utilisateur_historique h ON h.utilisateur_id = u.id "
    "WHERE h.job_id = :job AND h.departement = :dep AND h.mode = 'migre'"
)
_MARK = text(
    "UPDATE offre.departement SET module_actif = true, bascule_le = now(), bascule_job_id = :job "
    "WHERE code = :dep"
)
DEJA_BASCULE = "Le département {dep} est déjà basculé (job {job}) : rien n'a été écrit."
CONFLIT = (
    "Le département {dep} n'a pas pu basculer : une écriture concurrente a heurté une "
    "contrainte du module Offre ({detail}). Rien n'a été écrit ; relancez-le."
)


@dataclass(frozen=True, slots=True)
class Bascule:
    """What the switch of one département moved (or would move, in a simulation)."""

    groupes_deplaces: int = 0
    groupes_archives: int = 0
    comptes_migres: int = 0
    comptes_lies: int = 0
    comptes_desactives: int = 0
    lignes_archivees: int = 0
    lignes_supprimees: int = 0

    @property
    def lignes_gardees(self) -> int:
        return self.lignes_archivees - self.lignes_supprimees

    def phrase(self, simulation: bool) -> str:
        verbe = "basculerait" if simulation else "a basculé"
        return (
            f"{'Simulation : ' if simulation else ''}{verbe} {self.groupes_deplaces} groupe(s) "
            f"de places sous leurs dispositifs, {self.groupes_archives} archivé(s) "
            f"(exclus ou inactifs) ; comptes : {self.comptes_migres} migré(s), "
            f"{self.comptes_lies} lié(s), {self.comptes_desactives} désactivé(s) ; "
            f"{self.lignes_archivees} ligne(s) historique(s) archivée(s), dont "
            f"{self.lignes_supprimees} retirée(s) de SI SIAO et {self.lignes_gardees} gardée(s) "
            "pour des départements non basculés."
        )


def switch_departement(
    session: Session, job_id: int, soumis_par: int, departement: str, *, simulation: bool
) -> Bascule:
    """Switch ``departement`` (UnitRefused when it cannot); a simulation leaves nothing."""
    session.flush()  # the unit's start time (``debut``) is taken now, not at its commit
    # A simulation rolls this savepoint back; on any error the engine's own savepoint (or the
    # whole transaction, retried on a transient failure) takes it away with everything else.
    savepoint = session.begin_nested()
    try:
        done = _switch(session, job_id, departement)
    except IntegrityError as exc:
        detail = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        raise UnitRefused(CONFLIT.format(dep=departement, detail=detail)) from exc
    if simulation:
        savepoint.rollback()
        return done
    savepoint.commit()
    audit.record(
        session,
        soumis_par,
        job_id,
        "bascule.departement.basculee",
        "departement",
        departement,
        departement,
        asdict(done),
    )
    session.flush()
    return done


def _switch(session: Session, job_id: int, dep: str) -> Bascule:
    status = session.execute(
        text(
            "SELECT module_actif, bascule_job_id FROM offre.departement WHERE code = :dep "
            "FOR UPDATE"
        ),
        {"dep": dep},
    ).one()
    if status[0]:
        raise UnitRefused(DEJA_BASCULE.format(dep=dep, job=status[1]))
    data = load_preflight(session.connection(), [dep])
    preparation = preflight(data, dep)
    if preparation.bloquants:
        raise UnitRefused(preparation.refusal())
    params = {"dep": dep, "job": job_id}
    moved = session.execute(_MOVE, params).rowcount  # type: ignore[attr-defined]
    reserved = session.execute(_RESERVE, params).rowcount  # type: ignore[attr-defined]
    migrating, linking, deactivated = [], [], 0
    for account in data.comptes.get(dep, ()):
        decided = data.decisions_comptes.get(account.id)
        if not account.actif or decided is None:
            continue
        if decided.decision == "migrer":
            migrating.append((account, decided))
        elif decided.decision == "lier":
            linking.append((account.id, effective_email(decided, account.email)))
        else:
            deactivated += 1
    session.execute(
        _MIGRATE,
        {
            **params,
            "ids": [a.id for a, _ in migrating],
            "courriels": [(d.courriel or a.email).strip() for a, d in migrating],
            "noms": [a.nom for a, _ in migrating],
            "prenoms": [a.prenom for a, _ in migrating],
            "profils": [d.profil for _, d in migrating],
            "sirens": [d.siren for _, d in migrating],
        },
    )
    pairs = [(a.id, code) for a, d in migrating for code in d.departements]
    session.execute(
        _SCOPE_DEPARTEMENTS, {"ids": [p[0] for p in pairs], "deps": [p[1] for p in pairs]}
    )
    pairs = [(a.id, identifiant) for a, d in migrating for identifiant in d.dispositifs]
    session.execute(
        _SCOPE_DISPOSITIFS,
        {"ids": [p[0] for p in pairs], "identifiants": [p[1] for p in pairs]},
    )
    linked = session.execute(
        _LINK, {**params, "ids": [i for i, _ in linking], "emails": [e for _, e in linking]}
    ).rowcount  # type: ignore[attr-defined]
    if linked != len(linking):  # the account to join went away since the preflight
        raise UnitRefused(
            f"Le département {dep} n'a pas pu basculer : un compte à lier n'est plus actif "
            "dans le module Offre. Rien n'a été écrit ; relancez-le."
        )
    session.execute(_JOURNAL_ACCOUNTS, params)
    legacy = archive_and_remove(session, job_id, dep)
    session.execute(_MARK, params)
    return Bascule(
        groupes_deplaces=moved,
        groupes_archives=reserved,
        comptes_migres=len(migrating),
        comptes_lies=linked,
        comptes_desactives=deactivated,
        lignes_archivees=legacy.archivees,
        lignes_supprimees=legacy.supprimees,
    )
