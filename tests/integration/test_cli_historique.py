"""`offre historique generer`: deterministic demo data, never next to existing legacy rows."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Engine, text

DIGEST = (
    "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t.id)) FROM siao.{table} t",
    ("entite", "structure", "groupe_places", "utilisateur"),
)


def offre(*args: str, demo: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("OFFRE_ALLOW_DEMO_DATA", None)
    if demo:
        env["OFFRE_ALLOW_DEMO_DATA"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "historique", "generer", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def digests(engine: Engine) -> dict[str, tuple[int, str | None]]:
    sql, tables = DIGEST
    with engine.connect() as conn:
        return {t: tuple(conn.execute(text(sql.format(table=t))).one()) for t in tables}  # type: ignore[misc]


def test_configured_database_needs_the_demo_setting(engine: Engine) -> None:
    result = offre("--departement", "75", demo=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "OFFRE_ALLOW_DEMO_DATA=1" in result.stdout
    assert digests(engine)["structure"][0] == 0


def test_generates_then_refuses_a_departement_that_has_legacy_rows(
    engine: Engine, tmp_path: Path
) -> None:
    classeur = tmp_path / "temps1-bruite.xlsx"
    result = offre("--departement", "75", "--departement", "93", "--taille", "30", "--graine", "5",
                   "--classeur-bruite", str(classeur))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Données SI SIAO historiques générées pour 75, 93" in result.stdout
    with engine.connect() as conn:
        structures = conn.execute(text("SELECT count(*) FROM siao.structure")).scalar_one()
        groupes = conn.execute(
            text(
                "SELECT s.departement, count(*) FROM siao.groupe_places g "
                "JOIN siao.structure s ON s.id = g.structure_id GROUP BY 1 ORDER BY 1"
            )
        ).all()
        module = conn.execute(text("SELECT count(*) FROM offre.utilisateur")).scalar_one()
    assert [tuple(g) for g in groupes] == [("75", 30), ("93", 30)]
    assert f" {structures} structures" in result.stdout
    assert module >= 3  # an operator per département and the DRIHL agent of 75 and 93
    assert "offre.utilisateur" in result.stdout
    assert f"Classeur Temps 1 bruité : {classeur}" in result.stdout
    assert load_workbook(classeur, read_only=True).sheetnames[1:3] == ["Entités", "Dispositifs"]
    with (tmp_path / "temps1-bruite.verite.csv").open(encoding="utf-8") as truth:
        rows = list(csv.DictReader(truth, delimiter=";"))
    with engine.connect() as conn:
        active = conn.execute(
            text("SELECT count(*) FROM siao.groupe_places g JOIN siao.structure s"
                 " ON s.id = g.structure_id WHERE g.actif AND s.actif")
        ).scalar_one()  # fmt: skip
    assert len(rows) == active
    assert {r["raison"] for r in rows} >= {"dispositif", "dna"}
    before = digests(engine)

    again = offre("--departement", "13", "--departement", "93")
    assert again.returncode == 2
    assert "existent déjà pour 93" in again.stdout
    assert digests(engine) == before  # 13 was not written either: all or nothing


def test_same_seed_same_rows(engine: Engine) -> None:
    assert offre("--departement", "2a", "--taille", "20", "--graine", "3").returncode == 0
    first = digests(engine)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE siao.utilisateur_profil, siao.utilisateur, "
                          "siao.groupe_places, siao.structure, siao.entite, "
                          "offre.utilisateur_departement, offre.utilisateur CASCADE"))  # fmt: skip
    assert offre("--departement", "2A", "--taille", "20", "--graine", "3").returncode == 0
    assert digests(engine) == first


def test_unknown_departement_is_refused(engine: Engine) -> None:
    result = offre("--departement", "20")
    assert result.returncode == 2
    assert "« 20 » n'est pas un code de département" in result.stdout
    assert digests(engine)["structure"][0] == 0
