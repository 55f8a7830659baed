"""The preflight on generated data: the national load and the one-département load agree, and
the preflight agrees with what Temps 2 shows operators (service/rattachement/progress.py) —
before any decision and once everything is decided."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.auth.accounts import identity_for
from service.bascule.preflight import preparations
from service.bascule.preflight_data import load_preflight
from service.db.engine import session_scope
from service.legacy.temps2_decisions import decide_everything
from service.rattachement.progress import progression
from service.rattachement.queries import load_contexte
from tests.support.rattachement import NATIONAL, temps1_world

DEPARTEMENTS = ("75", "93", "2A")
# Temps 2's blockers and the preflight's codes for the same thing.
SAME = {"GROUPE_A_DECIDER": "GROUPE_NON_RATTACHE"}


def _compare(engine: Engine) -> dict[str, dict[str, int]]:
    with engine.connect() as conn:
        national = {p.departement: p for p in preparations(load_preflight(conn))}
        for dep in DEPARTEMENTS:
            (alone,) = preparations(load_preflight(conn, [dep]))
            assert alone.comptes_bloquants == national[dep].comptes_bloquants, dep
            assert (alone.groupes, alone.utilisateurs) == (
                national[dep].groupes,
                national[dep].utilisateurs,
            )
    return {dep: national[dep].comptes_bloquants for dep in DEPARTEMENTS}


@pytest.mark.usefixtures("celery_worker")
def test_preflight_agrees_with_itself_and_with_temps2(
    engine: Engine,
    api_client: TestClient,
    user_headers,  # type: ignore[no-untyped-def]
) -> None:
    national = user_headers(NATIONAL, "ADMIN_NATIONAL")
    temps1_world(engine, api_client, national, DEPARTEMENTS, taille=30, graine=4)
    before = _compare(engine)
    with session_scope() as session:
        for dep in DEPARTEMENTS:
            temps2 = progression(load_contexte(session, dep)).bloquants
            found = before[dep]
            assert found["GROUPE_NON_RATTACHE"] == temps2["GROUPE_A_DECIDER"]
            undecided = found.get("UTILISATEUR_NON_MIGRE", 0) + found.get("CONFLIT_PROFILS", 0)
            assert undecided == temps2["UTILISATEUR_A_DECIDER"]
            assert found["CONFLIT_PROFILS"] > 0  # the generator's conflicts, still undecided
        identity = identity_for(session, NATIONAL)
        assert identity is not None
        decide_everything(session, DEPARTEMENTS, identity.utilisateur_id)
    after = _compare(engine)
    with session_scope() as session:
        for dep in DEPARTEMENTS:
            assert progression(load_contexte(session, dep)).bloquants == {}
            # What Temps 2 does not judge: places occupied in excluded groupes.
            assert set(after[dep]) <= {"GROUPE_EXCLU_OCCUPE"}, after
