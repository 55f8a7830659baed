from __future__ import annotations

from typing import Any

import pytest

from service.referentiels.checks import Checked
from service.referentiels.listes import FINANCEURS, FORMES_JURIDIQUES, PUBLICS
from service.referentiels.nomenclature import (
    TYPES_BY_CODE,
    accepts_places,
    carries_capacity,
    check_choice,
    check_list,
    find_type,
    unit_label,
)
from service.referentiels.reference_data import TypeRecord, types
from service.referentiels.text import normalise_name


def codes(checked: Checked[Any]) -> list[str]:
    return [i.code for i in checked.issues]


def test_types_by_code() -> None:
    assert len(TYPES_BY_CODE) == 34
    assert TYPES_BY_CODE["HEB_RHVS"].libelle == "RHVS"


def test_no_label_or_code_collides_once_normalised() -> None:
    keys = [normalise_name(t.libelle) for t in types()] + [normalise_name(t.code) for t in types()]
    assert len(set(keys)) == 68


@pytest.mark.parametrize("record", types(), ids=lambda t: t.code)
def test_every_type_is_found_by_code_and_label(record: TypeRecord) -> None:
    assert find_type(record.code).value is record
    assert find_type(record.libelle).value is record
    assert find_type(record.libelle.upper()).value is record


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("HEB_RHVS", "HEB_RHVS"),
        ("heb_rhvs", "HEB_RHVS"),
        (" Heb_Rhvs ", "HEB_RHVS"),
        ("pension de famille", "RS_PENSION_FAMILLE"),
        ("Pension de Famille", "RS_PENSION_FAMILLE"),
        ("PENSION  DE\u00a0FAMILLE", "RS_PENSION_FAMILLE"),
        ("hotel", "HEB_HOTEL"),
        ("HÔTEL", "HEB_HOTEL"),
        ("Location - Sous location", "IML_LOCATION_SOUS_LOCATION"),
        ("Un chez-soi d’abord", "IML_CHEZ_SOI_DABORD"),
        ("residence d'accueil", "RS_RESIDENCE_ACCUEIL"),
        ("Centre d'hébergement Hors CHRS", "HEB_HORS_CHRS"),
        ("chrs", "HEB_CHRS"),
        ("dna", "PA_DNA"),
    ],
)
def test_find_type_is_tolerant(raw: str, code: str) -> None:
    assert find_type(raw) == Checked(TYPES_BY_CODE[code])


@pytest.mark.parametrize("raw", ["Pensions de famille", "HEB", "Foyer", "214", 214, True])
def test_unknown_type(raw: object) -> None:
    checked = find_type(raw)
    assert checked.value is None
    assert codes(checked) == ["TYPE_INCONNU"]
    assert "liste déroulante" in checked.issues[0].detail


def test_unknown_type_suggests_a_near_label() -> None:
    detail = find_type("Pensions de famille").issues[0].detail
    assert "Vouliez-vous dire « Pension de famille » ?" in detail
    assert "Vouliez-vous dire" not in find_type("zzzz").issues[0].detail


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_empty_type(raw: object) -> None:
    assert find_type(raw) == Checked(None)


@pytest.mark.parametrize(
    ("code", "capacity", "places", "unit"),
    [
        ("HEB_CHRS", True, True, "places"),
        ("RS_PENSION_FAMILLE", True, True, "logements"),
        ("IML_MANDAT_GESTION", True, True, "logements"),
        ("ACC_AVDL", True, False, "mesures"),
        ("VS_MARAUDE", False, False, None),
        ("PA_DNA", False, False, None),
    ],
)
def test_type_helpers(code: str, capacity: bool, places: bool, unit: str | None) -> None:
    record = TYPES_BY_CODE[code]
    assert carries_capacity(record) is capacity
    assert accepts_places(record) is places
    assert unit_label(record) == unit


