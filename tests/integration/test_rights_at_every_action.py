"""Rights are checked at every action, never inherited from having submitted a job: an account
whose profile or scope changed since gets 403 on appliquer, annuler, revenir; a worker checks
the submitter again before writing, and a deactivated or demoted account's job writes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from service.jobs import runner
from service.jobs.units import TASK_JOB, Unit
from tests.support.api import submit, wait_for
from tests.support.samples import GOOD_DISPOSITIFS, GOOD_ENTITES, workbook
from tests.support.units import captured_units

COURRIEL = "admin.paris@ddets.gouv.fr"


def move(engine: Engine, courriel: str, profil: str, departements: list[str]) -> None:
    """What an administrator does to an account (profile and scope changed in our database)."""
    with engine.begin() as conn:
        user_id = conn.scalar(
            text("SELECT id FROM offre.utilisateur WHERE courriel = :c"), {"c": courriel}
        )
        conn.execute(
            text("UPDATE offre.utilisateur SET profil_code = :p WHERE id = :u"),
            {"p": profil, "u": user_id},
        )
        conn.execute(
            text("DELETE FROM offre.utilisateur_departement WHERE utilisateur_id = :u"),
            {"u": user_id},
        )
        for dep in departements:
            conn.execute(
                text("INSERT INTO offre.utilisateur_departement VALUES (:u, :d)"),
                {"u": user_id, "d": dep},
            )


def deactivate(engine: Engine, courriel: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE offre.utilisateur SET actif = false WHERE courriel = :c"), {"c": courriel}
        )


def dispositifs(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM offre.dispositif")) or 0)


@pytest.mark.usefixtures("celery_worker")
def test_a_demoted_submitter_can_no_longer_revert_its_job(
    api_client: TestClient, user_headers, engine: Engine
) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers(COURRIEL, "ADMIN_DEPARTEMENTAL", ["75"])
    job = submit(
        api_client, admin, workbook(GOOD_ENTITES, GOOD_DISPOSITIFS), application="automatique"
    )
    assert wait_for(api_client, admin, job.json()["id"])["statut"] == "termine"
    move(engine, COURRIEL, "ANALYSTE", ["13"])
    response = api_client.post(f"/api/v1/jobs/{job.json()['id']}/revenir", headers=admin)
    # An ANALYSTE of 13 does not even read a 75 job; as its submitter it still reads it.
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "INTERDIT"
    assert dispositifs(engine) == len(GOOD_DISPOSITIFS)


@pytest.mark.usefixtures("celery_worker")
def test_a_demoted_submitter_can_no_longer_confirm_nor_cancel(
    api_client: TestClient, user_headers, engine: Engine
) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers(COURRIEL, "ADMIN_DEPARTEMENTAL", ["75"])
    job_id = submit(api_client, admin, workbook(GOOD_ENTITES, GOOD_DISPOSITIFS)).json()["id"]
    assert wait_for(api_client, admin, job_id)["statut"] == "valide"
    move(engine, COURRIEL, "ECOUTANT_115", ["75"])
    for action in ("appliquer", "annuler"):
        response = api_client.post(f"/api/v1/jobs/{job_id}/{action}", headers=admin)
        assert response.status_code == 403, (action, response.text)
    assert api_client.get(f"/api/v1/jobs/{job_id}", headers=admin).json()["statut"] == "valide"
    assert dispositifs(engine) == 0


@pytest.fixture
def captured() -> Iterator[list[Unit]]:
    """Units kept instead of sent: the job waits on the queue while its submitter changes."""
    with captured_units() as units:
        yield units


def run(units: list[Unit]) -> None:
    while units:
        unit = units.pop(0)
        if unit.task == TASK_JOB:
            runner.run_job_unit(unit.job_id)
        else:
            assert unit.departement is not None
            runner.run_departement_unit(unit.job_id, unit.departement)


def test_a_deactivated_national_admin_s_queued_job_writes_nothing(
    api_client: TestClient, user_headers, engine: Engine, captured: list[Unit]
) -> None:  # type: ignore[no-untyped-def]
    national = user_headers("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    rows = [[None, "732829320", "CHRS Bondy", "CHRS", "93", 10, None], *GOOD_DISPOSITIFS]
    job_id = submit(api_client, national, workbook(GOOD_ENTITES, rows), application="automatique")
    job_id = job_id.json()["id"]
    assert captured == [Unit(TASK_JOB, job_id)]  # queued, not yet run
    deactivate(engine, "equipe.projet@social.gouv.fr")
    run(captured)
    with engine.connect() as conn:
        statut, message = conn.execute(
            text("SELECT statut, message FROM offre.job WHERE id = :j"), {"j": job_id}
        ).one()
    assert statut == "echec"
    assert "n'a plus le droit" in message and "rien n'a été appliqué" in message
    assert dispositifs(engine) == 0
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM offre.entite")) == 0


def test_a_submitter_demoted_between_analysis_and_apply_writes_nothing(
    api_client: TestClient, user_headers, engine: Engine, captured: list[Unit]
) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers(COURRIEL, "ADMIN_DEPARTEMENTAL", ["75"])
    job_id = submit(api_client, admin, workbook(GOOD_ENTITES, GOOD_DISPOSITIFS)).json()["id"]
    run(captured)  # analysed: valide
    response = api_client.post(f"/api/v1/jobs/{job_id}/appliquer", headers=admin)
    assert response.status_code == 202, response.text
    move(engine, COURRIEL, "ADMIN_DEPARTEMENTAL", ["13"])  # moved to another département
    run(captured)
    job = api_client.get(
        f"/api/v1/jobs/{job_id}",
        headers=user_headers("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL"),
    ).json()
    by_dep = {d["departement"]: d for d in job["departements"]}
    assert by_dep["75"]["statut"] == "echec", job
    assert "n'a plus le droit" in by_dep["75"]["message"]
    assert dispositifs(engine) == 0
