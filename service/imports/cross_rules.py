"""Rules across rows and against the database (duplicates, references), pure.

They work on compact keys kept while reading, and on database keys loaded once as sets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from service.imports.anomalies import Anomalie, anomaly
from service.imports.columns import DISPOSITIFS, ENTITES
from service.referentiels.checks import Severite
from service.referentiels.text import normalise_name

_E = Severite.ERREUR


@dataclass(frozen=True, slots=True)
class EntiteKey:
    ligne: int
    siren: str | None
    has_error: bool


@dataclass(frozen=True, slots=True)
class DispositifKey:
    ligne: int
    identifiant: str | None
    siren: str | None
    departement: str | None
    type_code: str | None
    nom: str | None
    has_error: bool

    def natural_key(self) -> tuple[str, str, str, str] | None:
        if self.siren and self.departement and self.type_code and self.nom:
            return (self.siren, self.departement, self.type_code, normalise_name(self.nom))
        return None

    def key(self) -> str | None:
        """Identifiant, else SIREN + département + type + normalised name."""
        if self.identifiant:
            return self.identifiant
        natural = self.natural_key()
        return "|".join(natural) if natural else None


@dataclass(frozen=True, slots=True)
class KnownKeys:
    """Database keys, loaded once per analysis."""

    sirens: frozenset[str]
    identifiants: Mapping[str, str]  # identifiant → département


def _others(lines: Sequence[int], me: int) -> str:
    others = [str(n) for n in lines if n != me]
    return ("ligne " if len(others) == 1 else "lignes ") + ", ".join(others)


Keyed = tuple[int, str | None, str, object, str | None]


def duplicates(feuille: str, keyed: Iterable[Keyed]) -> list[Anomalie]:
    """``keyed``: (ligne, key, column, value shown, département); each occurrence names the
    others."""
    by_key: dict[str, list[tuple[int, str, object, str | None]]] = defaultdict(list)
    for ligne, key, column, shown, dep in keyed:
        if key:
            by_key[key].append((ligne, column, shown, dep))
    found = []
    for rows in by_key.values():
        if len(rows) < 2:
            continue
        lines = [r[0] for r in rows]
        for ligne, column, shown, dep in rows:
            found.append(
                anomaly(
                    feuille,
                    ligne,
                    column,
                    shown,
                    "DOUBLON_DANS_LE_FICHIER",
                    _E,
                    f"ce {'dispositif' if feuille == DISPOSITIFS.name else 'SIREN'} apparaît "
                    f"aussi {_others(lines, ligne)} : gardez une seule ligne.",
                    dep,
                )
            )
    return found


def entite_rules(entites: Sequence[EntiteKey]) -> list[Anomalie]:
    header = ENTITES.column("siren").header
    return duplicates(ENTITES.name, ((e.ligne, e.siren, header, e.siren, None) for e in entites))


def dispositif_rules(
    dispositifs: Sequence[DispositifKey],
    entites: Sequence[EntiteKey],
    known: KnownKeys,
    scope: frozenset[str] | None,
) -> list[Anomalie]:
    id_header = DISPOSITIFS.column("identifiant").header
    nom_header = DISPOSITIFS.column("nom").header
    found = duplicates(
        DISPOSITIFS.name,
        (
            (d.ligne, d.key(), id_header, d.identifiant, d.departement)
            if d.identifiant
            else (d.ligne, d.key(), nom_header, d.nom, d.departement)
            for d in dispositifs
        ),
    )
    file_entites: dict[str, EntiteKey] = {}
    for e in entites:
        # A valid occurrence wins over one in error (the duplicate rule reports both).
        if e.siren and (e.siren not in file_entites or file_entites[e.siren].has_error):
            file_entites[e.siren] = e
    siren_header = DISPOSITIFS.column("siren").header
    for d in dispositifs:
        if d.siren and d.siren not in known.sirens:
            in_file = file_entites.get(d.siren)
            if in_file is None:
                detail = (
                    "aucune entité n'a ce SIREN, ni dans la feuille Entités ni dans le "
                    "Module Offre : ajoutez l'entité dans la feuille Entités."
                )
            elif in_file.has_error:
                detail = (
                    f"l'entité de ce SIREN (feuille Entités, ligne {in_file.ligne}) "
                    "contient des erreurs : corrigez-la d'abord."
                )
            else:
                detail = ""
            if detail:
                found.append(
                    anomaly(
                        DISPOSITIFS.name,
                        d.ligne,
                        siren_header,
                        d.siren,
                        "ENTITE_INCONNUE",
                        _E,
                        detail,
                        d.departement,
                    )
                )
        if d.identifiant:
            dep = known.identifiants.get(d.identifiant)
            if dep is None or (scope is not None and dep not in scope):
                found.append(
                    anomaly(
                        DISPOSITIFS.name,
                        d.ligne,
                        id_header,
                        d.identifiant,
                        "IDENTIFIANT_INCONNU",
                        _E,
                        "aucun dispositif de votre périmètre n'a cet identifiant : laissez la "
                        "cellule vide pour créer un dispositif, ou repartez d'un export à jour.",
                        d.departement,
                    )
                )
    return found
