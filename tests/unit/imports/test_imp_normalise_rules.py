"""Cell normalisation and row rules of workbook 1: pure, every code asserted."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from service.imports.columns import DISPOSITIFS, ENTITES
from service.imports.normalise import normalise_row
from service.imports.rules import RuleContext, check_dispositif_row
from service.referentiels.suggestions import KnownValues

NATIONAL = RuleContext(scope=None, state_profile=True)
PARIS_SIAO = RuleContext(scope=frozenset({"75"}), state_profile=False)


def codes(row) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(a.code for a in row.anomalies)


def dispositif(**cells: object) -> dict[str, object]:
    base: dict[str, object] = {
        "siren": "732829320",
        "nom": "CHRS Les Lilas",
        "type_code": "CHRS",
        "departement": "75",
    }
    base.update(cells)
    return base


def test_values_users_type_are_accepted_and_normalised() -> None:
    row = normalise_row(
        DISPOSITIFS,
        5,
        dispositif(
            siren="732 829 320",
            departement=75.0,
            type_code="pension de famille",
            siret="732\u00a0829\u00a0320\u00a000074",
            finess_et="750000010; 750000028",
            capacite_financee=12.0,
            date_ouverture=datetime(2020, 1, 15),
            date_fermeture="31/12/2030",
            financeurs="BOP 177 ; ars",
            nom="=Maison d'accueil 🏠",
        ),
    )
    assert row.anomalies == [] or all(a.severite == "avertissement" for a in row.anomalies)
    v = row.values
    assert v["siren"] == "732829320"
    assert v["departement"] == "75"
    assert v["type_code"] == "RS_PENSION_FAMILLE"
    assert v["siret"] == "73282932000074"
    assert v["capacite_financee"] == 12
    assert v["date_ouverture"] == "2020-01-15"
    assert v["date_fermeture"] == "2030-12-31"
    assert v["financeurs"] == ["BOP 177", "ARS"]
    assert v["nom"] == "=Maison d'accueil 🏠"  # stored as text, never evaluated


def test_department_codes_are_normalised() -> None:
    assert normalise_row(DISPOSITIFS, 2, dispositif(departement="2a")).values["departement"] == "2A"
    assert normalise_row(DISPOSITIFS, 2, dispositif(departement=1)).values["departement"] == "01"


def test_required_cells_missing() -> None:
    row = normalise_row(
        ENTITES, 3, {"siren": "", "raison_sociale": None, "departement_siege": "75"}
    )
    assert codes(row) == ["VALEUR_OBLIGATOIRE", "VALEUR_OBLIGATOIRE"]
    message = row.anomalies[0].message
    assert message.startswith("Feuille Entités, ligne 3, colonne SIREN")


def test_invalid_siren_message_names_sheet_row_column_value() -> None:
    row = normalise_row(
        ENTITES, 14, {"siren": "55208131", "raison_sociale": "X", "departement_siege": "75"}
    )
    (anomaly,) = row.anomalies
    assert anomaly.code == "SIREN_INVALIDE"
    assert anomaly.message.startswith("Feuille Entités, ligne 14, colonne SIREN : « 55208131 »")
    assert anomaly.valeur == "55208131"


@pytest.mark.parametrize(
    ("cells", "code"),
    [
        ({"siret": "73282932000075"}, "SIRET_INVALIDE"),
        ({"finess_et": "750000011"}, "FINESS_INVALIDE"),
        ({"code_postal": "7500"}, "CODE_POSTAL_INVALIDE"),
        ({"code_commune": "ABCDE"}, "CODE_COMMUNE_INVALIDE"),
        ({"courriel_responsable": "pas-un-courriel"}, "COURRIEL_INVALIDE"),
        ({"capacite_financee": -3}, "NOMBRE_INVALIDE"),
        ({"capacite_financee": 7.72e8 + 0.5}, "NOMBRE_INVALIDE"),
        ({"date_ouverture": "32/13/2020"}, "DATE_INVALIDE"),
        ({"nom": "x" * 256}, "TEXTE_TROP_LONG"),
        ({"nom": "CHRS\x00"}, "CARACTERE_INTERDIT"),
        ({"departement": "975"}, "DEPARTEMENT_INCONNU"),
        ({"type_code": "Château"}, "TYPE_INCONNU"),
        ({"financeurs": "BOP 177; Mécène"}, "VALEUR_HORS_LISTE"),
        ({"identifiant": "DSP-75-12"}, "IDENTIFIANT_INVALIDE"),
        ({"siren": "7.72201E+08"}, "PRECISION_PERDUE"),
    ],
)
def test_cell_errors(cells: dict[str, object], code: str) -> None:
    row = normalise_row(DISPOSITIFS, 7, dispositif(**cells))
    assert code in codes(row)
    assert row.has_error


@pytest.mark.parametrize(
    ("cells", "code"),
    [
        ({"code_postal": 1000}, "ZERO_RESTAURE"),
        ({"date_ouverture": 43831}, "DATE_NUMERIQUE"),
        ({"courriel_responsable": "contact@asso.fr"}, "COURRIEL_GENERIQUE"),
        ({"courriel_responsable": "jean.dupont@gmail.com"}, "COURRIEL_PERSONNEL"),
    ],
)
def test_cell_warnings_do_not_block(cells: dict[str, object], code: str) -> None:
    row = normalise_row(DISPOSITIFS, 7, dispositif(**cells))
    assert code in codes(row)
    assert not row.has_error


def test_absent_columns_are_not_in_values_present_empty_ones_clear() -> None:
    row = normalise_row(DISPOSITIFS, 2, dispositif(siret=None, financeurs=""))
    assert "adresse" not in row.values
    assert row.values["siret"] is None
    assert row.values["financeurs"] == []


def rule_codes(cells: dict[str, object], ctx: RuleContext = NATIONAL) -> list[str]:
    row = normalise_row(DISPOSITIFS, 9, dispositif(**cells))
    return sorted(a.code for a in check_dispositif_row(row, ctx))


def test_capacity_forbidden_for_veille_sociale_and_premier_accueil() -> None:
    assert rule_codes({"type_code": "PA_DNA", "capacite_financee": 10}) == ["CAPACITE_INTERDITE"]
    assert rule_codes({"type_code": "VS_MARAUDE", "capacite_financee": 0}) == ["CAPACITE_INTERDITE"]
    assert rule_codes({"type_code": "PA_DNA", "capacite_financee": None}) == []
    assert rule_codes({"type_code": "HEB_CHRS", "capacite_financee": 40}) == []


def test_capacity_message_names_the_category() -> None:
    row = normalise_row(DISPOSITIFS, 9, dispositif(type_code="DNA", capacite_financee=3))
    (anomaly,) = check_dispositif_row(row, NATIONAL)
    assert "Premier accueil (DNA) n'a pas de capacité" in anomaly.message


def test_closing_before_opening() -> None:
    assert rule_codes({"date_ouverture": "2024-05-01", "date_fermeture": "2024-04-30"}) == [
        "DATES_INCOHERENTES"
    ]
    assert rule_codes({"date_ouverture": "2024-05-01", "date_fermeture": "2024-05-01"}) == []


def test_siret_of_another_entity_is_a_warning() -> None:
    assert rule_codes({"siret": "55208131766522"}) == ["SIRET_AUTRE_ENTITE"]


def test_out_of_scope_departement() -> None:
    row = normalise_row(DISPOSITIFS, 31, dispositif(departement="69"))
    (anomaly,) = check_dispositif_row(row, PARIS_SIAO)
    assert anomaly.code == "HORS_PERIMETRE"
    assert "vous ne pouvez importer que pour le 75" in anomaly.message
    assert rule_codes({"departement": "75"}, PARIS_SIAO) == []


def test_identifier_of_another_departement() -> None:
    assert rule_codes({"identifiant": "DSP-92-000001"}) == ["IDENTIFIANT_INVALIDE"]
    assert rule_codes({"identifiant": "dsp-75-000001"}) == []


def test_dates_accept_french_iso_and_cells() -> None:
    row = normalise_row(
        DISPOSITIFS, 2, dispositif(date_ouverture=date(2021, 3, 4), date_fermeture="2031-03-04")
    )
    assert row.values["date_ouverture"] == "2021-03-04"
    assert row.values["date_fermeture"] == "2031-03-04"


# --- « Vouliez-vous dire … ? » against known values -------------------------------------------

KNOWN = KnownValues(
    sirens={"732829320", "552081317"},
    emails={"jean.dupont@aurore.asso.fr", "Marie.Curie@ddets.gouv.fr"},
)


def message_of(code: str, **cells: object) -> str:
    row = normalise_row(DISPOSITIFS, 4, dispositif(**cells), KNOWN)
    return next(a.message for a in row.anomalies if a.code == code)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("732829321", "732829320"),  # a wrong digit
        ("732892320", "732829320"),  # two neighbours swapped
        ("73282932", "732829320"),  # a digit missing
        ("7328293200", "732829320"),  # a digit too many
        ("552 081 318", "552081317"),  # typed with spaces
    ],
)
def test_a_siren_one_typo_away_from_a_known_one(typed: str, meant: str) -> None:
    assert message_of("SIREN_INVALIDE", siren=typed).endswith(f"Vouliez-vous dire « {meant} » ?")


def test_a_siren_further_away_gets_no_suggestion() -> None:
    assert "Vouliez-vous dire" not in message_of("SIREN_INVALIDE", siren="732820031")
    assert "Vouliez-vous dire" not in message_of("SIREN_INVALIDE", siren="73282932X")
    plain = normalise_row(DISPOSITIFS, 4, dispositif(siren="732829321"))  # nothing known
    assert "Vouliez-vous dire" not in plain.anomalies[0].message


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("jean.dupont@aurore.asso,fr", "jean.dupont@aurore.asso.fr"),
        ("jean dupont@aurore.asso.fr", "jean.dupont@aurore.asso.fr"),
        ("marie.curie@ddets.gouv.f", "marie.curie@ddets.gouv.fr"),
    ],
)
def test_an_email_one_typo_away_from_a_known_one(typed: str, meant: str) -> None:
    message = message_of("COURRIEL_INVALIDE", courriel_responsable=typed)
    assert message.endswith(f"Vouliez-vous dire « {meant} » ?")


def test_an_email_further_away_gets_no_suggestion() -> None:
    message = message_of("COURRIEL_INVALIDE", courriel_responsable="paul martin@aurore.asso.fr")
    assert "Vouliez-vous dire" not in message


def test_list_values_are_shown_as_typed_never_as_a_python_list() -> None:
    row = normalise_row(DISPOSITIFS, 4, dispositif(structures_historiques="12; ab; 7"))
    (found,) = row.anomalies
    assert found.message.startswith(
        "Feuille Dispositifs, ligne 4, colonne Structures SI SIAO actuelles : « 12; ab; 7 » "
        "contient « ab », qui n'est pas un identifiant de structure SI SIAO"
    )
