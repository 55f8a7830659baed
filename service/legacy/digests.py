"""Digests of the legacy tables (issue 12): per ``siao`` table, its row count and the md5 of its
rows as text ordered by primary key — for the whole table, or for one département's rows and
the entités they reference. Equal digests: byte-identical rows."""

from __future__ import annotations

from sqlalchemy import Connection, text

KEYS = {
    "entite": "t.id",
    "structure": "t.id",
    "groupe_places": "t.id",
    "utilisateur": "t.id",
    "utilisateur_profil": "t.utilisateur_id, t.profil_historique_code",
}
_ROWS = {
    "entite": "t.id IN (SELECT entite_id FROM siao.structure WHERE departement = :dep)",
    "structure": "t.departement = :dep",
    "groupe_places": "t.structure_id IN (SELECT id FROM siao.structure WHERE departement = :dep)",
    "utilisateur": "t.departement = :dep",
    "utilisateur_profil": "t.utilisateur_id IN (SELECT id FROM siao.utilisateur "
    "WHERE departement = :dep)",
}


def siao_digests(connection: Connection, departement: str | None = None) -> dict[str, str]:
    """« count:md5 » per legacy table (only ``departement``'s rows when given)."""
    return {
        table: str(
            connection.execute(
                text(
                    "SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' "
                    f"ORDER BY {key}), '')) FROM siao.{table} t"
                    + (f" WHERE {_ROWS[table]}" if departement else "")
                ),
                {"dep": departement},
            ).scalar_one()
        )
        for table, key in KEYS.items()
    }
