"""The permission matrix (DOMAIN.md §4), pure: 10 profiles × actions × scope, and job reading.

The expectations below are written out by hand from DOMAIN.md §4 ("Who may do what in this
service"), not derived from ``MATRIX``: a change of the matrix must show up here.
"""

from __future__ import annotations

import pytest

from service.auth.permissions import (
    MATRIX,
    Action,
    Identity,
    can,
    can_read_job,
    holds,
)
from service.referentiels.profils import PROFILS_BY_CODE, included

A = Action

# The 10 profiles of data/profils.csv with their kind of scope (perimetre).
PERIMETRES = {
    "ADMIN_NATIONAL": "national",
    "ADMIN_DEPARTEMENTAL": "departement",
    "ANALYSTE": "departement",
    "ADMIN_SIAO": "departement",
    "OPERATEUR_SIAO": "departement",
    "ECOUTANT_115": "departement",
    "GESTIONNAIRE_ENTITE": "entite",
    "ASSISTANT": "entite",
    "RESPONSABLE_DISPOSITIF": "dispositif",
    "TRAVAILLEUR_SOCIAL": "dispositif",
}

# What each profile may do in this service, by hand from DOMAIN.md §4.
EXPECTED: dict[str, frozenset[Action]] = {
    # The project team: Temps 1 for all départements, Temps 2, Temps 3, forced revert and, being
    # a State profile, capacité financée and financeurs. It reads every job and report through
    # its national scope (can_read_job), not through LIRE_RAPPORTS, which is ANALYSTE's right.
    "ADMIN_NATIONAL": frozenset(Action) - {A.LIRE_RAPPORTS},
    # DDETS: Temps 1 in its départements, State profile.
    "ADMIN_DEPARTEMENTAL": frozenset({A.IMPORTER_OFFRE, A.ECRIRE_FINANCEMENT}),
    # Reads the reports of its départements, nothing else.
    "ANALYSTE": frozenset({A.LIRE_RAPPORTS}),
    # Temps 1 (not a State profile: no financement) and Temps 2 (through OPERATEUR_SIAO).
    "ADMIN_SIAO": frozenset({A.IMPORTER_OFFRE, A.RATTACHER}),
    "OPERATEUR_SIAO": frozenset({A.RATTACHER}),
    "ECOUTANT_115": frozenset(),
    "GESTIONNAIRE_ENTITE": frozenset(),
    "ASSISTANT": frozenset(),
    "RESPONSABLE_DISPOSITIF": frozenset(),
    "TRAVAILLEUR_SOCIAL": frozenset(),
}

DRIHL = frozenset({"75", "92", "93", "94"})


def identity(
    profil: str,
    departements: frozenset[str] | set[str] = frozenset(),
    utilisateur_id: int = 1,
    entite_id: int | None = None,
) -> Identity:
    return Identity(
        utilisateur_id=utilisateur_id,
        courriel=f"{profil.lower()}@exemple.gouv.fr",
        profil=profil,
        departements=frozenset(departements),
        entite_id=entite_id,
    )


def scoped(profil: str, departements: frozenset[str]) -> Identity:
    """An identity as accounts.identity_for builds it for this profile's kind of scope."""
    perimetre = PERIMETRES[profil]
    if perimetre == "national":
        return identity(profil)
    if perimetre == "departement":
        return identity(profil, departements)
    return identity(profil, entite_id=7)


# -- the referential and the matrix agree on the 10 profiles --------------------------------------


def test_the_ten_profiles_and_their_scopes() -> None:
    assert {code: p.perimetre for code, p in PROFILS_BY_CODE.items()} == PERIMETRES


def test_matrix_names_every_action_and_only_known_profiles() -> None:
    assert set(MATRIX) == set(Action)
    for action, profils in MATRIX.items():
        assert profils, action
        assert profils <= set(PROFILS_BY_CODE), action


# The action each job kind declares (service/jobs/kinds.py), per DOMAIN.md §4.
JOB_ACTIONS = {
    "import_offre": A.IMPORTER_OFFRE,
    "retour_arriere": A.IMPORTER_OFFRE,
    "saisie_offre": A.IMPORTER_OFFRE,  # screen entry: the right of the import
    "rattachement": A.RATTACHER,
    "bascule": A.BASCULER,
}


