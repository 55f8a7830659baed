"""(c) The naive script: openpyxl (full load, not read-only) + one INSERT per row.

    python bench/naive_import.py FICHIER.xlsx postgresql://…/base_migree

What a quick one-off script does: load the whole workbook with openpyxl, convert the few values
the schema needs (type label → code, lists split on « ; », dates), and send one
`INSERT … ON CONFLICT DO UPDATE` per row through SQLAlchemy Core (`conn.execute` in a loop, no
executemany), in one transaction. No validation beyond what the database enforces. Prints its
timings as JSON on its last line.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import Table, create_engine
from sqlalchemy.dialects.postgresql import insert

from service.config import sqlalchemy_url
from service.imports.columns import DISPOSITIFS, ENTITES
from service.offre.tables import Dispositif, Entite
from service.referentiels.reference_data import types
from service.referentiels.text import normalise_name

_TYPES = {t.libelle: t.code for t in types()}
_LISTS = ("finess_et", "financeurs", "publics", "structures_historiques")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        return datetime.strptime(value.strip(), "%d/%m/%Y").date()
    return None


def _rows(ws: Any, headers: dict[str, str]) -> list[dict[str, Any]]:
    rows = ws.iter_rows(values_only=True)
    first = next(rows)
    fields = [headers.get(str(h)) for h in first]
    out = []
    for values in rows:
        if all(v is None for v in values):
            continue
        out.append({f: v for f, v in zip(fields, values, strict=False) if f})
    return out


def run(path: Path, url: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    wb = load_workbook(path)  # the default: every cell object in memory, styles included
    entites = _rows(wb[ENTITES.name], {c.header: c.field for c in ENTITES.columns})
    dispositifs = _rows(wb[DISPOSITIFS.name], {c.header: c.field for c in DISPOSITIFS.columns})
    t1 = time.perf_counter()
    del wb

    engine = create_engine(sqlalchemy_url(url))
    entite_table: Table = Entite.__table__  # type: ignore[assignment]
    dispositif_table: Table = Dispositif.__table__  # type: ignore[assignment]
    entite_ids: dict[str, int] = {}
    counters: Counter[str] = Counter()
    with engine.begin() as conn:
        for e in entites:
            row = {k: _text(v) for k, v in e.items()}
            stmt = insert(entite_table).values(**row)
            upsert = stmt.on_conflict_do_update(
                index_elements=["siren"], set_={k: stmt.excluded[k] for k in row}
            ).returning(entite_table.c.id)
            entite_ids[str(row["siren"])] = conn.execute(upsert).scalar_one()
        t2 = time.perf_counter()
        for d in dispositifs:
            dep = _text(d["departement"])
            assert dep is not None
            counters[dep] += 1
            values: dict[str, Any] = {
                "identifiant": f"DSP-{dep}-{counters[dep]:06d}",
                "entite_id": entite_ids[_text(d["siren"]) or ""],
                "departement": dep,
                "type_code": _TYPES[d["type_code"]],
                "nom": d["nom"],
                "nom_normalise": normalise_name(d["nom"]),
                "siret": _text(d["siret"]),
                "adresse": _text(d["adresse"]),
                "code_postal": _text(d["code_postal"]),
                "commune": _text(d["commune"]),
                "code_commune": _text(d["code_commune"]),
                "capacite_financee": d["capacite_financee"],
                "date_ouverture": _date(d["date_ouverture"]),
                "date_fermeture": _date(d["date_fermeture"]),
                "courriel_responsable": _text(d["courriel_responsable"]),
            }
            for name in _LISTS:
                items = [p.strip() for p in str(d[name] or "").split(";") if p.strip()]
                numbers = name == "structures_historiques"
                values[name] = [int(i) for i in items] if numbers else items
            d_stmt = insert(dispositif_table).values(**values)
            conn.execute(
                d_stmt.on_conflict_do_update(
                    index_elements=["identifiant"],
                    set_={k: d_stmt.excluded[k] for k in values if k != "identifiant"},
                )
            )
    t3 = time.perf_counter()
    engine.dispose()
    return {
        "secondes": {
            "lecture_openpyxl": t1 - t0,
            "insert_entites": t2 - t1,
            "insert_dispositifs": t3 - t2,
            "total": t3 - t0,
        },
        "lignes": len(entites) + len(dispositifs),
        "entites": len(entites),
        "dispositifs": len(dispositifs),
        "rss_max_mo": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(json.dumps(run(Path(sys.argv[1]), sys.argv[2]), ensure_ascii=False))


if __name__ == "__main__":
    main()
