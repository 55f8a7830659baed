"""Issue 3's « done when », on the real stack (API and worker processes): a départemental
admin imports a workbook written by LibreOffice Calc, sees each anomaly at its row with its
code, fixes it, re-imports (0 créations, 0 modifications the second time) and reads the result
through the API; an admin of another département can neither see nor touch any of it."""

from __future__ import annotations

from tests.support.fault_stack import FaultStack
from tests.support.libreoffice import saved_by_calc
from tests.support.samples import DISPOSITIFS_ROWS, ENTITES_ROWS, fill


def test_departemental_admin_round_trip_on_the_process_stack(process_stack: FaultStack) -> None:
    stack = process_stack
    paris = stack.user("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", "75")
    lyon = stack.user("admin.lyon@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", "69")
    template = stack.http.get("/api/v1/modeles/offre.xlsx", headers=paris).content

    faulty = saved_by_calc(fill(template, ENTITES_ROWS, DISPOSITIFS_ROWS), "xlsx")
    job = stack.wait(paris, stack.submit(paris, faulty).json()["id"])
    assert job["statut"] == "invalide"
    anomalies = stack.http.get(f"/api/v1/jobs/{job['id']}/anomalies", headers=paris).json()
    assert {(a["feuille"], a["ligne"], a["code"]) for a in anomalies["items"]} == {
        ("Dispositifs", 3, "CAPACITE_INTERDITE"),
        ("Dispositifs", 4, "SIRET_INVALIDE"),
    }
    for path in (f"/api/v1/jobs/{job['id']}", f"/api/v1/jobs/{job['id']}/rapport.xlsx"):
        assert stack.http.get(path, headers=lyon).status_code == 404
    assert stack.http.post(f"/api/v1/jobs/{job['id']}/appliquer", headers=lyon).status_code == 404

    rows = [dict(r) for r in DISPOSITIFS_ROWS]
    rows[1]["capacite_financee"] = None
    rows[2]["siret"] = "73282932000074"
    fixed = saved_by_calc(fill(template, ENTITES_ROWS, rows), "xlsx")
    first = stack.wait(paris, stack.submit(paris, fixed, application="automatique").json()["id"])
    assert (first["statut"], first["creations"]) == ("termine", 4)
    again = stack.wait(paris, stack.submit(paris, fixed, application="automatique").json()["id"])
    assert (again["statut"], again["creations"], again["modifications"]) == ("termine", 0, 0)

    listing = stack.http.get("/api/v1/departements/75/dispositifs", headers=paris).json()
    assert listing["total"] == 3
    assert stack.http.get("/api/v1/departements/75/dispositifs", headers=lyon).status_code == 404
    assert stack.http.get("/api/v1/jobs", headers=lyon).json()["total"] == 0