def test_every_registered_job_kind_declares_its_action() -> None:
    from service.jobs import kinds

    declared = {k.name: k.action for k in kinds.registered()}
    assert declared
    assert declared == {t: a for t, a in JOB_ACTIONS.items() if t in declared}


# -- holds: 10 profiles × every action -------------------------------------------------------------


@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("profil", list(PERIMETRES))
def test_holds(profil: str, action: Action) -> None:
    assert holds(profil, action) is (action in EXPECTED[profil])


def test_unknown_profile_is_refused_loudly() -> None:
    with pytest.raises(KeyError):
        holds("SUPER_ADMIN", A.IMPORTER_OFFRE)


# -- can: profile × action × in / out of scope ----------------------------------------------------

SCOPES = {
    "un_departement": (frozenset({"75"}), "75", "69"),
    "drihl_75": (DRIHL, "75", "13"),
    "drihl_93": (DRIHL, "93", "95"),
    "corse": (frozenset({"2A", "2B"}), "2B", "20"),
    "outre_mer": (frozenset({"971"}), "971", "97"),
}


@pytest.mark.parametrize("scope", list(SCOPES))
@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("profil", list(PERIMETRES))
def test_can_in_and_out_of_scope(profil: str, action: Action, scope: str) -> None:
    departements, inside, outside = SCOPES[scope]
    who = scoped(profil, departements)
    allowed = action in EXPECTED[profil]
    national = PERIMETRES[profil] == "national"
    # Without a département (a non-territorial check), only the profile decides.
    assert can(who, action) is allowed
    assert can(who, action, inside) is allowed
    assert can(who, action, outside) is (allowed and national)


@pytest.mark.parametrize("departement", ["75", "92", "93", "94"])
def test_drihl_scope_covers_each_of_its_departements(departement: str) -> None:
    drihl = identity("ADMIN_DEPARTEMENTAL", DRIHL)
    assert drihl.covers(departement)
    assert can(drihl, A.IMPORTER_OFFRE, departement)
    assert can(drihl, A.ECRIRE_FINANCEMENT, departement)
    assert not can(drihl, A.RATTACHER, departement)
    assert not can(drihl, A.BASCULER, departement)


@pytest.mark.parametrize("departement", ["77", "78", "91", "95", "2A", "971"])
def test_drihl_scope_stops_at_its_border(departement: str) -> None:
    drihl = identity("ADMIN_SIAO", DRIHL)
    assert not drihl.covers(departement)
    assert not can(drihl, A.IMPORTER_OFFRE, departement)
    assert not can(drihl, A.RATTACHER, departement)


def test_departement_profile_without_departements_covers_nothing() -> None:
    orphan = identity("ADMIN_DEPARTEMENTAL")
    assert not orphan.national
    assert not orphan.covers("75")
    assert not can(orphan, A.IMPORTER_OFFRE, "75")


def test_departement_codes_are_compared_exactly() -> None:
    paris = identity("ADMIN_DEPARTEMENTAL", {"75"})
    assert not can(paris, A.IMPORTER_OFFRE, "075")
    assert not can(paris, A.IMPORTER_OFFRE, " 75")
    corse = identity("ADMIN_SIAO", {"2A"})
    assert not can(corse, A.IMPORTER_OFFRE, "2a")  # codes are normalised before this layer


@pytest.mark.parametrize("profil", list(PERIMETRES))
def test_only_admin_national_is_national(profil: str) -> None:
    # Even a département set naming every département is not "national".
    who = identity(profil, {"75", "69"})
    assert who.national is (profil == "ADMIN_NATIONAL")


def test_national_covers_every_departement_without_a_list() -> None:
    national = identity("ADMIN_NATIONAL")
    for departement in ("01", "2A", "75", "976"):
        assert national.covers(departement)
        assert can(national, A.IMPORTER_OFFRE, departement)
        assert can(national, A.RATTACHER, departement)


