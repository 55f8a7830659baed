"""Type compatibility for the Temps 2 matching.

Legacy structure type → nomenclature types is the reviewed many-to-many table
data/types_historiques.csv (one reason per line): a legacy « Logement foyer » may become an FJT,
an FTM, a pension de famille or a résidence sociale. It is not the one-to-one map of
service/legacy/type_mapping.py, which only pre-fills Temps 1 workbooks.

Type de place → catégories is a judgement on the groupe itself: urgence, stabilisation and the
winter places are hébergement; « logement » places live in residences and IML (or in RHVS and
the ALT « Autres » hébergement, which house people in flats); insertion places exist in all three.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from functools import lru_cache
from types import MappingProxyType

from service.referentiels.nomenclature import TYPES_BY_CODE, accepts_places
from service.referentiels.reference_data import correspondances_types


class Compatibilite(Enum):
    PRINCIPAL = "principal"
    POSSIBLE = "possible"
    INCOMPATIBLE = "incompatible"


_PAIRS: Mapping[tuple[int, str], bool] = MappingProxyType(
    {(c.type_historique, c.type_code): c.principal for c in correspondances_types()}
)
_HEBERGEMENT, _RS, _IML = "HEBERGEMENT", "LOGEMENT_RS", "LOGEMENT_IML"
_PLACES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "urgence": frozenset({_HEBERGEMENT}),
        "stabilisation": frozenset({_HEBERGEMENT}),
        "hiver": frozenset({_HEBERGEMENT}),
        "grand froid": frozenset({_HEBERGEMENT}),
        "insertion": frozenset({_HEBERGEMENT, _RS, _IML}),
        "logement": frozenset({_RS, _IML}),
    }
)
_LOGEMENT_IN_HEBERGEMENT = frozenset({"HEB_RHVS", "HEB_AUTRE"})


def compatibilite(type_historique: int, type_code: str) -> Compatibilite:
    """How the reviewed table judges a legacy structure type becoming ``type_code``."""
    principal = _PAIRS.get((type_historique, type_code))
    if principal is None:
        return Compatibilite.INCOMPATIBLE
    return Compatibilite.PRINCIPAL if principal else Compatibilite.POSSIBLE


def avec_places(type_code: str) -> bool:
    """Whether groupes de places may be attached to a dispositif of this type."""
    record = TYPES_BY_CODE.get(type_code)
    return record is not None and accepts_places(record)


@lru_cache(maxsize=256)
def place_compatible(type_place: str, type_code: str) -> bool:
    """Whether places of this kind fit a dispositif type; unknown kinds are not judged."""
    categories = _PLACES.get(type_place.strip().lower())
    record = TYPES_BY_CODE.get(type_code)
    if categories is None or record is None:
        return True
    if type_place.strip().lower() == "logement" and type_code in _LOGEMENT_IN_HEBERGEMENT:
        return True
    return record.categorie_code in categories
