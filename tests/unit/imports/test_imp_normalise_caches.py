"""The caches of the validation change no result: a value checked from the cache gives the row
it gave when first checked, lists are never shared between rows, and clear_caches() forgets."""

from __future__ import annotations

from datetime import date, datetime
from itertools import product

from service.imports import normalise
from service.imports.columns import DISPOSITIFS, ENTITES
from service.imports.normalise import clear_caches, normalise_row
from service.referentiels import text

CELLS: dict[str, tuple[object, ...]] = {
    "siren": ("732829320", "732829321", 732829320, 32829320.0, True, "7.72201E+08", "x\x00"),
    "type_code": ("CHRS", "pension de famille", "Château", 1),
    "departement": ("75", 75, 75.0, "2a", "20", ""),
    "finess_et": ("750000010; 750000028", "750000011", 750000010),
    "capacite_financee": (12, 12.0, "12", True, -1),
    "date_ouverture": ("01/02/2020", 43831, date(2020, 2, 1), datetime(2020, 2, 1), "x"),
    "financeurs": ("BOP 177 ; ars", "Mécène"),
}


def _rows() -> list[dict[str, object]]:
    fields = list(CELLS)
    return [dict(zip(fields, values, strict=True)) for values in product(*CELLS.values())][::7]


def test_cached_results_equal_first_results_and_lists_are_not_shared() -> None:
    clear_caches()
    cold = [normalise_row(DISPOSITIFS, 2, cells) for cells in _rows()]
    warm = [normalise_row(DISPOSITIFS, 2, cells) for cells in _rows()]
    assert cold == warm
    lists = [r.values["financeurs"] for r in warm if r.values.get("financeurs")]
    assert len({id(v) for v in lists}) == len(lists)
    lists[0].append("modifié")
    assert normalise_row(DISPOSITIFS, 2, {"financeurs": "BOP 177 ; ars"}).values["financeurs"] == [
        "BOP 177",
        "ARS",
    ]


def test_clear_caches_forgets_every_checked_value() -> None:
    normalise_row(ENTITES, 2, {"siren": "732829320", "forme_juridique": "Fondation"})
    text.fold("Fondation")
    clear_caches()
    assert all(not cache for cache in normalise._CACHES.values())
    assert text.fold.cache_info().currsize == 0
    assert text.normalise_name.cache_info().currsize == 0
