"""The workbook's columns describe exactly the model's fields (service/offre/fields.py)."""

from __future__ import annotations

from service.imports.columns import DISPOSITIFS, ENTITES
from service.offre.fields import DISPOSITIF_FIELDS, ENTITE_FIELDS


def test_entites_sheet_has_one_column_per_entite_field() -> None:
    assert tuple(c.field for c in ENTITES.columns) == ENTITE_FIELDS


def test_dispositifs_sheet_has_the_identifiant_then_one_column_per_field() -> None:
    assert tuple(c.field for c in DISPOSITIFS.columns) == ("identifiant", *DISPOSITIF_FIELDS)