def test_capacity_rules_follow_offre_for_every_type() -> None:
    for record in types():
        assert carries_capacity(record) is (record.offre in ("places", "logements", "mesures"))
        assert accepts_places(record) is (record.offre in ("places", "logements"))
        assert (unit_label(record) is None) is not carries_capacity(record)


# --- check_list ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("BOP 177", ["BOP 177"]),
        ("BOP 177;ARS", ["BOP 177", "ARS"]),
        ("bop 177 ; ars ;", ["BOP 177", "ARS"]),
        ("BOP 177\nARS", ["BOP 177", "ARS"]),
        ("BOP 177\r\nARS", ["BOP 177", "ARS"]),
        ("departement; commune/epci", ["Département", "Commune / EPCI"]),
        ("ARS; BOP 177; ars", ["ARS", "BOP 177"]),
        ("BOP 177, ARS", ["BOP 177", "ARS"]),
    ],
)
def test_check_list(raw: str, expected: list[str]) -> None:
    assert check_list(raw, FINANCEURS, "Financeurs") == Checked(expected)


def test_check_list_publics() -> None:
    raw = "femme seule avec enfant(s); Femmes victimes de violences; Demandeurs d’asile / BPI"
    assert check_list(raw, PUBLICS, "Publics accueillis").value == [
        "Femme seule avec enfant(s)",
        "Femmes victimes de violences",
        "Demandeurs d'asile / BPI",
    ]


@pytest.mark.parametrize("raw", [None, "", " ; ; ", "\n"])
def test_check_list_empty(raw: object) -> None:
    assert check_list(raw, FINANCEURS, "Financeurs") == Checked(None)


def test_check_list_names_every_unknown_item() -> None:
    checked = check_list("BOP 177; BOP 999; Mécénat", FINANCEURS, "Financeurs")
    assert checked.value is None
    assert codes(checked) == ["VALEUR_HORS_LISTE", "VALEUR_HORS_LISTE"]
    assert checked.issues[0].detail.startswith("contient « BOP 999 », qui ne fait pas partie")
    assert "« Financeurs »" in checked.issues[0].detail
    assert "BOP 303" in checked.issues[0].detail
    assert "« Mécénat »" in checked.issues[1].detail


def test_check_list_single_unknown_item() -> None:
    checked = check_list("Mécénat", FINANCEURS, "Financeurs")
    assert checked.issues[0].detail.startswith("ne fait pas partie de la liste « Financeurs »")


def test_check_list_comma_fallback_needs_every_part_known() -> None:
    assert codes(check_list("BOP 177, Mécénat", FINANCEURS, "Financeurs")) == ["VALEUR_HORS_LISTE"]


# --- check_choice ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Association loi 1901", "Association loi 1901"),
        ("association loi 1901", "Association loi 1901"),
        ("ETABLISSEMENT PUBLIC", "Établissement public"),
        ("ccas/cias", "CCAS / CIAS"),
        ("Association reconnue d’utilité publique", "Association reconnue d'utilité publique"),
        (" Autre ", "Autre"),
    ],
)
def test_check_choice(raw: str, expected: str) -> None:
    assert check_choice(raw, FORMES_JURIDIQUES) == Checked(expected)


def test_check_choice_unknown_and_empty() -> None:
    checked = check_choice("Asso", FORMES_JURIDIQUES, "Forme juridique")
    assert codes(checked) == ["VALEUR_HORS_LISTE"]
    assert checked.issues[0].detail.startswith("ne fait pas partie de la liste « Forme juridique »")
    assert "Association loi 1901" in checked.issues[0].detail
    assert (
        check_choice("Fondations", FORMES_JURIDIQUES)
        .issues[0]
        .detail.endswith("Vouliez-vous dire « Fondation » ?")
    )
    assert check_choice(None, FORMES_JURIDIQUES) == Checked(None)
    assert check_choice("  ", FORMES_JURIDIQUES) == Checked(None)
