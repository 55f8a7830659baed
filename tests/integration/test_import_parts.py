"""A large file's analysis in parts (service/imports/analysis.py): the same anomalies, plan,
counts and digests as the one-unit analysis of the same file on the same base, and a part
redelivered after a crash undoes what its first attempt committed.

The part size is lowered for these tests (``analysis_part_rows``) so that a file of a few
hundred rows is split as a national one is.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from service.config import get_settings
from service.db.engine import session_scope
from service.jobs import leases, runner
from service.jobs.tables import JobPartie
from service.jobs.units import TASK_DEPARTEMENT, TASK_JOB, TASK_PARTIE, Unit, stalled_units
from tests.support.api import submit, wait_for
from tests.support.samples import luhn_siren
from tests.support.units import captured_units
from tests.support.workbooks import xlsx_bytes

ENTITES_HEADERS = ["SIREN", "Raison sociale", "Département du siège"]
DISPOSITIFS_HEADERS = [
    "Identifiant",
    "SIREN de l'entité",
    "Nom du dispositif",
    "Type de dispositif",
    "Département",
    "Capacité financée",
    "SIRET",
    "Courriel du responsable",
]
SIRENS = [luhn_siren(1001 + n) for n in range(5)]
PART_ROWS = 60


def _typo(siren: str) -> str:
    """One digit changed: the Luhn key fails, and the real SIREN is one typo away."""
    return siren[:3] + str((int(siren[3]) + 1) % 10) + siren[4:]


def base_workbook() -> bytes:
    entites = [[s, f"Association {n}", "75"] for n, s in enumerate(SIRENS[:4])]
    dispositifs = [
        [None, SIRENS[n % 4], f"Base {dep} {n}", "CHRS", dep, 10, None, None]
        for dep in ("13", "75")
        for n in range(30)
    ]
    return xlsx_bytes(
        {
            "Entités": [ENTITES_HEADERS, *entites],
            "Dispositifs": [DISPOSITIFS_HEADERS, *dispositifs],
        }
    )


def national_like_workbook() -> bytes:
    """Modifications, unchanged rows and closures (miroir) in 13 and 75, créations elsewhere,
    and anomalies spread over every part, some of them found only across parts."""
    entites = [[s, f"Association {n}", "75"] for n, s in enumerate(SIRENS)]
    rows: list[list[Any]] = []
    for dep in ("13", "75"):
        rows += [
            [None, SIRENS[n % 4], f"Base {dep} {n}", "CHRS", dep, 10 + n % 2, None, None]
            for n in range(20)
        ]
    for dep in ("2A", "33", "69"):
        rows += [
            [None, SIRENS[n % 5], f"Nouveau {dep} {n}", "Pension de famille", dep, 5, None, None]
            for n in range(60)
        ]
    rows[4][6] = "73282932000075"  # bad SIRET key
    rows[10] = [None, SIRENS[1], "Doublon Lyon", "CHRS", "69", 8, None, None]
    rows[200] = [None, SIRENS[1], "Doublon Lyon", "CHRS", "69", 9, None, None]  # other part
    rows[150][1] = _typo(SIRENS[4])  # SIREN only the Entités sheet of this file holds
    rows[90][1] = luhn_siren(9999)  # a valid SIREN of no entité
    rows[120][7] = "contact@gmail.com"
    rows[210][7] = "jean.dupont@gmail.com"
    return xlsx_bytes(
        {
            "Entités": [ENTITES_HEADERS, *entites],
            "Dispositifs": [DISPOSITIFS_HEADERS, *rows],
        }
    )


@pytest.fixture
def admin(user_headers) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return user_headers("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("OFFRE_ANALYSIS_PART_ROWS", str(PART_ROWS))
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("OFFRE_ANALYSIS_PART_ROWS")
    get_settings.cache_clear()


def _rows(sql: str, job_id: int) -> list[tuple[Any, ...]]:
    with session_scope() as session:
        return [tuple(r) for r in session.execute(text(sql), {"job": job_id})]


def snapshot(job_id: int) -> dict[str, Any]:
    """What an analysis leaves: anomalies, plan, counts, digests."""
    return {
        "job": _rows(
            "SELECT statut, etape, lignes, traitees, erreurs, avertissements, creations, "
            "modifications, inchanges, fermetures, empreinte FROM offre.job WHERE id = :job",
            job_id,
        ),
        "departements": _rows(
            "SELECT departement, statut, lignes, traitees, erreurs, avertissements, creations, "
            "modifications, inchanges, fermetures, empreinte FROM offre.job_departement "
            "WHERE job_id = :job ORDER BY departement",
            job_id,
        ),
        "anomalies": _rows(
            "SELECT departement, feuille, ligne, colonne, valeur, code, severite, message "
            "FROM offre.job_anomalie WHERE job_id = :job ORDER BY 2, 3, 4, 6, 8",
            job_id,
        ),
        "plan": _rows(
            "SELECT feuille, ligne, departement, action, cle, cible_id, avant::text, apres::text "
            "FROM offre.job_plan WHERE job_id = :job ORDER BY 1, 3, 2, 4, 5",
            job_id,
        ),
        "lignes": _rows(
            "SELECT feuille, ligne, departement, cle, donnees::text, erreur FROM offre.job_ligne "
            "WHERE job_id = :job ORDER BY 1, 2",
            job_id,
        ),
    }


def parts_of(job_id: int) -> list[tuple[str, str]]:
    return _rows(
        "SELECT partie, statut FROM offre.job_partie WHERE job_id = :job ORDER BY partie", job_id
    )


def analysed(client: TestClient, headers: dict[str, str], data: bytes) -> int:
    response = submit(client, headers, data, mode="miroir")
    assert response.status_code == 202, response.text
    job = wait_for(client, headers, response.json()["id"])
    assert job["statut"] == "invalide", job
    return int(job["id"])


@pytest.fixture
def base(api_client: TestClient, admin: dict[str, str], celery_worker: Any) -> None:
    response = submit(api_client, admin, base_workbook(), application="automatique")
    assert response.status_code == 202, response.text
    job = wait_for(api_client, admin, response.json()["id"])
    assert job["statut"] == "termine", job
    assert parts_of(job["id"]) == []  # 60 rows: one unit


def test_parts_give_what_one_unit_gives(
    api_client: TestClient, admin: dict[str, str], base: None, small_parts: None
) -> None:
    data = national_like_workbook()
    get_settings.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OFFRE_ANALYSIS_PART_ROWS", "100000")
        get_settings.cache_clear()
        whole = analysed(api_client, admin, data)
    get_settings.cache_clear()
    assert parts_of(whole) == []
    expected = snapshot(whole)

    split = analysed(api_client, admin, data)
    parts = parts_of(split)
    lines = [p for p, _ in parts if p.startswith("lignes:")]
    plans = [p for p, _ in parts if p.startswith("plan:")]
    # 220 Dispositifs rows (lines 2-221) in ranges of 60; 5 départements planned in groups.
    assert lines == [
        "lignes:000002-000061",
        "lignes:000062-000121",
        "lignes:000122-000181",
        "lignes:000182-000221",
    ]
    assert len(plans) >= 2
    assert {s for _, s in parts} == {"termine"}
    got = snapshot(split)
    assert got["anomalies"] == expected["anomalies"]
    codes = {a[5] for a in got["anomalies"]}
    assert {"SIRET_INVALIDE", "DOUBLON_DANS_LE_FICHIER", "ENTITE_INCONNUE"} <= codes
    assert any("Vouliez-vous dire" in a[7] and SIRENS[4] in a[7] for a in got["anomalies"])
    assert got == expected
    # What the parts shared is gone with the analysis.
    assert _rows("SELECT job_id FROM offre.import_paquet WHERE job_id = :job", split) == []


def run(units: list[Unit], crash_first_part: bool) -> None:
    """Run what was sent as workers would; the first lines part « crashes » once after
    committing its first batch, and is redelivered whole after its lease expired."""
    while units:
        unit = units.pop(0)
        if unit.task == TASK_JOB:
            runner.run_job_unit(unit.job_id)
        elif unit.task == TASK_PARTIE:
            assert unit.partie is not None
            partie = unit.partie
            if crash_first_part:
                crash_first_part = False
                _crash_after_first_batch(unit.job_id, partie)
            runner.run_partie_unit(unit.job_id, partie)
        else:
            assert unit.task == TASK_DEPARTEMENT and unit.departement is not None
            runner.run_departement_unit(unit.job_id, unit.departement)


def _crash_after_first_batch(job_id: int, partie: str) -> None:
    with session_scope() as session:
        lease = leases.claim(session, job_id, None, partie)
    assert lease is not None
    with session_scope() as session:
        steps = runner._partie_stage(session, lease)
        assert steps is not None
        next(steps)
        session.commit()  # the first batch is staged and counted; then the worker dies
    with session_scope() as session:
        staged = session.execute(
            text("SELECT count(*) FROM offre.job_ligne WHERE job_id = :job AND feuille = :f"),
            {"job": job_id, "f": "Dispositifs"},
        ).scalar_one()
        assert staged > 0  # the crash happened after a commit: there is something to undo
        session.execute(
            update(JobPartie)
            .where(JobPartie.job_id == job_id, JobPartie.partie == partie)
            .values(bail_expire=text("now() - interval '1 second'"))
        )


def test_a_redelivered_part_undoes_its_first_attempt(
    api_client: TestClient,
    admin: dict[str, str],
    base: None,
    small_parts: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = national_like_workbook()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OFFRE_ANALYSIS_PART_ROWS", "100000")
        get_settings.cache_clear()
        expected = snapshot(analysed(api_client, admin, data))
    monkeypatch.setenv("OFFRE_BATCH_SIZE", "25")  # several commits per part
    get_settings.cache_clear()
    with captured_units() as captured:
        response = submit(api_client, admin, data, mode="miroir")
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        run(captured, crash_first_part=True)
    assert {s for _, s in parts_of(job_id)} == {"termine"}
    got = snapshot(job_id)
    assert got == expected


@pytest.fixture
def captured() -> Iterator[list[Unit]]:
    """Units captured instead of sent to the broker: the test runs them itself."""
    with captured_units() as units:
        yield units


def split_submitted(client: TestClient, headers: dict[str, str], units: list[Unit]) -> int:
    """A file submitted and its job-level unit run: its parts are published, none run."""
    response = submit(client, headers, national_like_workbook(), mode="miroir")
    assert response.status_code == 202, response.text
    job_id = int(response.json()["id"])
    assert units.pop(0) == Unit(TASK_JOB, job_id)
    runner.run_job_unit(job_id)
    assert {u.task for u in units} == {TASK_PARTIE}
    assert len(units) == 4
    return job_id


def job_state(job_id: int) -> tuple[str, str | None]:
    ((statut, message),) = _rows("SELECT statut, message FROM offre.job WHERE id = :job", job_id)
    return statut, message


@pytest.mark.usefixtures("base", "small_parts")
def test_cancelled_while_parts_wait_ends_them_all(
    api_client: TestClient, admin: dict[str, str], captured: list[Unit]
) -> None:
    job_id = split_submitted(api_client, admin, captured)
    response = api_client.post(f"/api/v1/jobs/{job_id}/annuler", headers=admin)
    assert response.status_code == 202, response.text  # asked: the parts stop between batches
    run(captured, crash_first_part=False)
    assert job_state(job_id)[0] == "annule"
    assert {s for _, s in parts_of(job_id)} == {"annule"}
    assert [u for u in captured if u.task == TASK_JOB] == []  # nothing resumes


@pytest.mark.usefixtures("base", "small_parts")
def test_a_failing_part_fails_the_job_with_its_reason(
    api_client: TestClient, admin: dict[str, str], captured: list[Unit]
) -> None:
    job_id = split_submitted(api_client, admin, captured)
    with session_scope() as session:  # what the parts read is gone: the first part fails
        session.execute(
            text("DELETE FROM offre.import_paquet WHERE job_id = :job"), {"job": job_id}
        )
    run(captured, crash_first_part=False)
    statut, message = job_state(job_id)
    assert (statut, message) == ("echec", "erreur interne (AssertionError)")
    assert {s for _, s in parts_of(job_id)} == {"echec"}


@pytest.mark.usefixtures("base", "small_parts")
def test_the_reconciler_publishes_parts_lost_on_the_way(
    api_client: TestClient, admin: dict[str, str], captured: list[Unit]
) -> None:
    job_id = split_submitted(api_client, admin, captured)
    lost = sorted(str(u.partie) for u in captured)
    captured.clear()  # the broker lost them
    with session_scope() as session:
        again = stalled_units(session, timedelta(0))
    assert sorted(str(u.partie) for u in again if u.job_id == job_id) == lost
    assert {u.task for u in again} == {TASK_PARTIE}
