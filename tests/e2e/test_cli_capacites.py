"""`offre capacites` against a running API: a switched département written as Temps 3 leaves it
(tests/support/capacites.py), read by its analyst, then the national team's whole report."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from tests.support.capacites import statements
from tests.support.fault_stack import FaultStack, offre


def test_capacity_report(process_stack: FaultStack, tmp_path: Path) -> None:
    stack = process_stack
    for statement in statements("75", switched=True):
        stack.execute(statement)
    analyst = stack.user("analyste.75@exemple.gouv.fr", "ANALYSTE", "75")
    token = analyst["Authorization"].split()[1]
    workbook = tmp_path / "capacites-75.xlsx"
    done = offre(stack, token, "capacites", "--departement", "75", "--xlsx", str(workbook))
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Capacité financée et occupation — 75 Paris" in out
    assert "6 dispositif(s) ouvert(s)." in out
    chrs = next(line for line in out.splitlines() if "│ CHRS " in line)
    assert [cell.strip() for cell in chrs.split("│")[4:10]] == [
        "1", "40", "35", "33", "94,3\u00a0%", "5"
    ], chrs  # fmt: skip
    hotel = next(line for line in out.splitlines() if "│ Hôtel " in line)
    assert "0 (1 non renseignée)" in hotel and "-10" in hotel
    assert "sans objet" in out and "logements" in out
    assert f"Rapport écrit : {workbook}" in out
    assert load_workbook(workbook).sheetnames == [
        "Dispositifs",
        "Types",
        "Catégories",
        "Département",
    ]

    refused = offre(stack, token, "capacites", "--departement", "93")
    assert refused.returncode == 1 and "HTTP 404" in refused.stderr

    national = stack.user("equipe@exemple.gouv.fr", "ADMIN_NATIONAL")["Authorization"].split()[1]
    whole = offre(stack, national, "capacites")
    assert whole.returncode == 0, whole.stdout + whole.stderr
    assert "1 département(s) basculé(s) sur 101" in whole.stdout
    assert "Non basculé(s) (100) : 01, 02," in whole.stdout
