"""A noisy Temps 1 workbook derived from legacy structures, and the ground truth of Temps 2.

service/legacy/temps1.py writes the clean pre-fill an operator would start from; this module
writes what operators actually send, so that the Temps 2 matching is measured, not assumed
(bench/bench_matching.py): renamed structures (acronyms spelled out, commune appended, typos,
new names), missing, head-office or swapped SIRET, FINESS dropped, moved addresses, two
structures of one entité merged into one dispositif, one structure split by public into two
dispositifs, DNA structures described as Premier accueil (no places), night shelters that became
Veille sociale, structures left out or described as closed, legacy entités without SIREN given
one, a few wrong types, new dispositifs that replace nothing, and « Structures SI SIAO
actuelles » filled for about a quarter of the dispositifs (never more than 30 %), a few wrongly.

The truth, per active legacy groupe de places (groupe and structure ``actif``): the dispositif it
truly belongs to, or None when it must be excluded (DNA places, a successor without places, a
closed or undescribed structure). Dispositif identifiants are assigned at import, so a
dispositif is named by its natural key — SIREN + département + type + normalised name, the key of
IMPORT-FORMAT.md, unique in the database — and by its row in the sheet « Dispositifs ».

Deterministic: each département draws from ``Random(f"{graine}:bruit:{code}")``.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Connection

from service.bascule.loading import load_departement
from service.bascule.model import LegacyGroupe, LegacyStructure
from service.bascule.signals import publics_of
from service.imports.template import Prefill
from service.legacy import generator_data as data
from service.legacy.noisy_choices import (
    NIGHT_SHELTERS,
    renamed,
    split_by_public,
    successor,
)
from service.referentiels.listes import PUBLICS
from service.referentiels.nomenclature import TYPES_BY_CODE, carries_capacity
from service.referentiels.text import normalise_name

DECLARED_SHARE = 0.25  # dispositifs listing their legacy structures (issue: at most 30 %)
WRONG_DECLARATION = 0.06  # of those, the share with a wrong structure id
FERMETURE = date(2024, 12, 31)
_PLACES_TYPES = tuple(c for c, t in TYPES_BY_CODE.items() if t.offre in ("places", "logements"))
# New dispositifs that replace no legacy structure: (type, name pattern).
_NOUVEAUX = (
    ("HEB_CHRS", "CHRS {lieu}"),
    ("HEB_HORS_CHRS", "CHU {lieu}"),
    ("RS_PENSION_FAMILLE", "Pension de famille {lieu}"),
    ("IML_LOCATION_SOUS_LOCATION", "Solibail {commune}"),
    ("VS_ACCUEIL_JOUR", "Accueil de jour {lieu}"),
    ("VS_MARAUDE", "Maraude {commune}"),
    ("VS_SAO", "Service d'accueil et d'orientation {commune}"),
    ("ACC_AVDL", "AVDL {commune}"),
    ("ACC_ASLL", "ASLL {lieu}"),
    ("PA_SECTEUR", "Accueil social {commune}"),
)


class DispositifKey(NamedTuple):
    """The natural key of a dispositif (IMPORT-FORMAT.md): unique in offre.dispositif."""

    siren: str
    departement: str
    type_code: str
    nom_normalise: str


@dataclass(frozen=True, slots=True)
class Verite:
    """Where a legacy groupe truly belongs; ``dispositif`` None: it must be excluded.

    ``ligne``: the dispositif's row in the sheet « Dispositifs » (header = row 1); ``raison``:
    dispositif | dna | sans_places | ferme | absent.
    """

    dispositif: DispositifKey | None
    ligne: int | None
    raison: str


@dataclass(frozen=True, slots=True)
class NoisyTemps1:
    prefill: Prefill
    verite: dict[int, Verite]  # legacy groupe id → truth
    bruit: Counter[str] = field(default_factory=Counter)  # how often each noise was applied


@dataclass(slots=True)
class _Workbook:
    """The rows being written, shared by the départements of one call."""

    entites: dict[str, dict[str, Any]] = field(default_factory=dict)
    dispositifs: list[dict[str, Any]] = field(default_factory=list)
    keys: set[DispositifKey] = field(default_factory=set)
    verite: dict[int, Verite] = field(default_factory=dict)
    bruit: Counter[str] = field(default_factory=Counter)


def _siren(s: LegacyStructure, offset: int) -> str:
    """The legacy SIREN, or the one the operator knows for an entité the legacy lacks."""
    return s.entite_siren or data.with_key(data.scrambled("4", s.entite_id, offset))


class _Departement:
    def __init__(
        self,
        book: _Workbook,
        code: str,
        structures: Sequence[LegacyStructure],
        groupes: Sequence[LegacyGroupe],
        graine: int,
    ) -> None:
        self.book, self.code = book, code
        self.rng = random.Random(f"{graine}:bruit:{code}")
        self.offset = random.Random(f"{graine}:identifiants").randrange(10**7)
        self.structures = list(structures)
        self.groupes: dict[int, list[LegacyGroupe]] = defaultdict(list)
        for g in groupes:
            if g.actif:
                self.groupes[g.structure_id].append(g)
        self.by_entite: dict[int, list[LegacyStructure]] = defaultdict(list)
        for s in self.structures:
            if s.actif:
                self.by_entite[s.entite_id].append(s)
        self.rows: list[dict[str, Any]] = []  # this département's dispositifs
        self.replaces: list[list[int]] = []  # per row, the legacy structures it truly replaces

    # --- rows -----------------------------------------------------------------------------
    def _key(self, siren: str, type_code: str, nom: str) -> tuple[str, DispositifKey]:
        """A name whose natural key is still free (homonyms get their commune or a site)."""
        candidate, n = nom, 1
        while (key := DispositifKey(siren, self.code, type_code, normalise_name(candidate))) in (
            self.book.keys
        ):
            n += 1
            candidate = f"{nom} – site {n}"
        self.book.keys.add(key)
        return candidate, key

    def _entite(self, s: LegacyStructure) -> str:
        siren = _siren(s, self.offset)
        if siren not in self.book.entites:
            self.book.entites[siren] = {
                "siren": siren,
                "raison_sociale": s.entite_nom or f"Entité {siren}",
                "departement_siege": self.code,
            }
        if not s.entite_siren:
            self.book.bruit["siren_fourni"] += 1
        return siren

    def _siret(self, s: LegacyStructure, siren: str) -> str | None:
        r = self.rng.random()
        if not s.siret:
            if r < 0.4:
                return data.with_key(f"{siren}{9000 + s.id % 1000:04d}")
            return None
        if r < 0.65:
            return s.siret
        if r < 0.85:
            self.book.bruit["siret_absent"] += 1
            return None
        siblings = [o for o in self.by_entite[s.entite_id] if o.id != s.id and o.siret]
        if r < 0.95 or not siblings:
            self.book.bruit["siret_siege"] += 1
            return data.with_key(f"{siren}0001")
        self.book.bruit["siret_d_une_autre_structure"] += 1
        return self.rng.choice(siblings).siret

    def _address(self, s: LegacyStructure) -> tuple[str | None, str | None, str | None]:
        r = self.rng.random()
        if r < 0.75 or not s.commune:
            return s.adresse, s.code_postal, s.commune
        if r < 0.85:
            self.book.bruit["adresse_nouvelle"] += 1
            voie, _, _ = data.address(self.rng, self.code)
            return voie, s.code_postal, s.commune
        if r < 0.95:
            self.book.bruit["adresse_absente"] += 1
            return None, None, s.commune if r < 0.9 else None
        self.book.bruit["autre_commune"] += 1
        return data.address(self.rng, self.code)

    def dispositif(
        self,
        s: LegacyStructure,
        type_code: str,
        *,
        nom: str | None = None,
        groupes: Iterable[LegacyGroupe] = (),
        replaces: Sequence[int] = (),
        publics: bool | None = None,
        ferme: bool = False,
    ) -> tuple[DispositifKey, int]:
        """Write one dispositif describing ``s`` (``replaces``: the legacy structures it truly
        replaces, which it may declare later); returns its key and row number."""
        rng = self.rng
        siren = self._entite(s)
        if nom is None:
            nom, kind = renamed(rng, s.nom, s.commune)
            if kind:
                self.book.bruit[f"nom_{kind}"] += 1
        if type_code in _PLACES_TYPES and rng.random() < 0.02:
            type_code = rng.choice(_PLACES_TYPES)
            self.book.bruit["type_errone"] += 1
        nom, key = self._key(siren, type_code, nom)
        finess = [s.finess] if s.finess and rng.random() < 0.7 else []
        if s.finess and not finess:
            self.book.bruit["finess_absent"] += 1
        adresse, code_postal, commune = self._address(s)
        groupes = list(groupes)
        described = sorted({p for g in groupes for p in publics_of(g.public)})
        if publics is None:
            publics = rng.random() < 0.6
            r = rng.random()  # publics are declared broadly, sometimes one is forgotten
            if publics and r < 0.1 and len(described) > 1:
                described.remove(rng.choice(described))
                self.book.bruit["public_oublie"] += 1
            elif publics and r < 0.3:
                described = sorted({*described, rng.choice(PUBLICS)})
        carries = carries_capacity(TYPES_BY_CODE[type_code])
        row: dict[str, Any] = {
            "siren": siren,
            "nom": nom,
            "type_code": TYPES_BY_CODE[type_code].libelle,
            "departement": self.code,
            "siret": self._siret(s, siren),
            "finess_et": finess,
            "adresse": adresse,
            "code_postal": code_postal,
            "commune": commune,
            "capacite_financee": sum(g.nb_places for g in groupes) if carries else None,
            "publics": described if publics else [],
            "structures_historiques": [],
            "date_fermeture": FERMETURE if ferme else None,
        }
        self.rows.append(row)
        self.replaces.append(list(replaces))
        self.book.dispositifs.append(row)
        return key, len(self.book.dispositifs) + 1

    def truth(
        self,
        groupes: Iterable[LegacyGroupe],
        key: DispositifKey | None,
        ligne: int | None,
        raison: str,
    ) -> None:
        for g in groupes:
            self.book.verite[g.id] = Verite(key, ligne, raison)

    # --- fates ----------------------------------------------------------------------------
    def run(self) -> None:
        done: set[int] = set()
        for s in self.structures:
            if s.id in done:
                continue
            done.add(s.id)
            if s.actif:
                self._active(s, done)
            elif self.rng.random() < 0.3:  # closed long ago, still described as closed
                self.dispositif(s, successor(self.rng, s), replaces=[s.id], ferme=True)
        for _ in range(round(0.1 * len(self.rows))):
            self._new()
        self._declare()

    def _active(self, s: LegacyStructure, done: set[int]) -> None:
        rng, groupes = self.rng, self.groupes[s.id]
        r = rng.random()
        if s.type_code == 700:
            if r < 0.85:
                self.dispositif(s, "PA_DNA", groupes=groupes, replaces=[s.id])
            self.truth(groupes, None, None, "dna")
            return
        if normalise_name(s.nom).startswith(NIGHT_SHELTERS) and r < 0.5:
            self.book.bruit["veille_sociale"] += 1
            self.dispositif(s, "VS_HALTE_NUIT", groupes=groupes, replaces=[s.id])
            self.truth(groupes, None, None, "sans_places")
            return
        if r < 0.03:
            self.book.bruit["structure_absente"] += 1
            self.truth(groupes, None, None, "absent")
            return
        type_code = successor(rng, s)
        if r < 0.05:
            self.book.bruit["dispositif_ferme"] += 1
            self.dispositif(s, type_code, groupes=groupes, replaces=[s.id], ferme=True)
            self.truth(groupes, None, None, "ferme")
            return
        if r < 0.11 and (partner := self._partner(s, done)) is not None:
            done.add(partner.id)
            self.book.bruit["fusion"] += 1
            both = [*groupes, *self.groupes[partner.id]]
            nom = None
            if rng.random() < 0.5:
                nom = f"{s.nom} et {partner.nom.partition(' ')[2] or partner.nom}"
            key, ligne = self.dispositif(
                s, type_code, nom=nom, groupes=both, replaces=[s.id, partner.id]
            )
            self.truth(both, key, ligne, "dispositif")
            return
        if r < 0.17 and (parts := split_by_public(groupes)) is not None:
            self.book.bruit["scission"] += 1
            base, _ = renamed(rng, s.nom, s.commune)
            for part in parts:
                public = sorted(p for g in part for p in publics_of(g.public))[0]
                key, ligne = self.dispositif(
                    s,
                    type_code,
                    nom=f"{base} – {public.lower()}",
                    groupes=part,
                    replaces=[s.id],
                    publics=True,
                )
                self.truth(part, key, ligne, "dispositif")
            return
        key, ligne = self.dispositif(s, type_code, groupes=groupes, replaces=[s.id])
        self.truth(groupes, key, ligne, "dispositif")

    def _partner(self, s: LegacyStructure, done: set[int]) -> LegacyStructure | None:
        same = [
            o
            for o in self.by_entite[s.entite_id]
            if o.id not in done and o.type_code == s.type_code and self.groupes[o.id]
        ]
        return self.rng.choice(same) if same else None

    def _new(self) -> None:
        """A dispositif that replaces no legacy structure, run by an entité of the département."""
        model = self.rng.choice([s for s in self.structures if s.actif] or self.structures)
        type_code, pattern = self.rng.choice(_NOUVEAUX)
        voie, code_postal, commune = data.address(self.rng, self.code)
        nom = pattern.format(lieu=self.rng.choice(data.NOMS_LIEU), commune=commune)
        place = replace(
            model,
            nom=nom,
            siret=None,
            finess=None,
            adresse=voie,
            code_postal=code_postal,
            commune=commune,
        )
        self.book.bruit["nouveau_dispositif"] += 1
        self.dispositif(place, type_code, nom=nom)

    def _declare(self) -> None:
        """« Structures SI SIAO actuelles » for about DECLARED_SHARE of the rows, never > 30 %;
        a wrong one is an id typed from a neighbouring row."""
        rng, ids = self.rng, [s.id for s in self.structures]
        share = DECLARED_SHARE
        declared = [i for i, true in enumerate(self.replaces) if true and rng.random() < share]
        for i in declared[: int(0.3 * len(self.rows))]:
            structures = self.replaces[i]
            if len(structures) > 1 and rng.random() < 0.3:
                structures = structures[:1]
            if rng.random() < WRONG_DECLARATION and len(ids) > 1:
                self.book.bruit["declaration_erronee"] += 1
                position = ids.index(structures[0])
                neighbour = position + 1 if position + 1 < len(ids) else position - 1
                structures = [ids[neighbour]]
            self.rows[i]["structures_historiques"] = list(structures)
            self.book.bruit["declaration"] += 1


def noisy_workbook(
    departements: Iterable[tuple[str, Sequence[LegacyStructure], Sequence[LegacyGroupe]]],
    graine: int = 0,
) -> NoisyTemps1:
    """The noisy workbook and its truth for (code, structures, groupes) per département."""
    book = _Workbook()
    for code, structures, groupes in departements:
        _Departement(book, code, sorted(structures, key=lambda s: s.id), groupes, graine).run()
    prefill = Prefill(entites=list(book.entites.values()), dispositifs=book.dispositifs)
    return NoisyTemps1(prefill, book.verite, book.bruit)


def noisy_from_legacy(
    connection: Connection, departements: Sequence[str], graine: int = 0
) -> NoisyTemps1:
    """The same, from the legacy tables of ``departements``."""
    loaded = []
    for code in departements:
        offre = load_departement(connection, code)
        loaded.append((code, offre.structures, offre.groupes))
    return noisy_workbook(loaded, graine)
