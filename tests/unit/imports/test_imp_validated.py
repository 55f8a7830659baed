"""What the analysis keeps of the rows it stages: the keys of every row, the rows without error
by département, each name's key computed once."""

from __future__ import annotations

from service.imports.anomalies import anomaly
from service.imports.normalise import NormalisedRow
from service.imports.validated import ValidatedRows, name_key
from service.referentiels.checks import Severite

DISPOSITIF = {"siren": "732829320", "nom": "CHRS « Les Lilas »", "type_code": "HEB_CHRS"}


def test_keys_of_every_row_and_rows_without_error_by_departement() -> None:
    refused = anomaly("Dispositifs", 4, "Nom", "x", "TEXTE_TROP_LONG", Severite.ERREUR, "trop")
    held = ValidatedRows()
    rows = [
        NormalisedRow("Entités", 2, {"siren": "732829320"}),
        NormalisedRow("Dispositifs", 2, {**DISPOSITIF, "departement": "75"}),
        NormalisedRow("Dispositifs", 3, {**DISPOSITIF, "departement": "93"}),
        NormalisedRow("Dispositifs", 4, {**DISPOSITIF, "departement": "75"}, [refused]),
    ]
    keys = [name_key(r) for r in rows]
    assert keys == [None, "chrs les lilas", "chrs les lilas", "chrs les lilas"]
    held.add(rows, keys)
    assert [(k.ligne, k.siren, k.has_error) for k in held.entite_keys] == [(2, "732829320", False)]
    assert [(k.ligne, k.has_error) for k in held.dispositif_keys] == [
        (2, False),
        (3, False),
        (4, True),
    ]
    assert held.dispositif_keys[0].natural() == ("732829320", "75", "HEB_CHRS", "chrs les lilas")
    assert {dep: [r.ligne for r in rows] for dep, rows in held.dispositifs.items()} == {
        "75": [2],
        "93": [3],
    }
    assert held.dispositifs["75"][0].nom_normalise == "chrs les lilas"

    held.drop([("Dispositifs", 3), ("Entités", 2)])  # refused by the cross-row rules
    assert (held.entites, held.dispositifs["93"]) == ([], [])
    assert [r.ligne for r in held.dispositifs["75"]] == [2]
