"""The capacity report's arithmetic and how it reads: taux and écart, « sans objet » for the
mesures types, French figures, and the chart of one type."""

from __future__ import annotations

from api.console.charts import BAR_SPACE, graphique
from service.capacites.display import nombre, pourcentage
from service.capacites.queries import Niveau
from service.capacites.report import chiffres, dispositif, taux
from service.capacites.schemas import CapaciteType


def _niveau(unite: str, financee: int, installees: int, occupees: int) -> Niveau:
    return Niveau(None, None, None, unite, 2, 1, financee, installees, occupees)


def test_rate_and_gap() -> None:
    assert taux(33, 35) == 0.9429 and taux(0, 0) is None and taux(5, 4) == 1.25
    figures = chiffres(_niveau("places", 40, 35, 33))
    assert (figures["taux_occupation"], figures["ecart"], figures["sans_objet"]) == (
        0.9429,
        5,
        False,
    )
    nothing_installed = chiffres(_niveau("logements", 50, 0, 0))
    assert (nothing_installed["taux_occupation"], nothing_installed["ecart"]) == (None, 50)


def test_mesures_have_no_places() -> None:
    figures = chiffres(_niveau("mesures", 60, 0, 0))
    assert figures["sans_objet"] and figures["capacite_financee"] == 60
    assert [figures[k] for k in ("places_installees", "places_occupees", "ecart")] == [None] * 3
    row = {
        "identifiant": "DSP-75-000005",
        "nom": "AVDL",
        "departement": "75",
        "type_code": "ACC_AVDL",
        "unite": "mesures",
        "capacite_financee": 60,
        "groupes": 0,
        "installees": 0,
        "occupees": 0,
    }
    shown = dispositif(row)
    assert shown.sans_objet and shown.ecart is None and shown.categorie_code == "ACCOMPAGNEMENT"
    unknown = dispositif(
        {**row, "type_code": "HEB_CHRS", "unite": "places", "capacite_financee": None}
    )
    assert unknown.ecart is None and unknown.taux_occupation is None  # capacity not filled


def test_french_figures() -> None:
    assert (
        nombre(12345) == "12\u202f345" and nombre(None) == "—" and nombre(3, True) == "sans objet"
    )
    assert pourcentage(0.9429) == "94,3\u00a0%" and pourcentage(None) == "—"


def _type(code: str, unite: str, **figures: object) -> CapaciteType:
    values = {
        "unite": unite,
        "dispositifs": 1,
        "capacite_financee": 40,
        "capacite_non_renseignee": 0,
        "places_installees": 35,
        "places_occupees": 33,
        "taux_occupation": 0.9429,
        "ecart": 5,
        "sans_objet": False,
        **figures,
    }
    return CapaciteType.model_validate(
        {
            **values,
            "type_code": code,
            "type_libelle": "CHRS",
            "categorie_code": "HEBERGEMENT",
            "categorie_libelle": "Hébergement",
        }
    )


def test_chart_of_one_type() -> None:
    g = graphique(_type("HEB_CHRS", "places"))
    assert g.id == "graphique-heb_chrs" and g.titre == "CHRS (places)"
    widths = [b.largeur for b in g.barres]
    assert widths[0] == BAR_SPACE and widths[1] == round(BAR_SPACE * 35 / 40, 1)
    assert [b.texte for b in g.barres] == ["40", "35", "33"]
    assert "taux d'occupation 94,3\u00a0%" in g.description
    # More installed than financed: the longest bar sets the scale.
    over = graphique(_type("HEB_CHRS", "places", capacite_financee=20, ecart=-15))
    assert over.barres[1].largeur == BAR_SPACE and over.barres[0].largeur < BAR_SPACE
    logements = graphique(_type("RS_FJT", "logements"))
    assert [b.libelle for b in logements.barres][1:] == ["Logements installés", "Logements occupés"]
    mesures = graphique(
        _type(
            "ACC_AVDL",
            "mesures",
            places_installees=None,
            places_occupees=None,
            taux_occupation=None,
            ecart=None,
            sans_objet=True,
        )
    )
    assert [b.texte for b in mesures.barres] == ["40", "sans objet", "sans objet"]
    assert [b.largeur for b in mesures.barres][1:] == [0.0, 0.0]
    empty = graphique(
        _type("HEB_CHRS", "places", capacite_financee=0, places_installees=0, places_occupees=0)
    )
    assert all(b.largeur == 0 for b in empty.barres)
