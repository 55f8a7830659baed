"""Cross-row rules and the plan: pure functions over keys and plain dicts."""

from __future__ import annotations

from service.imports.cross_rules import (
    DispositifKey,
    EntiteKey,
    KnownKeys,
    LiveDispositif,
    dispositif_rules,
    entite_rules,
    probable_duplicates,
)
from service.imports.plan import (
    LiveKey,
    StagedRow,
    dispositif_natural,
    natural_key,
    plan_departement,
    plan_entites,
    row_digest,
    sort_unchanged,
)
from service.offre.fields import DISPOSITIF_FIELDS

NONE_KNOWN = KnownKeys(sirens=frozenset(), identifiants={})


def key(ligne: int, **kw: object) -> DispositifKey:
    values: dict[str, object] = {
        "identifiant": None,
        "siren": "732829320",
        "departement": "75",
        "type_code": "HEB_CHRS",
        "nom": "CHRS Les Lilas",
        "has_error": False,
    }
    values.update(kw)
    return DispositifKey(ligne, **values)  # type: ignore[arg-type]


def test_duplicate_entites_name_each_other() -> None:
    found = entite_rules([EntiteKey(2, "732829320", False), EntiteKey(5, "732829320", False)])
    assert [(a.ligne, a.code) for a in found] == [
        (2, "DOUBLON_DANS_LE_FICHIER"),
        (5, "DOUBLON_DANS_LE_FICHIER"),
    ]
    assert "ligne 5" in found[0].message and "ligne 2" in found[1].message


def test_duplicate_dispositifs_by_normalised_name() -> None:
    entites = [EntiteKey(2, "732829320", False)]
    found = dispositif_rules(
        [key(3), key(31, nom="chrs  les-lilas"), key(40, nom="Autre")], entites, NONE_KNOWN, None
    )
    assert sorted(a.ligne for a in found) == [3, 31]
    assert all(a.code == "DOUBLON_DANS_LE_FICHIER" for a in found)
    assert "apparaît aussi ligne 31" in next(a for a in found if a.ligne == 3).message


def test_unknown_entite_and_entite_in_error() -> None:
    found = dispositif_rules(
        [key(3, siren="552081317"), key(4)],
        [EntiteKey(2, "732829320", True)],
        NONE_KNOWN,
        None,
    )
    # Only a SIREN that no entité has is « inconnue »: one of the Entités sheet refused for its
    # own errors says so, and where.
    assert sorted((a.ligne, a.code) for a in found) == [
        (3, "ENTITE_INCONNUE"),
        (4, "ENTITE_EN_ERREUR"),
    ]
    in_error = next(a for a in found if a.ligne == 4)
    assert in_error.message.startswith(
        "Feuille Dispositifs, ligne 4, colonne SIREN de l'entité : « 732829320 » est le SIREN "
        "d'une entité de la feuille Entités (ligne 2) qui contient des erreurs"
    )
    unknown = next(a for a in found if a.ligne == 3)
    assert "aucune entité" in unknown.message and "Vouliez-vous dire" not in unknown.message


def test_unknown_entite_one_typo_away_from_a_known_one() -> None:
    # Both SIRENs have a valid key: swapping 0 and 9 is the one typo the key cannot catch.
    known = KnownKeys(sirens=frozenset({"100000090"}), identifiants={})
    (found,) = dispositif_rules([key(3, siren="100000009")], [], known, None)
    assert found.code == "ENTITE_INCONNUE"
    assert found.message.endswith("Vouliez-vous dire « 100000090 » ?")


def test_entite_known_in_database_is_enough() -> None:
    known = KnownKeys(sirens=frozenset({"732829320"}), identifiants={})
    assert dispositif_rules([key(3)], [], known, None) == []


def test_identifier_unknown_or_out_of_scope() -> None:
    known = KnownKeys(
        sirens=frozenset({"732829320"}),
        identifiants={"DSP-75-000001": "75", "DSP-92-000001": "92"},
    )
    rows = [
        key(3, identifiant="DSP-75-000001"),
        key(4, identifiant="DSP-75-000099"),
        key(5, identifiant="DSP-92-000001", departement="92"),
    ]
    found = dispositif_rules(rows, [], known, frozenset({"75"}))
    assert sorted((a.ligne, a.code) for a in found) == [
        (4, "IDENTIFIANT_INCONNU"),
        (5, "IDENTIFIANT_INCONNU"),
    ]


