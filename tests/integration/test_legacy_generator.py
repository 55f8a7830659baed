"""The legacy-data generator: deterministic, realistic, with every awkward case per département."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from stdnum import luhn
from stdnum.fr import siren, siret

from service.legacy import generator_data as data
from service.legacy.generator import GenerationStats, generate, national_departements
from service.referentiels.listes import TYPES_PLACE, TYPES_STRUCTURE_HISTORIQUES
from service.referentiels.reference_data import profils, profils_historiques

DEPARTEMENTS = ["75", "2A", "971"]
TAILLE = 30
# Children first: the order TRUNCATE and the digests walk the tables in.
TABLES = {
    "utilisateur_profil": "utilisateur_id, profil_historique_code",
    "utilisateur": "id",
    "groupe_places": "id",
    "structure": "id",
    "entite": "id",
}
GENERIC = re.compile(r"(contact|accueil|secretariat|info|direction|coordination|115|siao.*)")
WEBMAILS = {"gmail.com", "orange.fr", "wanadoo.fr", "hotmail.fr", "yahoo.fr", "laposte.net"}
WEBMAILS |= {"free.fr", "sfr.fr", "outlook.fr"}
INACTIVE = {
    "structure": "SELECT departement FROM siao.structure WHERE NOT actif",
    "groupe_places": "SELECT s.departement FROM siao.groupe_places g"
    " JOIN siao.structure s ON s.id = g.structure_id WHERE NOT g.actif",
    "utilisateur": "SELECT departement FROM siao.utilisateur WHERE NOT actif",
}


def _run(
    engine: Engine, departements: list[str], graine: int = 0, taille: int = TAILLE
) -> GenerationStats:
    with engine.begin() as conn:
        return generate(conn, departements, size=taille, seed=graine)


def _digests(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {
            table: conn.execute(
                text(f"SELECT md5(string_agg(t::text, ',' ORDER BY {order})) FROM siao.{table} t")
            ).scalar_one()
            for table, order in TABLES.items()
        }


def _truncate(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join('siao.' + t for t in TABLES)}"))


def _rows(conn: Connection, sql: str, **params: Any) -> list[Any]:
    return list(conn.execute(text(sql), params))


def _departements_with(conn: Connection, sql: str) -> set[str]:
    return {row[0] for row in conn.execute(text(sql))}


def test_same_seed_gives_identical_tables(engine: Engine) -> None:
    first = _run(engine, DEPARTEMENTS, graine=7)
    digests = _digests(engine)
    _truncate(engine)
    second = _run(engine, DEPARTEMENTS, graine=7)
    assert _digests(engine) == digests
    assert (first.per_table, first.per_departement) == (second.per_table, second.per_departement)
    assert all(digest is not None for digest in digests.values())


def test_another_seed_gives_other_data(engine: Engine) -> None:
    _run(engine, DEPARTEMENTS, graine=1)
    digests = _digests(engine)
    _truncate(engine)
    _run(engine, DEPARTEMENTS, graine=2)
    other = _digests(engine)
    assert all(other[table] != digests[table] for table in TABLES)


def test_counts_follow_taille(engine: Engine) -> None:
    stats = _run(engine, DEPARTEMENTS)
    assert isinstance(stats, GenerationStats) and stats.seconds > 0
    assert set(stats.per_departement) == set(DEPARTEMENTS)
    for code, counts in stats.per_departement.items():
        assert counts["groupe_places"] == TAILLE
        # The national administrator is registered in the call's first département.
        assert counts["utilisateur"] == round(0.75 * TAILLE) + (code == DEPARTEMENTS[0])
        assert counts["utilisateur"] <= counts["utilisateur_profil"] <= 3 * counts["utilisateur"]
    with engine.connect() as conn:
        for table in TABLES:
            count = conn.execute(text(f"SELECT count(*) FROM siao.{table}")).scalar_one()
            assert count == stats.per_table[table], table
    assert stats.lignes == sum(stats.per_table.values())


@pytest.mark.parametrize("graine", [0, 1, 2, 3])
def test_every_awkward_case_in_every_departement(engine: Engine, graine: int) -> None:
    _run(engine, DEPARTEMENTS, graine=graine, taille=20)
    everywhere = set(DEPARTEMENTS)
    famille = {p.code: p.famille for p in profils()}
    famille_historique = {h.code: famille[h.profil_cible] for h in profils_historiques()}
    with engine.connect() as conn:
        dna = """SELECT s.departement FROM siao.structure s
                 JOIN siao.groupe_places g ON g.structure_id = s.id WHERE s.type_code = 700"""
        assert _departements_with(conn, dna) == everywhere
        shared = """SELECT departement FROM siao.utilisateur GROUP BY departement, email
                    HAVING count(DISTINCT (nom, prenom)) > 1"""
        assert _departements_with(conn, shared) == everywhere
        for table, inactive in INACTIVE.items():
            assert _departements_with(conn, inactive) == everywhere, table
        homonyms = (
            "SELECT departement FROM siao.structure GROUP BY departement, nom HAVING count(*) > 1"
        )
        assert _departements_with(conn, homonyms) == everywhere
        sans_siren = """SELECT s.departement FROM siao.structure s
                        JOIN siao.entite e ON e.id = s.entite_id WHERE e.siren IS NULL"""
        assert _departements_with(conn, sans_siren) == everywhere
        types = _rows(conn, "SELECT departement, type_code FROM siao.structure")
        by_departement: dict[str, set[int]] = defaultdict(set)
        for departement, type_code in types:
            by_departement[departement].add(type_code)
        assert all(codes == set(TYPES_STRUCTURE_HISTORIQUES) for codes in by_departement.values())
        users = _rows(conn, "SELECT id, departement, email FROM siao.utilisateur")
        profiles = _rows(
            conn, "SELECT utilisateur_id, profil_historique_code FROM siao.utilisateur_profil"
        )
    families: dict[int, set[str]] = defaultdict(set)
    for user_id, code in profiles:
        families[user_id].add(famille_historique[code])
    conflicts = {dep for user_id, dep, _ in users if len(families[user_id]) > 1}
    generic = {dep for _, dep, email in users if GENERIC.fullmatch(email.partition("@")[0])}
    webmail = {dep for _, dep, email in users if email.partition("@")[2] in WEBMAILS}
    assert conflicts == generic == webmail == everywhere
    regional = {data.siren_regional(region) for region in data.REGIONS}
    with engine.connect() as conn:
        run_by_region = _rows(
            conn,
            "SELECT s.departement, e.siren FROM siao.structure s"
            " JOIN siao.entite e ON e.id = s.entite_id",
        )
        module = _departements_with(
            conn,
            "SELECT u.departement FROM siao.utilisateur u JOIN offre.utilisateur o"
            " ON lower(o.courriel) = lower(u.email) AND o.actif WHERE u.actif",
        )
    assert {dep for dep, siren_ in run_by_region if siren_ in regional} == everywhere
    assert module == everywhere


def test_identifiers_addresses_places_and_users_are_consistent(engine: Engine) -> None:
    _run(engine, DEPARTEMENTS, graine=3)
    codes_historiques = {h.code for h in profils_historiques()}
    famille = {p.code: p.famille for p in profils()}
    entite_family = {h.code for h in profils_historiques() if famille[h.profil_cible] == "ENTITE"}
    with engine.connect() as conn:
        entites = dict(_rows(conn, "SELECT id, siren FROM siao.entite"))
        structures = _rows(
            conn,
            "SELECT id, entite_id, departement, type_code, siret, finess, code_postal, adresse"
            " FROM siao.structure",
        )
        groupes = _rows(
            conn,
            "SELECT g.type_place, g.nb_places, g.places_occupees, g.code_postal, s.departement,"
            " g.actif, g.public FROM siao.groupe_places g JOIN siao.structure s"
            " ON s.id = g.structure_id",
        )
        users = _rows(
            conn,
            "SELECT u.id, u.email, u.structure_id, u.departement, s.departement"
            " FROM siao.utilisateur u LEFT JOIN siao.structure s ON s.id = u.structure_id",
        )
        profiles = _rows(
            conn, "SELECT utilisateur_id, profil_historique_code FROM siao.utilisateur_profil"
        )

    assert all(siren.is_valid(value) for value in entites.values() if value is not None)
    assert len({v for v in entites.values() if v}) == len([v for v in entites.values() if v])
    for _id, entite_id, departement, type_code, siret_, finess, code_postal, adresse in structures:
        assert type_code in TYPES_STRUCTURE_HISTORIQUES
        prefix = {"2A": "20", "2B": "20"}.get(departement, departement)
        assert re.fullmatch(r"[0-9]{5}", code_postal) and code_postal.startswith(prefix)
        assert adresse
        if siret_ is not None:
            assert siret.is_valid(siret_) and siret_[:9] == entites[entite_id]
        if entites[entite_id] is None:
            assert siret_ is None
        if finess is not None:
            assert len(finess) == 9
            overseas = "98" if departement == "976" else "97"
            assert finess[:2] == (overseas if departement.startswith("97") else departement)
            corse = departement in ("2A", "2B")
            assert luhn.is_valid("20" + finess[2:] if corse else finess)
    occupied_full = 0
    for type_place, nb, occupees, code_postal, departement, actif, public in groupes:
        assert type_place in TYPES_PLACE
        assert nb > 0 and 0 <= occupees <= nb
        occupied_full += occupees == nb
        assert actif or occupees == 0
        if code_postal is not None:
            prefix = {"2A": "20", "2B": "20"}.get(departement, departement)
            assert code_postal.startswith(prefix)
        assert public is None or public.strip()
    assert occupied_full > 0
    user_profiles: dict[int, set[str]] = defaultdict(set)
    for user_id, code in profiles:
        assert code in codes_historiques
        user_profiles[user_id].add(code)
    elsewhere: dict[str, int] = defaultdict(int)
    for user_id, email, structure_id, departement, structure_departement in users:
        assert 1 <= len(user_profiles[user_id]) <= 3
        assert re.fullmatch(r"[a-z0-9.+-]+@[a-z0-9.-]+\.[a-z]+", email), email
        # Users with an entité-side profile belong to a structure, of their own département
        # except one per département that references a structure of another one.
        assert (structure_id is not None) == bool(user_profiles[user_id] & entite_family)
        if structure_id is not None and structure_departement != departement:
            elsewhere[departement] += 1
    assert elsewhere == dict.fromkeys(DEPARTEMENTS, 1)


def test_second_call_appends_other_departements(engine: Engine) -> None:
    first = _run(engine, ["75", "2A"])
    second = _run(engine, ["971", "974"])
    with engine.connect() as conn:
        for table in ("entite", "structure", "groupe_places", "utilisateur"):
            ids = list(conn.execute(text(f"SELECT id FROM siao.{table} ORDER BY id")).scalars())
            total = first.per_table[table] + second.per_table[table]
            assert ids == list(range(1, total + 1)), table
        duplicated = (
            "SELECT siren FROM siao.entite WHERE siren IS NOT NULL GROUP BY 1 HAVING count(*) > 1"
        )
        assert _rows(conn, duplicated) == []
        # National operators of the first call are reused by the second, not created again.
        reused = _rows(
            conn,
            "SELECT entite_id FROM siao.structure GROUP BY entite_id"
            " HAVING bool_or(departement IN ('75', '2A'))"
            " AND bool_or(departement IN ('971', '974'))",
        )
        appended = _content(conn, "971")
    assert reused
    _truncate(engine)
    _run(engine, ["971"])
    with engine.connect() as conn:
        assert _content(conn, "971") == appended  # same rows whatever the database held


def _content(conn: Connection, departement: str) -> list[Any]:
    return _rows(
        conn,
        "SELECT s.nom, s.type_code, s.siret, s.finess, s.adresse, s.actif, g.libelle, g.nb_places,"
        " g.places_occupees, e.nom, e.siren FROM siao.structure s"
        " JOIN siao.entite e ON e.id = s.entite_id"
        " LEFT JOIN siao.groupe_places g ON g.structure_id = s.id"
        " WHERE s.departement = :departement ORDER BY s.id, g.id",
        departement=departement,
    )


def test_arguments_are_checked() -> None:
    assert len(national_departements()) == 101
    assert {"01", "2A", "2B", "971", "976"} <= set(national_departements())
    with pytest.raises(ValueError, match="inconnus"):
        generate(None, ["20"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="taille"):
        generate(None, ["75"], size=0)  # type: ignore[arg-type]


def test_cases_across_departements(engine: Engine) -> None:
    codes = ["75", "93", "13"]
    stats = _run(engine, codes, graine=4, taille=20)
    with engine.connect() as conn:
        shared = _rows(
            conn,
            "SELECT e.siren, array_agg(DISTINCT s.departement ORDER BY s.departement)"
            " FROM siao.structure s JOIN siao.entite e ON e.id = s.entite_id"
            " GROUP BY e.siren HAVING count(DISTINCT s.departement) > 1",
        )
        national = _rows(
            conn,
            "SELECT u.departement FROM siao.utilisateur u JOIN siao.utilisateur_profil p"
            " ON p.utilisateur_id = u.id"
            " WHERE p.profil_historique_code = 'ADMINISTRATEUR_NATIONAL'",
        )
        same_person = _rows(
            conn,
            "SELECT email, array_agg(departement ORDER BY departement) FROM siao.utilisateur"
            " GROUP BY email, nom, prenom HAVING count(DISTINCT departement) > 1",
        )
        crossing = _rows(
            conn,
            "SELECT u.departement, s.departement FROM siao.utilisateur u"
            " JOIN siao.structure s ON s.id = u.structure_id WHERE s.departement <> u.departement",
        )
        module = _rows(
            conn,
            "SELECT o.courriel, o.profil_code, array_agg(d.departement ORDER BY d.departement)"
            " FROM offre.utilisateur o JOIN offre.utilisateur_departement d"
            " ON d.utilisateur_id = o.id GROUP BY o.id",
        )
        legacy_emails = {
            email: departement
            for email, departement in _rows(
                conn, "SELECT lower(email), departement FROM siao.utilisateur WHERE actif"
            )
        }
    # The Île-de-France association runs structures in 75 and 93; national operators more.
    assert any(deps == ["75", "93"] for _, deps in shared)
    assert national == [("75",)]  # registered in the call's first département
    # The DRIHL agent: one person, one e-mail, a legacy account in each IDF département.
    assert [(email.endswith("@drihl.gouv.fr"), deps) for email, deps in same_person] == [
        (True, ["75", "93"])
    ]
    assert sorted(crossing) == [("13", "75"), ("75", "93"), ("93", "13")]
    assert stats.module_accounts == len(module) == 4
    assert all(email.lower() in legacy_emails for email, _, _ in module)
    scopes = sorted((profil == "ADMIN_DEPARTEMENTAL", deps) for _, profil, deps in module)
    assert scopes[-1] == (True, ["75", "93"])
    assert {tuple(deps) for _, _, deps in module} >= {("13",), ("75",), ("93",)}


def test_module_accounts_already_there_are_left_alone(engine: Engine) -> None:
    _run(engine, ["971"], graine=1, taille=20)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM siao.utilisateur_profil"))
        conn.execute(text("DELETE FROM siao.utilisateur"))
        conn.execute(text("DELETE FROM siao.groupe_places"))
        conn.execute(text("DELETE FROM siao.structure"))
    again = _run(engine, ["971"], graine=1, taille=20)
    assert again.module_accounts == 0  # same e-mail, still active: not created twice
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM offre.utilisateur")).scalar_one() == 1
