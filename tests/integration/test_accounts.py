"""Account management (service/auth/accounts.py): a profile and its perimeter checked together,
changes and deactivations audited in the same transaction, an inactive account has no rights."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from service.auth.accounts import (
    AccountError,
    add_user,
    deactivate_user,
    identity_for,
    list_users,
    update_user,
)
from service.db.engine import session_scope
from service.jobs.tables import Audit

OPERATOR = "agent@poste (ligne de commande)"


def _audit(engine: Engine) -> list[Audit]:
    with session_scope() as session:
        return list(session.scalars(select(Audit).order_by(Audit.id)))


def test_change_of_profile_and_perimeter_is_audited(engine: Engine) -> None:
    with session_scope() as session:
        add_user(session, "a.b@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"], par=OPERATOR)
    with session_scope() as session:
        before, after = update_user(
            session, "A.B@ddets.gouv.fr", "ANALYSTE", ["13", "13"], par=OPERATOR
        )
    assert (before.profil, before.departements) == ("ADMIN_DEPARTEMENTAL", ("75",))
    assert (after.profil, after.departements) == ("ANALYSTE", ("13",))
    with session_scope() as session:
        identity = identity_for(session, "a.b@ddets.gouv.fr")
        assert identity is not None
        assert (identity.profil, identity.departements) == ("ANALYSTE", frozenset({"13"}))
        # Only the profile changes: the départements are kept while they still make sense.
        update_user(session, "a.b@ddets.gouv.fr", "ADMIN_SIAO", par=OPERATOR)
        kept = identity_for(session, "a.b@ddets.gouv.fr")
        assert kept is not None and kept.departements == frozenset({"13"})
        # A national profile has no départements: they go.
        update_user(session, "a.b@ddets.gouv.fr", "ADMIN_NATIONAL", par=OPERATOR)
        national = identity_for(session, "a.b@ddets.gouv.fr")
        assert national is not None and national.departements == frozenset()
    rows = _audit(engine)
    assert [r.action for r in rows] == ["compte.creation", *["compte.modification"] * 3]
    assert rows[1].details == {
        "courriel": "a.b@ddets.gouv.fr",
        "par": OPERATOR,
        "avant": {"profil": "ADMIN_DEPARTEMENTAL", "departements": ["75"], "entite_id": None},
        "apres": {"profil": "ANALYSTE", "departements": ["13"], "entite_id": None},
    }
    assert all(r.objet == "utilisateur" and r.job_id is None for r in rows)


@pytest.mark.parametrize(
    ("profil", "departements", "refused"),
    [
        ("ROI", None, "Profil « ROI » inconnu"),
        ("ADMIN_NATIONAL", ["75"], "n'a pas de périmètre départemental"),
        ("GESTIONNAIRE_ENTITE", None, "demande --entite SIREN"),
        (None, ["2C"], "Département « 2C » inconnu"),
        ("ADMIN_DEPARTEMENTAL", ["75"], "Rien à modifier"),
    ],
)
def test_refused_changes_change_nothing(
    engine: Engine, profil: str | None, departements: list[str] | None, refused: str
) -> None:
    with session_scope() as session:
        add_user(session, "c.d@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    with pytest.raises(AccountError, match=refused), session_scope() as session:
        update_user(session, "c.d@ddets.gouv.fr", profil, departements)
    with session_scope() as session:
        identity = identity_for(session, "c.d@ddets.gouv.fr")
    assert identity is not None
    assert (identity.profil, identity.departements) == ("ADMIN_DEPARTEMENTAL", frozenset({"75"}))
    assert [r.action for r in _audit(engine)] == ["compte.creation"]


def test_deactivated_account_has_no_identity_and_frees_its_email(engine: Engine) -> None:
    with session_scope() as session:
        add_user(session, "e.f@siao.fr", "ANALYSTE", ["93"])
    with session_scope() as session:
        deactivate_user(session, "e.f@siao.fr", par=OPERATOR)
    with session_scope() as session:
        assert identity_for(session, "e.f@siao.fr") is None
        with pytest.raises(AccountError, match="Aucun compte actif"):
            deactivate_user(session, "e.f@siao.fr")
        with pytest.raises(AccountError, match="Aucun compte actif"):
            update_user(session, "e.f@siao.fr", "ADMIN_SIAO")
        add_user(session, "e.f@siao.fr", "ADMIN_SIAO", ["93"])  # a new account, same e-mail
    with session_scope() as session:
        active = list_users(session)
        every = list_users(session, include_inactive=True)
    assert [(a.courriel, a.profil, a.actif) for a in active] == [
        ("e.f@siao.fr", "ADMIN_SIAO", True)
    ]
    assert sorted((a.profil, a.actif, a.departements) for a in every) == [
        ("ADMIN_SIAO", True, ("93",)),
        ("ANALYSTE", False, ("93",)),
    ]
    deactivation = [r for r in _audit(engine) if r.action == "compte.desactivation"]
    assert len(deactivation) == 1 and deactivation[0].details["par"] == OPERATOR
    assert deactivation[0].details["avant"]["profil"] == "ANALYSTE"
