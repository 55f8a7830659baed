"""Server-rendered bar charts of the capacity report (no script, no external library): for each
type, capacité financée, places installées and places occupées as three horizontal bars on one
scale, with a text alternative holding the same figures. Pure geometry; the template draws."""

from __future__ import annotations

from dataclasses import dataclass

from service.capacites.display import nombre, pourcentage
from service.capacites.schemas import CapaciteType

WIDTH = 640
LABEL_WIDTH = 170  # the bars' names, left of the bars
VALUE_ROOM = 90  # the figure written after the longest bar
BAR_HEIGHT = 22
GAP = 12
TOP = 8
BAR_SPACE = WIDTH - LABEL_WIDTH - VALUE_ROOM
# The groupes of a logements type count logements: their bars say so.
LIBELLES = {
    "places": ("Places installées", "Places occupées"),
    "logements": ("Logements installés", "Logements occupés"),
}


@dataclass(frozen=True, slots=True)
class Barre:
    libelle: str
    texte: str  # the figure as written after the bar (« 35 », « sans objet »)
    largeur: float  # 0 when there is nothing to draw
    y: float
    classe: str  # its colour, in console.css


@dataclass(frozen=True, slots=True)
class Graphique:
    id: str
    titre: str
    description: str
    largeur: int
    hauteur: int
    x_barres: int
    barres: tuple[Barre, ...]


def graphique(t: CapaciteType) -> Graphique:
    unite = t.unite
    installees, occupees = LIBELLES.get(unite, LIBELLES["places"])
    values: list[tuple[str, int | None, str]] = [
        ("Capacité financée", t.capacite_financee, "financee"),
        (installees, t.places_installees, "installee"),
        (occupees, t.places_occupees, "occupee"),
    ]
    scale = max((v for _, v, _ in values if v), default=0)
    barres = []
    for index, (libelle, value, classe) in enumerate(values):
        texte = nombre(value, t.sans_objet and classe != "financee")
        largeur = BAR_SPACE * value / scale if value and scale else 0.0
        y = TOP + index * (BAR_HEIGHT + GAP)
        barres.append(Barre(libelle, texte, round(largeur, 1), y, classe))
    description = (
        f"{t.type_libelle}, en {unite} : capacité financée {nombre(t.capacite_financee)}, "
        f"{installees.lower()} {nombre(t.places_installees, t.sans_objet)}, "
        f"{occupees.lower()} {nombre(t.places_occupees, t.sans_objet)}, taux d'occupation "
        f"{pourcentage(t.taux_occupation, t.sans_objet)}."
    )
    return Graphique(
        id=f"graphique-{t.type_code.lower()}",
        titre=f"{t.type_libelle} ({unite})",
        description=description,
        largeur=WIDTH,
        hauteur=TOP * 2 + 3 * BAR_HEIGHT + 2 * GAP,
        x_barres=LABEL_WIDTH,
        barres=tuple(barres),
    )
