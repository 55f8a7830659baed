"""`offre importer --attendre`, `offre jobs`, `offre job` against a running API and worker."""

from __future__ import annotations

from pathlib import Path

from tests.support.fault_stack import FaultStack, offre
from tests.support.samples import WORKBOOK
from tests.support.workbooks import xlsx_bytes


def test_import_follow_and_list(process_stack: FaultStack, tmp_path: Path) -> None:
    stack = process_stack
    headers = stack.user("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    token = headers["Authorization"].split()[1]
    good = tmp_path / "national.xlsx"
    good.write_bytes(WORKBOOK)

    done = offre(stack, token, "importer", str(good), "--appliquer", "--attendre")
    assert done.returncode == 0, done.stdout + done.stderr
    for dep in ("13", "33", "69", "75"):
        assert f"{dep} " in done.stdout
    assert "terminé" in done.stdout and "Total : 102 créé(s), 0 modifié(s)" in done.stdout
    assert done.stdout.count("terminé — 25 créé(s)") == 2 * 4  # each bar, then the summary
    assert "Pour revenir en arrière : offre revenir 1 --jeton JETON --api" in done.stdout

    bad = tmp_path / "faux.xlsx"
    bad.write_bytes(
        xlsx_bytes(
            {
                "Entités": [
                    ["SIREN", "Raison sociale", "Département du siège"],
                    ["732829321", "Aurore", "75"],
                ],
                "Dispositifs": [
                    ["SIREN de l'entité", "Nom du dispositif", "Type de dispositif", "Département"]
                ],
            }
        )
    )
    refused = offre(stack, token, "importer", str(bad), "--attendre")
    assert refused.returncode == 1
    assert "SIREN_INVALIDE" in refused.stdout and "invalide" in refused.stdout

    listing = offre(stack, token, "jobs")
    assert listing.returncode == 0 and "2 job(s)." in listing.stdout
    detail = offre(stack, token, "job", "1")
    assert detail.returncode == 0 and "75" in detail.stdout and "terminé" in detail.stdout
