"""(b) The physical reference: one process, calamine → validation → COPY → INSERT … ON CONFLICT.

    python bench/reference_pipeline.py FICHIER.xlsx postgresql://…/base_migree

The same file as the job, through the project's own pure pieces (normalise_row, the row rules,
the cross-row rules against keys loaded once), then one transaction: COPY into temporary tables
and `INSERT … ON CONFLICT` into offre.entite and offre.dispositif, identifiers allocated from
offre.dispositif_sequence. No staging table, no plan, no journal, no job bookkeeping, no
pre-scan: the floor the jobs are measured against (ARCHITECTURE.md §8, « calamine + COPY
upsert »). The upload check and pre-scan the service runs first are timed apart, after the
total (`hors_total_controle_et_pre_scan`). Prints the stage timings as JSON on its last line.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
from python_calamine import CalamineWorkbook

from service.config import libpq_url
from service.imports import cross_rules, rules
from service.imports.columns import DISPOSITIFS, ENTITES, Sheet
from service.imports.cross_rules import DispositifKey, EntiteKey, KnownKeys
from service.imports.filecheck import FileRefusal, inspect_upload
from service.imports.normalise import NormalisedRow, normalise_row
from service.imports.prescan import prescan
from service.offre.fields import DISPOSITIF_FIELDS, ENTITE_FIELDS
from service.referentiels.text import fold, normalise_name

_D_COLUMNS = [f for f in DISPOSITIF_FIELDS if f != "siren"]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_sheet(workbook: CalamineWorkbook, spec: Sheet) -> list[tuple[int, dict[str, Any]]]:
    """(line, {field: raw}) of the non-blank rows, headers mapped like the reader does."""
    name = next(n for n in workbook.sheet_names if fold(n) == fold(spec.name))
    rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    keys = {fold(h): c.field for c in spec.columns for h in (c.header, *c.aliases)}
    columns = {keys[fold(str(h))]: i for i, h in enumerate(rows[0]) if fold(str(h)) in keys}
    out = []
    for index, values in enumerate(rows[1:], start=2):
        cells = {f: values[i] if i < len(values) else "" for f, i in columns.items()}
        if not all(_blank(v) for v in cells.values()):
            out.append((index, cells))
    return out


def _dispositif_key(row: NormalisedRow) -> DispositifKey:
    v = row.values
    return DispositifKey(
        row.ligne,
        v.get("identifiant"),
        v.get("siren"),
        v.get("departement"),
        v.get("type_code"),
        v.get("nom"),
        row.has_error,
    )


def run(path: Path, url: str) -> dict[str, Any]:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    workbook = CalamineWorkbook.from_path(str(path))
    raw_entites = read_sheet(workbook, ENTITES)
    raw_dispositifs = read_sheet(workbook, DISPOSITIFS)
    del workbook
    t1 = time.perf_counter()
    timings["lecture_calamine"] = t1 - t0

    ctx = rules.RuleContext(scope=None, state_profile=True)
    entites = [normalise_row(ENTITES, line, cells) for line, cells in raw_entites]
    dispositifs = []
    for line, cells in raw_dispositifs:
        row = normalise_row(DISPOSITIFS, line, cells)
        row.anomalies.extend(rules.check_dispositif_row(row, ctx))
        dispositifs.append(row)
    del raw_entites, raw_dispositifs
    t2 = time.perf_counter()
    timings["normalisation_regles"] = t2 - t1

    with psycopg.connect(libpq_url(url)) as conn:
        sirens = frozenset(r[0] for r in conn.execute("SELECT siren FROM offre.entite"))
        identifiants: dict[str, str] = dict(
            conn.execute("SELECT identifiant, departement FROM offre.dispositif").fetchall()
        )
        conn.rollback()
        e_keys = [EntiteKey(r.ligne, r.values.get("siren"), r.has_error) for r in entites]
        d_keys = [_dispositif_key(r) for r in dispositifs]
        crossed = cross_rules.entite_rules(e_keys) + cross_rules.dispositif_rules(
            d_keys, e_keys, KnownKeys(sirens, identifiants), ctx.scope
        )
        bad = {(a.feuille, a.ligne) for a in crossed if a.blocking}
        codes = Counter(a.code for r in (*entites, *dispositifs) for a in r.anomalies)
        codes.update(a.code for a in crossed)
        good_e = [r for r in entites if not r.has_error and (r.feuille, r.ligne) not in bad]
        good_d = [r for r in dispositifs if not r.has_error and (r.feuille, r.ligne) not in bad]
        t3 = time.perf_counter()
        timings["regles_croisees"] = t3 - t2

        counts = _write(conn, good_e, good_d, timings)
        conn.commit()
    t4 = time.perf_counter()
    timings["total"] = t4 - t0
    # Not part of the reference: what the service adds before any parser (for the analysis).
    data = path.read_bytes()
    info = inspect_upload(path.name, data)
    assert not isinstance(info, FileRefusal), info
    refused = prescan(data, info.format)
    assert not isinstance(refused, FileRefusal), refused
    timings["hors_total_controle_et_pre_scan"] = time.perf_counter() - t4
    return {
        "secondes": timings,
        "lignes": len(entites) + len(dispositifs),
        "entites": len(entites),
        "dispositifs": len(dispositifs),
        "lignes_rejetees": len(entites) + len(dispositifs) - len(good_e) - len(good_d),
        "anomalies": dict(codes),
        **counts,
        "rss_max_mo": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _write(
    conn: psycopg.Connection[Any],
    entites: list[NormalisedRow],
    dispositifs: list[NormalisedRow],
    timings: dict[str, float],
) -> dict[str, int]:
    t0 = time.perf_counter()
    e_cols = list(ENTITE_FIELDS)
    conn.execute(
        f"CREATE TEMP TABLE tmp_e ON COMMIT DROP AS SELECT {', '.join(e_cols)} "
        "FROM offre.entite WITH NO DATA"
    )
    with conn.cursor().copy(f"COPY tmp_e ({', '.join(e_cols)}) FROM STDIN") as copy:
        for r in entites:
            copy.write_row([r.values.get(c) for c in e_cols])
    t1 = time.perf_counter()
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in e_cols if c != "siren")
    e_rows = conn.execute(
        f"INSERT INTO offre.entite ({', '.join(e_cols)}) SELECT {', '.join(e_cols)} FROM tmp_e "
        f"ON CONFLICT (siren) DO UPDATE SET {sets}, modifie_le = now() "
        "RETURNING (xmax = 0)"
    ).fetchall()
    t2 = time.perf_counter()

    # Identifiers: one counter bump per département, like the job (never reused).
    per_dep = Counter(r.values["departement"] for r in dispositifs)
    last = dict(
        conn.execute(
            "UPDATE offre.dispositif_sequence s SET dernier = s.dernier + v.n "
            "FROM unnest(%s::text[], %s::int[]) AS v(dep, n) WHERE s.departement = v.dep "
            "RETURNING s.departement, s.dernier",
            (list(per_dep), list(per_dep.values())),
        ).fetchall()
    )
    next_n = {dep: last[dep] - n + 1 for dep, n in per_dep.items()}
    d_cols = ["identifiant", "siren", "nom_normalise", *_D_COLUMNS]
    conn.execute(
        "CREATE TEMP TABLE tmp_d ON COMMIT DROP AS SELECT d.identifiant, e.siren, "
        "d.nom_normalise, "
        + ", ".join(f"d.{c}" for c in _D_COLUMNS)
        + " FROM offre.dispositif d JOIN offre.entite e ON e.id = d.entite_id WITH NO DATA"
    )
    with conn.cursor().copy(f"COPY tmp_d ({', '.join(d_cols)}) FROM STDIN") as copy:
        for r in dispositifs:
            v = r.values
            dep = v["departement"]
            identifiant = v.get("identifiant")
            if not identifiant:
                identifiant = f"DSP-{dep}-{next_n[dep]:06d}"
                next_n[dep] += 1
            copy.write_row(
                [identifiant, v["siren"], normalise_name(v["nom"]), *(v.get(c) for c in _D_COLUMNS)]
            )
    t3 = time.perf_counter()
    target = ["identifiant", "entite_id", "nom_normalise", *_D_COLUMNS]
    source = ["t.identifiant", "e.id", "t.nom_normalise", *(f"t.{c}" for c in _D_COLUMNS)]
    d_sets = ", ".join(
        f"{c} = EXCLUDED.{c}" for c in target if c not in ("identifiant", "entite_id")
    )
    d_rows = conn.execute(
        f"INSERT INTO offre.dispositif ({', '.join(target)}) SELECT {', '.join(source)} "
        "FROM tmp_d t JOIN offre.entite e ON e.siren = t.siren "
        "ON CONFLICT (entite_id, departement, type_code, nom_normalise) "
        f"DO UPDATE SET {d_sets}, modifie_le = now() RETURNING (xmax = 0)"
    ).fetchall()
    t4 = time.perf_counter()
    timings["copy_temp"] = (t1 - t0) + (t3 - t2)
    timings["insert_on_conflict"] = (t2 - t1) + (t4 - t3)
    created = sum(1 for (inserted,) in (*e_rows, *d_rows) if inserted)
    return {"creations": created, "modifications": len(e_rows) + len(d_rows) - created}


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    result = run(Path(sys.argv[1]), sys.argv[2])
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
