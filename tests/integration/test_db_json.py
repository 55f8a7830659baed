"""jsonb through the engine (orjson) holds and gives back what the standard library would."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from service.db.copy import copy_rows

VALUES: list[dict[str, Any]] = [
    {"nom": "Foyer « Les Lilas » – Évry 🏠", "publics": ["Femme seule avec enfant(s)"]},
    {"capacite_financee": 2**31 - 1, "structures_historiques": [10**18 - 1, 1]},
    {"grand": 2**70, "negatif": -(2**63) - 1, "reel": 0.1, "exposant": 1e16},
    {"date_ouverture": "2024-01-31", "vide": None, "vrai": True, "liste": []},
    {"imbrique": {"a": [{"b": '\u2028\t\n"\\'}]}},
]


def test_jsonb_copied_and_bound_holds_the_standard_librarys_values(engine: Engine) -> None:
    with Session(engine) as session:
        session.execute(text("CREATE TEMP TABLE json_essai (id int, v jsonb)"))
        copy_rows(session, "json_essai", ["id", "v"], list(enumerate(VALUES)))
        insert = text("INSERT INTO json_essai VALUES (:id, :v)").bindparams(
            bindparam("v", type_=JSONB)
        )
        for i, value in enumerate(VALUES):
            session.execute(insert, {"id": 100 + i, "v": value})
        select = text("SELECT id, v, v::text AS texte FROM json_essai ORDER BY id").columns(v=JSONB)
        found = session.execute(select).all()
        for row in found:
            value = VALUES[row.id % 100]
            expected_text = session.execute(
                text("SELECT CAST(:t AS jsonb)::text"), {"t": json.dumps(value)}
            ).scalar_one()
            assert row[2] == expected_text
            assert row.v == json.loads(json.dumps(value))
        session.rollback()