def test_entite_scope_grants_no_departement() -> None:
    for profil in ("GESTIONNAIRE_ENTITE", "ASSISTANT", "RESPONSABLE_DISPOSITIF"):
        who = identity(profil, entite_id=3)
        assert not who.covers("75")
        assert not any(can(who, action, "75") for action in Action)


# -- inclusion: a profile has every right of those it includes (transitively) ---------------------

INCLUSIONS = [
    ("ADMIN_NATIONAL", "ADMIN_DEPARTEMENTAL"),
    ("ADMIN_SIAO", "OPERATEUR_SIAO"),
    ("OPERATEUR_SIAO", "ECOUTANT_115"),
    ("ADMIN_SIAO", "ECOUTANT_115"),
    ("GESTIONNAIRE_ENTITE", "ASSISTANT"),
    ("GESTIONNAIRE_ENTITE", "RESPONSABLE_DISPOSITIF"),
    ("GESTIONNAIRE_ENTITE", "TRAVAILLEUR_SOCIAL"),
    ("RESPONSABLE_DISPOSITIF", "TRAVAILLEUR_SOCIAL"),
]


@pytest.mark.parametrize(("haut", "bas"), INCLUSIONS)
def test_inclusion_carries_every_right(haut: str, bas: str) -> None:
    assert bas in included(haut)
    for action in Action:
        if holds(bas, action):
            assert holds(haut, action), (haut, bas, action)
    for departement in ("75", "93"):
        low, high = scoped(bas, DRIHL), scoped(haut, DRIHL)
        for action in Action:
            if can(low, action, departement):
                assert can(high, action, departement), (haut, bas, action, departement)


def test_inclusion_is_not_symmetric() -> None:
    assert holds("ADMIN_NATIONAL", A.BASCULER)
    assert not holds("ADMIN_DEPARTEMENTAL", A.BASCULER)
    assert holds("ADMIN_SIAO", A.IMPORTER_OFFRE)
    assert not holds("OPERATEUR_SIAO", A.IMPORTER_OFFRE)
    assert holds("OPERATEUR_SIAO", A.RATTACHER)
    assert not holds("ECOUTANT_115", A.RATTACHER)


def test_admin_siao_rattache_through_operateur_siao() -> None:
    # DOMAIN.md §4: ADMIN_SIAO may do Temps 2 because it includes OPERATEUR_SIAO.
    assert "ADMIN_SIAO" not in MATRIX[A.RATTACHER]
    assert can(identity("ADMIN_SIAO", {"75"}), A.RATTACHER, "75")


def test_financement_is_for_state_profiles_only() -> None:
    state = {p for p in PERIMETRES if holds(p, A.ECRIRE_FINANCEMENT)}
    assert state == {"ADMIN_NATIONAL", "ADMIN_DEPARTEMENTAL"}
    # ADMIN_SIAO imports the offre but is not a State profile.
    siao = identity("ADMIN_SIAO", {"75"})
    assert can(siao, A.IMPORTER_OFFRE, "75")
    assert not can(siao, A.ECRIRE_FINANCEMENT, "75")


def test_temps3_and_forced_revert_are_national_only() -> None:
    for action in (A.BASCULER, A.FORCER_RETOUR):
        assert {p for p in PERIMETRES if holds(p, action)} == {"ADMIN_NATIONAL"}


# -- can_read_job ------------------------------------------------------------------------------

SUBMITTER = 100
OTHER = 200


def reads(
    who: Identity, job_type: str, departements: set[str], soumis_par: int = SUBMITTER
) -> bool:
    return can_read_job(who, JOB_ACTIONS[job_type], soumis_par, frozenset(departements))


@pytest.mark.parametrize("job_type", list(JOB_ACTIONS))
@pytest.mark.parametrize("profil", list(PERIMETRES))
def test_the_submitter_always_reads_its_job(profil: str, job_type: str) -> None:
    who = identity(profil, utilisateur_id=SUBMITTER, entite_id=1)
    assert reads(who, job_type, {"13"})
    assert reads(who, job_type, set())  # a national file before its analysis
    # Another account of the same profile, without 13 in its scope, does not (unless national).
    other = identity(profil, utilisateur_id=OTHER, entite_id=1)
    assert reads(other, job_type, {"13"}) is (profil == "ADMIN_NATIONAL")


