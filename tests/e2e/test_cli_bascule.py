"""`offre bascule preparation | lancer` against a running API and worker: the national table,
one département's detail, a simulation then the switch followed with a bar per département;
another profile is refused."""

from __future__ import annotations

from pathlib import Path

from tests.support.fault_stack import FaultStack, offre
from tests.support.temps3 import ready_stack


def test_preparation_simulation_and_switch(process_stack: FaultStack, tmp_path: Path) -> None:
    stack = process_stack
    national = ready_stack(stack, ("93", "94"), tmp_path)["Authorization"].split()[1]
    (groupe,) = stack.sql(
        "SELECT min(groupe_places_id) FROM offre.rattachement_groupe WHERE departement = '94'"
    )[0]
    response = stack.http.put(  # 94 keeps one groupe to decide
        f"/api/v1/groupes-places/{groupe}/rattachement",
        headers={"Authorization": f"Bearer {national}"},
        json={"decision": None},
    )
    assert response.status_code == 200, response.text
    table = offre(stack, national, "bascule", "preparation")
    assert table.returncode == 0, table.stdout + table.stderr
    lines = {line.split("│")[1].strip(): line for line in table.stdout.splitlines() if "│" in line}
    assert "prêt" in lines["93"] and "bloqué" in lines["94"]
    assert "GROUPE_NON_RATTACHE 1" in lines["94"]
    detail = offre(stack, national, "bascule", "preparation", "--departement", "94")
    assert detail.returncode == 0, detail.stdout + detail.stderr
    assert "GROUPE_NON_RATTACHE × 1" in detail.stdout

    simulated = offre(
        stack, national, "bascule", "lancer", "--departement", "93", "--simulation", "--attendre"
    )
    assert simulated.returncode == 0, simulated.stdout + simulated.stderr
    assert "Simulation : basculerait" in simulated.stdout
    switched = offre(
        stack, national, "bascule", "lancer", "--departement", "93", "--departement", "94",
        "--parallele", "1", "--attendre",
    )  # fmt: skip
    # 94 fails its preflight: the wave ends « terminé », naming it; the CLI says so.
    assert "93 : a basculé" in switched.stdout, switched.stdout
    assert "94 : Le département 94 ne peut pas basculer" in switched.stdout
    assert "terminé" in switched.stdout
    table = offre(stack, national, "bascule", "preparation")
    assert (
        "basculé"
        in {line.split("│")[1].strip(): line for line in table.stdout.splitlines() if "│" in line}[
            "93"
        ]
    )

    operator = stack.user("operateur.93@siao93.fr", "OPERATEUR_SIAO", "93")
    refused = offre(stack, operator["Authorization"].split()[1], "bascule", "preparation")
    assert refused.returncode == 1
    assert "HTTP 403" in refused.stderr
