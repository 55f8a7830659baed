"""The digest PostgreSQL computes for a live row is the one Python computes for the same values
(what lets the plan count unchanged rows without reading them), tricky text included."""

from __future__ import annotations

from sqlalchemy import text

from service.db.engine import session_scope
from service.imports.live import (
    live_dispositif_keys_of,
    live_dispositifs,
    live_entite_keys,
    live_entites,
)
from service.imports.plan import StagedRow, dispositif_natural, row_digest, sort_unchanged
from service.offre.fields import DISPOSITIF_FIELDS, ENTITE_FIELDS

TRICKY = 'Le « Phare » \\ "quai" \n\t\x01 ⚓ 𝔸 / é'


def test_live_digests_match_python_digests() -> None:
    with session_scope() as session:
        session.execute(
            text(
                "INSERT INTO offre.entite (siren, raison_sociale, sigle, departement_siege) "
                "VALUES ('552081317', :rs, NULL, '75')"
            ),
            {"rs": TRICKY},
        )
        session.execute(
            text(
                "INSERT INTO offre.dispositif (identifiant, entite_id, departement, type_code, "
                "nom, nom_normalise, capacite_financee, financeurs, publics, finess_et, "
                "date_ouverture, structures_historiques) SELECT 'DSP-75-000001', e.id, '75', "
                "'HEB_CHRS', :nom, 'le phare', 12, ARRAY['BOP 177', 'CAF'], ARRAY[]::text[], "
                "ARRAY['750000001'], DATE '2024-02-29', ARRAY[12, 7] "
                "FROM offre.entite e"
            ),
            {"nom": TRICKY},
        )
        session.flush()
        (entite_key,) = live_entite_keys(session, ["552081317"])
        entite = live_entites(session, ["552081317"])["552081317"]
        assert entite_key.digest == row_digest(entite, ENTITE_FIELDS)

        (key,) = live_dispositif_keys_of(session, "75")
        (live,) = live_dispositifs(session, "75")
        assert key.natural == ("552081317", "75", "HEB_CHRS", "le phare")
        assert key.digest == row_digest(live, DISPOSITIF_FIELDS)

        same = StagedRow(2, {f: live[f] for f in DISPOSITIF_FIELDS}, "le phare")
        changed = StagedRow(3, {**same.values, "capacite_financee": 13}, "le phare")
        assert sort_unchanged([same], [key], DISPOSITIF_FIELDS, dispositif_natural).unchanged == 1
        rest = sort_unchanged([changed], [key], DISPOSITIF_FIELDS, dispositif_natural)
        assert (rest.unchanged, rest.rest, rest.needed) == (0, [changed], {key.id})
        session.rollback()