def live_dispositif(**kw: object) -> dict[str, object]:
    record: dict[str, object] = {f: None for f in DISPOSITIF_FIELDS}
    record.update(
        finess_et=[],
        financeurs=[],
        publics=[],
        structures_historiques=[],
        id=1,
        identifiant="DSP-75-000001",
        siren="732829320",
        nom="CHRS Les Lilas",
        type_code="HEB_CHRS",
        departement="75",
        capacite_financee=40,
    )
    record.update(kw)
    return record


def staged(ligne: int, **kw: object) -> StagedRow:
    values: dict[str, object] = {
        "siren": "732829320",
        "nom": "CHRS Les Lilas",
        "type_code": "HEB_CHRS",
        "departement": "75",
    }
    values.update(kw)
    return StagedRow(ligne, values)


def plan(rows: list[StagedRow], live: list[dict[str, object]], **kw: object):  # type: ignore[no-untyped-def]
    options: dict[str, object] = {"mirror": False, "state_profile": True, "today": "2026-11-28"}
    options.update(kw)
    return plan_departement("75", rows, live, **options)  # type: ignore[arg-type]


def test_reimport_of_same_values_is_unchanged() -> None:
    result = plan([staged(2, capacite_financee=40)], [live_dispositif()])
    assert [c.action for c in result.changes] == ["inchange"]


def _live_key(record: dict[str, object]) -> LiveKey:
    digest = row_digest(record, DISPOSITIF_FIELDS)
    assert digest is not None
    return LiveKey(1, "DSP-75-000001", natural_key(record), digest)


def test_rows_equal_to_their_live_row_are_counted_not_planned() -> None:
    current = live_dispositif()
    whole = {f: current[f] for f in DISPOSITIF_FIELDS}
    same, renamed = StagedRow(2, whole), StagedRow(3, {**whole, "identifiant": "DSP-75-000001"})
    live = [_live_key(current)]
    assert sort_unchanged([same], live, DISPOSITIF_FIELDS, dispositif_natural).unchanged == 1
    # A row of missing columns keeps the live values of those: the plan compares it whole.
    partial = staged(4, capacite_financee=40)
    result = sort_unchanged([partial, renamed], live, DISPOSITIF_FIELDS, dispositif_natural)
    assert (result.unchanged, result.rest, result.needed) == (1, [partial], {1})
    # Mode miroir: the live rows no row matched are needed whole, to close them.
    closing = sort_unchanged([], live, DISPOSITIF_FIELDS, dispositif_natural, closing=True)
    assert (closing.unchanged, closing.rest, closing.needed) == (0, [], {1})
    assert plan([partial], [current]).changes[0].action == "inchange"


def test_update_by_natural_key_lists_old_and_new() -> None:
    result = plan([staged(2, nom="chrs les lilas", capacite_financee=45)], [live_dispositif()])
    (change,) = result.changes
    assert change.action == "modification"
    assert change.avant == {"nom": "CHRS Les Lilas", "capacite_financee": 40}
    assert change.apres["capacite_financee"] == 45
    assert change.cle == "DSP-75-000001"


def test_rename_needs_the_identifier() -> None:
    renamed = plan([staged(2, nom="CHRS Les Roses")], [live_dispositif()])
    assert [c.action for c in renamed.changes] == ["creation"]
    by_id = plan(
        [staged(2, identifiant="DSP-75-000001", nom="CHRS Les Roses")], [live_dispositif()]
    )
    assert [c.action for c in by_id.changes] == ["modification"]


def test_absent_column_untouched_empty_cell_clears() -> None:
    live = [live_dispositif(adresse="1 rue X", siret="73282932000074")]
    result = plan([staged(2, siret=None)], live)
    (change,) = result.changes
    assert change.avant == {"siret": "73282932000074"}
    assert change.apres["adresse"] == "1 rue X"


def test_reserved_state_columns_are_reported_once_per_column() -> None:
    rows = [
        staged(2, capacite_financee=12, financeurs=["BOP 177"]),
        staged(3, nom="Autre", capacite_financee=5, financeurs=["CAF"]),
        staged(4, nom="Troisième", capacite_financee=None),
    ]
    result = plan(rows, [live_dispositif()], state_profile=False)
    assert sorted((a.colonne, a.ligne) for a in result.anomalies) == [
        ("Capacité financée", 2),
        ("Financeurs", 2),
    ]
    capacity, financeurs = sorted(result.anomalies, key=lambda a: a.colonne)
    assert "(2 lignes : 2, 3)" in capacity.message  # row 4 changes nothing: a new empty one
    assert financeurs.valeur == "BOP 177" and "['" not in financeurs.message
    assert financeurs.message.startswith(
        "Feuille Dispositifs, ligne 2, colonne Financeurs : « BOP 177 » est ignoré"
    )


