"""What the analysis tells beyond errors, through the API and the real worker (issue 9, items
12 and 13): a probable duplicate of an existing dispositif, « Vouliez-vous dire … ? » for a
SIREN typed one digit off, an entité of the file in error, reserved State columns once."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.api import imported
from tests.support.workbooks import xlsx_bytes

pytestmark = pytest.mark.usefixtures("celery_worker")

ENTITES = ["SIREN", "Raison sociale", "Département du siège"]
DISPOSITIFS = [
    "SIREN de l'entité",
    "Nom du dispositif",
    "Type de dispositif",
    "Département",
    "Capacité financée",
    "Financeurs",
]
AURORE = ["732829320", "Association Aurore", "75"]


def workbook(entites: list[list[object]], dispositifs: list[list[object]]) -> bytes:
    return xlsx_bytes({"Entités": [ENTITES, *entites], "Dispositifs": [DISPOSITIFS, *dispositifs]})


def by_code(anomalies: list[dict[str, object]], code: str) -> list[dict[str, object]]:
    return [a for a in anomalies if a["code"] == code]


def test_a_renamed_dispositif_without_identifier_is_a_probable_duplicate(
    api_client: TestClient, user_headers
) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    first = workbook([AURORE], [["732829320", "CHRS Les Lilas", "CHRS", "75", 40, "BOP 177"]])
    job, _ = imported(api_client, admin, first, application="automatique")
    assert job["statut"] == "termine", job

    renamed = workbook(
        [AURORE], [["732829320", "CHRS Les Lilas Paris 11e", "CHRS", "75", 40, None]]
    )
    job, anomalies = imported(api_client, admin, renamed)
    assert job["statut"] == "valide" and job["creations"] == 1  # a warning never blocks
    (found,) = by_code(anomalies, "DOUBLON_PROBABLE")
    assert (found["ligne"], found["colonne"], found["severite"]) == (
        2,
        "Nom du dispositif",
        "avertissement",
    )
    assert "DSP-75-000001 (« CHRS Les Lilas »)" in str(found["message"])


def test_a_siren_one_digit_off_and_an_entite_in_error(api_client: TestClient, user_headers) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    data = workbook(
        [AURORE, ["552081317", "Emmaüs Solidarité", "999"]],  # département in error
        [
            ["732829321", "CHRS Les Lilas", "CHRS", "75", 40, None],  # one digit off Aurore
            ["552081317", "Maraude de nuit", "Maraude", "75", None, None],
        ],
    )
    job, anomalies = imported(api_client, admin, data)
    assert job["statut"] == "invalide"
    (typo,) = by_code(anomalies, "SIREN_INVALIDE")
    assert str(typo["message"]).endswith("Vouliez-vous dire « 732829320 » ?")
    (in_error,) = by_code(anomalies, "ENTITE_EN_ERREUR")
    assert (in_error["feuille"], in_error["ligne"]) == ("Dispositifs", 3)
    assert "(ligne 3)" in str(in_error["message"])
    assert by_code(anomalies, "ENTITE_INCONNUE") == []


def test_reserved_state_columns_are_reported_once_per_column(
    api_client: TestClient, user_headers
) -> None:  # type: ignore[no-untyped-def]
    siao = user_headers("siao.paris@siao75.fr", "ADMIN_SIAO", ["75"])
    rows = [["732829320", f"CHRS {i}", "CHRS", "75", 10 + i, "BOP 177 ; CAF"] for i in range(4)]
    job, anomalies = imported(api_client, siao, workbook([AURORE], rows))
    assert job["statut"] == "valide", anomalies
    reserved = by_code(anomalies, "CHAMP_RESERVE_ETAT")
    assert sorted((a["colonne"], a["ligne"]) for a in reserved) == [
        ("Capacité financée", 2),
        ("Financeurs", 2),
    ]
    financeurs = next(a for a in reserved if a["colonne"] == "Financeurs")
    assert financeurs["valeur"] == "BOP 177 ; CAF" and "['" not in str(financeurs["message"])
    assert "(4 lignes : 2, 3, 4, 5)" in str(financeurs["message"])
