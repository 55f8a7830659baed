"""`offre rattachement exporter | importer | etat` against a running API and worker: legacy data
and its noisy Temps 1 workbook from `offre historique generer`, imported, then the operator of
93 exports workbook 2, accepts the proposals, excludes the groupes without one, imports it and
reads the figures."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.fault_stack import FaultStack, offre
from tests.support.processes import cli
from tests.support.rattachement import Sheet, open_xlsx


def test_export_import_and_figures(process_stack: FaultStack, tmp_path: Path) -> None:
    stack = process_stack
    temps1 = tmp_path / "temps1.xlsx"
    generated = subprocess.run(
        cli(
            "historique",
            "generer",
            "--departement",
            "93",
            "--taille",
            "30",
            "--classeur-bruite",
            str(temps1),
        ),
        env={**stack.env, "OFFRE_ALLOW_DEMO_DATA": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    national = stack.user("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")[
        "Authorization"
    ].split()[1]
    done = offre(stack, national, "importer", str(temps1), "--appliquer", "--attendre")
    assert done.returncode == 0, done.stdout + done.stderr
    operator = stack.user("operateur.93@siao93.fr", "OPERATEUR_SIAO", "93")[
        "Authorization"
    ].split()[1]

    workbook = tmp_path / "rattachement-93.xlsx"
    exported = offre(stack, operator, "rattachement", "exporter", "93", str(workbook))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    wb = open_xlsx(workbook.read_bytes())
    groupes = Sheet(wb["Groupes de places"])
    rows = groupes.rows()
    for row in rows:
        groupes.set(
            row["ligne"], "Décision", "Rattacher" if row["Dispositif proposé"] else "Exclure"
        )
    wb.save(workbook)

    imported = offre(
        stack, operator, "rattachement", "importer", str(workbook), "--appliquer", "--attendre"
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "terminé" in imported.stdout
    assert f"{len(rows)} nouvelle(s)" in imported.stdout

    state = offre(stack, operator, "rattachement", "etat", "93")
    assert state.returncode == 0, state.stdout + state.stderr
    exclus = sum(1 for r in rows if not r["Dispositif proposé"])
    assert (
        f"Groupes de places : {len(rows)} — {len(rows) - exclus} rattaché(s), {exclus} exclu(s), "
        "0 à décider." in state.stdout
    )
    assert "UTILISATEUR_A_DECIDER" in state.stdout

    elsewhere = offre(stack, operator, "rattachement", "etat", "75")
    assert elsewhere.returncode == 1 and "404" in elsewhere.stderr