def test_state_fields_from_a_non_state_profile_are_ignored_with_a_warning() -> None:
    result = plan(
        [staged(2, capacite_financee=99, financeurs=[])], [live_dispositif()], state_profile=False
    )
    assert [c.action for c in result.changes] == ["inchange"]
    assert [a.code for a in result.anomalies] == ["CHAMP_RESERVE_ETAT"]
    same = plan([staged(2, capacite_financee=40)], [live_dispositif()], state_profile=False)
    assert same.anomalies == []


def test_mirror_closes_absent_dispositifs_only() -> None:
    live = [
        live_dispositif(),
        live_dispositif(id=2, identifiant="DSP-75-000002", nom="Accueil de nuit"),
        live_dispositif(
            id=3, identifiant="DSP-75-000003", nom="Fermé", date_fermeture="2020-01-01"
        ),
    ]
    complement = plan([staged(2, capacite_financee=40)], live)
    assert [c.action for c in complement.changes] == ["inchange"]
    mirror = plan([staged(2, capacite_financee=40)], live, mirror=True)
    closures = [c for c in mirror.changes if c.action == "fermeture"]
    assert [c.cle for c in closures] == ["DSP-75-000002"]
    assert closures[0].apres["date_fermeture"] == "2026-11-28"


def test_natural_key_folds_the_name() -> None:
    assert natural_key(staged(2, nom="  Chrs « Les-Lilas » ").values) == natural_key(
        staged(2).values
    )


def test_entites_plan() -> None:
    live = {
        "732829320": {
            "id": 7,
            "siren": "732829320",
            "raison_sociale": "Aurore",
            "departement_siege": "75",
        }
    }
    result = plan_entites(
        [
            StagedRow(
                2, {"siren": "732829320", "raison_sociale": "Aurore", "departement_siege": "75"}
            ),
            StagedRow(
                3, {"siren": "552081317", "raison_sociale": "Emmaüs", "departement_siege": "93"}
            ),
        ],
        live,
    )
    assert [c.action for c in result.changes] == ["inchange", "creation"]


# --- DOUBLON_PROBABLE ------------------------------------------------------------------------

LIVE = [
    LiveDispositif("DSP-75-000001", "732829320", "75", "HEB_CHRS", "CHRS Les Lilas"),
    LiveDispositif("DSP-75-000002", "732829320", "75", "HEB_CHRS", "CHRS Les Roses"),
    LiveDispositif("DSP-75-000003", "732829320", "75", "RS_PENSION_FAMILLE", "Les Lilas"),
]


def probable(rows: list[DispositifKey]) -> list[tuple[int, str]]:
    return [(a.ligne, a.message) for a in probable_duplicates(rows, LIVE)]


def test_a_renamed_dispositif_without_its_identifier_is_a_probable_duplicate() -> None:
    ((ligne, message),) = probable([key(7, nom="CHRS « Les Lilas » Paris 11e")])
    assert ligne == 7
    assert message.startswith(
        "Feuille Dispositifs, ligne 7, colonne Nom du dispositif : « CHRS « Les Lilas » Paris "
        "11e » ressemble au dispositif existant DSP-75-000001 (« CHRS Les Lilas »)"
    )
    assert "recopiez DSP-75-000001 dans la colonne Identifiant" in message
    (found,) = probable_duplicates([key(7, nom="CHRS Lilas")], LIVE)
    assert (found.code, found.severite, found.departement) == (
        "DOUBLON_PROBABLE",
        "avertissement",
        "75",
    )


def test_what_is_not_a_probable_duplicate() -> None:
    assert probable([key(2, nom="CHRS Les Lilas")]) == []  # the same key: an update
    assert probable([key(2, nom="chrs les-lilas")]) == []  # idem, once normalised
    assert probable([key(2, nom="Accueil de nuit Belleville")]) == []  # another name
    assert probable([key(2, nom="CHRS Les Lilas 2", type_code="HEB_HU")]) == []  # another type
    assert probable([key(2, nom="CHRS Les Lilas 2", departement="93")]) == []
    assert probable([key(2, nom="CHRS Les Lilas 2", siren="552081317")]) == []
    assert probable([key(2, nom="CHRS Les Lilas 2", identifiant="DSP-75-000009")]) == []
    assert probable([key(2, nom="CHRS Les Lilas 2", has_error=True)]) == []


def test_an_existing_dispositif_the_file_updates_is_not_what_a_new_row_meant() -> None:
    by_id = [key(2, identifiant="DSP-75-000001"), key(3, nom="CHRS Les Lilas 2")]
    assert probable(by_id) == []
    by_name = [key(2), key(3, nom="CHRS Les Lilas 2")]
    assert probable(by_name) == []
