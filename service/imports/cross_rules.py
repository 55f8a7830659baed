"""Rules across rows and against the database (duplicates, references), pure.

They work on compact keys kept while reading, and on database keys loaded once as sets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from service.imports.anomalies import Anomalie, anomaly, quote
from service.imports.columns import DISPOSITIFS, ENTITES
from service.referentiels.checks import Severite
from service.referentiels.suggestions import KnownValues, did_you_mean
from service.referentiels.text import normalise_name

_E = Severite.ERREUR
# Similarity (rapidfuzz token_set_ratio, %) from which a new name is taken for an existing one:
# « CHRS Les Lilas » ~ « CHRS Les Lilas Paris » (100), not ~ « CHRS Les Roses » (71).
_SIMILAR = 85


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
    nom_normalise: str | None = None  # the name's key, when already computed

    def natural(self) -> tuple[str, str, str, str] | None:
        if self.siren and self.departement and self.type_code and self.nom:
            nom = self.nom_normalise or normalise_name(self.nom)
            return (self.siren, self.departement, self.type_code, nom)
        return None

    def key(self) -> str | None:
        """Identifiant, else SIREN + département + type + normalised name."""
        if self.identifiant:
            return self.identifiant
        natural = self.natural()
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
    what = "le même dispositif" if feuille == DISPOSITIFS.name else "la même entité"
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
                    f"apparaît aussi {_others(lines, ligne)} ({what}) : gardez une seule ligne.",
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
    sirens = KnownValues(known.sirens | file_entites.keys())
    for d in dispositifs:
        if d.siren and d.siren not in known.sirens:
            found.extend(_entite_problem(d, file_entites.get(d.siren), sirens))
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
                        "n'est l'identifiant d'aucun dispositif de votre périmètre : laissez la "
                        "cellule vide pour créer un dispositif, ou repartez d'un export à jour.",
                        d.departement,
                    )
                )
    return found


def _entite_problem(
    d: DispositifKey, in_file: EntiteKey | None, sirens: KnownValues
) -> list[Anomalie]:
    """ENTITE_INCONNUE when no entité has the SIREN, ENTITE_EN_ERREUR when the file's own
    entité of that SIREN is refused."""
    if in_file is not None and not in_file.has_error:
        return []
    if in_file is None:
        code = "ENTITE_INCONNUE"
        detail = (
            "n'est le SIREN d'aucune entité, ni de la feuille Entités ni du Module Offre : "
            "ajoutez l'entité dans la feuille Entités."
        )
        meant = sirens.siren(d.siren or "")
        detail += did_you_mean(meant) if meant else ""
    else:
        code = "ENTITE_EN_ERREUR"
        detail = (
            f"est le SIREN d'une entité de la feuille Entités (ligne {in_file.ligne}) qui "
            "contient des erreurs : corrigez-la d'abord, ce dispositif sera alors lu."
        )
    header = DISPOSITIFS.column("siren").header
    return [anomaly(DISPOSITIFS.name, d.ligne, header, d.siren, code, _E, detail, d.departement)]


@dataclass(frozen=True, slots=True)
class LiveDispositif:
    """An existing dispositif, as the probable-duplicate rule compares it."""

    identifiant: str
    siren: str
    departement: str
    type_code: str
    nom: str
    nom_normalise: str = ""  # as stored; computed when absent

    def name_key(self) -> str:
        return self.nom_normalise or normalise_name(self.nom)


def probable_duplicates(
    dispositifs: Sequence[DispositifKey], live: Iterable[LiveDispositif]
) -> list[Anomalie]:
    """DOUBLON_PROBABLE: a row without identifiant that would create a dispositif when one of
    the same entité, département and type exists under a similar name (a rename typed without
    the identifiant, a typo): the warning names it, nothing else changes."""
    by_group: dict[tuple[str, str, str], list[LiveDispositif]] = defaultdict(list)
    for current in live:
        by_group[(current.siren, current.departement, current.type_code)].append(current)
    # Existing dispositifs this file already updates are not what a new row was meant to be.
    updated = {d.identifiant for d in dispositifs if d.identifiant}
    named = {d.natural() for d in dispositifs if not d.identifiant}
    header = DISPOSITIFS.column("nom").header
    found = []
    for d in dispositifs:
        natural = d.natural()
        if d.identifiant or d.has_error or natural is None:
            continue
        candidates = {
            name: c
            for c in by_group.get(natural[:3], ())
            if c.identifiant not in updated
            and (c.siren, c.departement, c.type_code, (name := c.name_key())) not in named
        }
        match = process.extractOne(
            natural[3], list(candidates), scorer=fuzz.token_set_ratio, score_cutoff=_SIMILAR
        )
        if match is None:
            continue
        same = candidates[match[0]]
        found.append(
            anomaly(
                DISPOSITIFS.name,
                d.ligne,
                header,
                d.nom,
                "DOUBLON_PROBABLE",
                Severite.AVERTISSEMENT,
                f"ressemble au dispositif existant {same.identifiant} ({quote(same.nom)}) de la "
                "même entité, du même type et du même département : sans identifiant, cette "
                "ligne en crée un nouveau. S'il s'agit du même (renommé), recopiez "
                f"{same.identifiant} dans la colonne Identifiant.",
                d.departement,
            )
        )
    return found