@pytest.mark.parametrize("job_type", list(JOB_ACTIONS))
def test_admin_national_reads_every_job(job_type: str) -> None:
    national = identity("ADMIN_NATIONAL", utilisateur_id=OTHER)
    assert reads(national, job_type, {"971"})
    assert reads(national, job_type, set())


def test_importer_of_one_of_the_job_departements_reads_it() -> None:
    for profil in ("ADMIN_DEPARTEMENTAL", "ADMIN_SIAO"):
        paris = identity(profil, {"75"}, utilisateur_id=OTHER)
        assert reads(paris, "import_offre", {"75"})
        assert reads(paris, "import_offre", {"13", "75"})  # one of them is enough
        assert reads(paris, "retour_arriere", {"75"})
        assert not reads(paris, "import_offre", {"69"})
        assert not reads(paris, "import_offre", {"13", "69"})
        assert not reads(paris, "import_offre", set())


def test_drihl_importer_reads_jobs_of_any_of_its_departements() -> None:
    drihl = identity("ADMIN_DEPARTEMENTAL", DRIHL, utilisateur_id=OTHER)
    assert reads(drihl, "import_offre", {"93"})
    assert reads(drihl, "import_offre", {"94", "13"})
    assert not reads(drihl, "import_offre", {"77", "78"})


def test_reading_follows_the_job_kind() -> None:
    admin_dep = identity("ADMIN_DEPARTEMENTAL", {"75"}, utilisateur_id=OTHER)
    admin_siao = identity("ADMIN_SIAO", {"75"}, utilisateur_id=OTHER)
    operateur = identity("OPERATEUR_SIAO", {"75"}, utilisateur_id=OTHER)
    ecoutant = identity("ECOUTANT_115", {"75"}, utilisateur_id=OTHER)
    # Temps 2: SIAO operators and admins, not the DDETS.
    assert reads(operateur, "rattachement", {"75"})
    assert reads(admin_siao, "rattachement", {"75"})
    assert not reads(admin_dep, "rattachement", {"75"})
    assert not reads(ecoutant, "rattachement", {"75"})
    # Temps 1: admins, not operators.
    assert not reads(operateur, "import_offre", {"75"})
    assert not reads(ecoutant, "import_offre", {"75"})
    # Temps 3: the national team only (and the submitter, who is national).
    for who in (admin_dep, admin_siao, operateur, ecoutant):
        assert not reads(who, "bascule", {"75"})


@pytest.mark.parametrize("job_type", list(JOB_ACTIONS))
def test_analyste_reads_the_reports_of_its_departements(job_type: str) -> None:
    analyste = identity("ANALYSTE", {"75"}, utilisateur_id=OTHER)
    assert reads(analyste, job_type, {"75"})
    assert reads(analyste, job_type, {"75", "92"})


@pytest.mark.parametrize("job_type", list(JOB_ACTIONS))
def test_analyste_elsewhere_does_not_read(job_type: str) -> None:
    analyste = identity("ANALYSTE", {"69"}, utilisateur_id=OTHER)
    assert not reads(analyste, job_type, {"75"})
    assert not reads(analyste, job_type, set())


@pytest.mark.parametrize("job_type", list(JOB_ACTIONS))
@pytest.mark.parametrize(
    "profil", ["GESTIONNAIRE_ENTITE", "ASSISTANT", "RESPONSABLE_DISPOSITIF", "TRAVAILLEUR_SOCIAL"]
)
def test_entite_profiles_never_read_others_jobs(profil: str, job_type: str) -> None:
    # Even with a (corrupt) département list, an entité profile reads nobody's job.
    who = identity(profil, {"75"}, utilisateur_id=OTHER, entite_id=1)
    assert not reads(who, job_type, {"75"})
    assert not reads(who, job_type, set())


def test_unknown_job_kind_is_refused_loudly() -> None:
    with pytest.raises(KeyError):
        reads(identity("ADMIN_DEPARTEMENTAL", {"75"}, utilisateur_id=OTHER), "inconnu", {"75"})
