"""Proposals for legacy accounts: unique profile, scope, decision and alerts."""

from __future__ import annotations

from service.bascule.comptes import propose_compte, propose_comptes
from service.bascule.model import ComptesContexte, Decision, LegacyAccount, Rattachement
from tests.support.bascule import SIREN, account


def context(*accounts: LegacyAccount, **kw) -> ComptesContexte:  # type: ignore[no-untyped-def]
    same: dict[str, list[LegacyAccount]] = {}
    for a in accounts:
        same.setdefault(a.email.lower(), []).append(a)
    return ComptesContexte({k: tuple(v) for k, v in same.items()}, **kw)


def test_highest_ranked_legacy_profile_with_the_departement() -> None:
    a = account(1, "ECOUTANT", "COORDINATEUR")
    p = propose_compte(a, context(a))
    assert (p.profil, p.departements, p.decision, p.alertes) == (
        "ADMIN_SIAO",
        ("93",),
        Decision.MIGRER,
        (),
    )
    assert p.motif == "profil le plus élevé → Administrateur SIAO ; département 93"


def test_conflicting_families_leave_the_profile_empty() -> None:
    a = account(1, "ECOUTANT", "GESTIONNAIRE_STRUCTURE", structure_id=5)
    p = propose_compte(a, context(a))
    assert p.profil is None and p.departements == () and p.siren is None
    assert p.codes_alertes == ("CONFLIT_PROFILS",)
    assert "ENTITE, SIAO" in p.alertes[0].message


def test_national_administrator() -> None:
    a = account(
        1, "ADMINISTRATEUR_NATIONAL", "ADMINISTRATEUR_TERRITORIAL", email="a.b@social.gouv.fr"
    )
    p = propose_compte(a, context(a))
    assert (p.profil, p.departements, p.alertes) == ("ADMIN_NATIONAL", (), ())
    assert "périmètre national" in p.motif


def test_same_person_in_several_departements_is_one_inter_departemental_account() -> None:
    email = "c.martin@drihl.gouv.fr"
    accounts = [
        account(i, "ADMINISTRATEUR_TERRITORIAL", email=email, nom="Martin", departement=d)
        for i, d in ((7, "93"), (3, "75"), (9, "94"))
    ]
    p = propose_compte(accounts[0], context(*accounts))
    assert p.profil == "ADMIN_DEPARTEMENTAL"
    assert p.departements == ("75", "93", "94")
    assert "COURRIEL_PARTAGE" not in p.codes_alertes
    assert p.decision is Decision.LIER  # the person's account n° 3 migrates, this one links
    assert "lier au compte issu du compte historique n° 3" in p.motif
    first = propose_compte(accounts[1], context(*accounts))
    assert first.decision is Decision.MIGRER


def test_one_email_for_two_persons() -> None:
    a = account(1, email="115@siao93.fr", nom="Martin")
    b = account(2, email="115@SIAO93.fr", nom="Durand")
    inactive = account(3, email="115@siao93.fr", nom="Petit", actif=False)
    p = propose_compte(a, context(a, b, inactive))
    assert p.codes_alertes == ("COURRIEL_PARTAGE", "COURRIEL_GENERIQUE")
    assert "Camille Durand (93, n° 2)" in p.alertes[0].message
    assert "Petit" not in p.alertes[0].message


def test_personal_webmail() -> None:
    a = account(1, email="camille.nom1@gmail.com")
    assert propose_compte(a, context(a)).codes_alertes == ("COURRIEL_PERSONNEL",)


def test_email_already_used_by_an_account_of_the_module() -> None:
    a = account(1, "OPERATEUR_SIAO", email="Camille.Nom@siao93.fr")
    p = propose_compte(a, context(a, courriels_module=frozenset({"camille.nom@siao93.fr"})))
    assert p.codes_alertes == ("COURRIEL_DEJA_UTILISE",)
    assert p.decision is Decision.LIER
    assert p.profil == "OPERATEUR_SIAO"


def test_entite_and_dispositif_scopes_follow_the_attachments() -> None:
    attached = {5: Rattachement(frozenset({"DSP-93-000002", "DSP-93-000001"}), frozenset({SIREN}))}
    manager = account(1, "GESTIONNAIRE_LOCAL", structure_id=5)
    p = propose_compte(manager, context(manager, rattachements=attached))
    assert (p.profil, p.siren, p.dispositifs) == ("GESTIONNAIRE_ENTITE", SIREN, ())
    worker = account(2, "GESTIONNAIRE_STRUCTURE", structure_id=5)
    q = propose_compte(worker, context(worker, rattachements=attached))
    assert (q.profil, q.siren, q.dispositifs) == (
        "RESPONSABLE_DISPOSITIF",
        None,
        ("DSP-93-000001", "DSP-93-000002"),
    )


def test_structure_not_attached_yet() -> None:
    a = account(1, "GESTIONNAIRE_STRUCTURE", structure_id=5)
    p = propose_compte(a, context(a))
    assert p.profil == "RESPONSABLE_DISPOSITIF" and p.dispositifs == ()
    assert p.codes_alertes == ("STRUCTURE_NON_RATTACHEE",)
    assert "structure n° 5" in p.alertes[0].message
    without = account(2, "LECTURE_SEULE")
    assert propose_compte(without, context(without)).codes_alertes == ("STRUCTURE_NON_RATTACHEE",)


def test_entite_scope_left_open_when_groupes_went_to_several_entites() -> None:
    attached = {
        5: Rattachement(
            frozenset({"DSP-93-000001", "DSP-93-000002"}), frozenset({SIREN, "552081317"})
        )
    }
    a = account(1, "GESTIONNAIRE_LOCAL", structure_id=5)
    p = propose_compte(a, context(a, rattachements=attached))
    assert p.siren is None and p.alertes == ()
    assert "plusieurs entités" in p.motif


def test_unknown_legacy_profiles_propose_deactivation() -> None:
    a = account(1, "PROFIL_DISPARU")
    assert propose_compte(a, context(a)).decision is Decision.DESACTIVER


def test_only_active_accounts_in_id_order() -> None:
    accounts = [account(3), account(1), account(2, actif=False)]
    assert [p.utilisateur_id for p in propose_comptes(accounts, context(*accounts))] == [1, 3]
