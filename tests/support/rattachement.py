"""Temps 2 in tests: legacy data and a Temps 1 offre built by the real import, the digests of
the legacy tables, and workbook 2 read and edited like a person would."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from service.imports.template import build_template
from service.legacy.generator import generate
from service.legacy.noisy_temps1 import noisy_from_legacy
from tests.support.api import wait_for
from tests.support.libreoffice import SOFFICE, saved_by_calc

SIAO_KEYS = {
    "entite": "id",
    "structure": "id",
    "groupe_places": "id",
    "utilisateur": "id",
    "utilisateur_profil": "utilisateur_id, profil_historique_code",
}
NATIONAL = "equipe.projet@offre-siao.gouv.fr"


def siao_digests(engine: Engine) -> dict[str, str]:
    """Per legacy table: its row count and the md5 of its rows as text, by primary key."""
    with engine.connect() as conn:
        return {
            table: conn.execute(
                text(
                    f"SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' "
                    f"ORDER BY {', '.join(f't.{k.strip()}' for k in key.split(','))}), '')) "
                    f"FROM siao.{table} t"
                )
            ).scalar_one()
            for table, key in SIAO_KEYS.items()
        }


def temps1_world(
    engine: Engine,
    client: TestClient,
    national: dict[str, str],
    departements: Sequence[str] = ("75", "93"),
    taille: int = 40,
    graine: int = 11,
) -> None:
    """Legacy data for ``departements`` and their offre imported from the noisy Temps 1
    workbook by the real API and worker (the state Temps 2 starts from)."""
    with engine.begin() as conn:
        generate(conn, list(departements), size=taille, seed=graine)
        noisy = noisy_from_legacy(conn, list(departements), graine=graine)
    response = client.post(
        "/api/v1/imports",
        headers=national,
        files={"fichier": ("temps1.xlsx", build_template(noisy.prefill))},
        data={"application": "automatique"},
    )
    assert response.status_code == 202, response.text
    job = wait_for(client, national, response.json()["id"], timeout=120)
    assert job["statut"] == "termine", job


class Sheet:
    """One sheet of a workbook as header → column, to read and edit rows by header."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.columns = {cell.value: cell.column for cell in ws[1] if cell.value}

    def rows(self) -> list[dict[str, Any]]:
        found = []
        for row in range(2, self.ws.max_row + 1):
            values = {h: self.ws.cell(row=row, column=c).value for h, c in self.columns.items()}
            if any(v not in (None, "") for v in values.values()):
                found.append({"ligne": row, **values})
        return found

    def set(self, ligne: int, header: str, value: object) -> None:
        self.ws.cell(row=ligne, column=self.columns[header]).value = value


def open_xlsx(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


def saved(wb: Any) -> bytes:
    """The edited workbook, saved again by LibreOffice Calc when it is installed."""
    out = io.BytesIO()
    wb.save(out)
    return saved_by_calc(out.getvalue(), "xlsx") if SOFFICE else out.getvalue()
