"""The explainable signals between a legacy structure (or groupe) and a dispositif.

Each signal has a stable code, a French label (they make the « Motif de la proposition ») and
a weight, read as evidence in favour (> 0) or against (< 0) « this dispositif replaces this
structure ». The weights order the evidence the way an operator would:

- a structure declared by the dispositif in « Structures SI SIAO actuelles » (+10) settles it
  unless something contradicts it (see :func:`contredite`), then it only counts +2;
- an identifier shared — SIRET (+5, +3 when several dispositifs share it, which is legitimate
  for services of one establishment) or FINESS ET (+5) — is strong but users copy the head
  office's SIRET or a sibling's, so a different SIRET only costs −1.5;
- the same entité (+2.5) narrows the search to its dispositifs; another entité (−4) almost
  rules a candidate out, since a structure does not change hands between Temps 1 and Temps 2;
- names (rapidfuzz, service/bascule/names.py): identical +5, very close +3.5, close +1.5,
  different −2.5; a name that several active structures of the entité bear in the département
  (the legacy base has such homonyms) only +1.5, whatever its closeness;
- the same address +2.5, the same commune +0.5, another commune −1.5;
- the type, from the reviewed table: usual successor +1.5, possible +0.5, unexpected −6 (a
  groupe never lands in an unexpected type with confidence, but a typo in the type of a
  dispositif must not hide it from the candidates);
- groupe level, to tell apart the dispositifs one structure was split into: its public accueilli
  entirely among the dispositif's publics +2, partly +0.5, not at all −6 (declared publics are
  sometimes incomplete, so it is not a veto, but it outweighs a SIRET); places whose kind does
  not fit the type (urgence in a résidence sociale) −2; the groupe's own address +2.

The thresholds that turn scores into a confidence live in service/bascule/groupes.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from service.bascule.model import LegacyGroupe, LegacyStructure, OffreDispositif, Signal
from service.bascule.names import NameKey, name_key, similarity
from service.bascule.types import Compatibilite, compatibilite, place_compatible
from service.referentiels.listes import PUBLICS, TYPES_STRUCTURE_HISTORIQUES
from service.referentiels.nomenclature import TYPES_BY_CODE
from service.referentiels.text import fold, normalise_name

DECLAREE = 10.0
DECLAREE_CONTREDITE = 2.0
NOM_DIFFERENT_SOUS = 45.0  # similarity below which names are « différents »
_PUBLICS_BY_KEY = {fold(p): p for p in PUBLICS}
_PUBLIC_SEPARATORS = re.compile(r"[,;\n]+")


@dataclass(frozen=True, slots=True)
class StructureSignals:
    """The structure-level signals of one (structure, dispositif) pair."""

    dispositif: OffreDispositif
    signaux: tuple[Signal, ...]
    declaree: bool
    identite: bool  # an identifier or a very close name of the same entité agrees

    @property
    def score(self) -> float:
        return sum(s.poids for s in self.signaux)

    def code(self, code: str) -> bool:
        return any(s.code == code for s in self.signaux)


@lru_cache(maxsize=1 << 14)
def address_key(adresse: str | None, code_postal: str | None) -> str | None:
    """« 12 bis, Rue Jean-Jaurès » and « 12 bis rue Jean Jaurès » compare equal."""
    if not adresse or not code_postal:
        return None
    return f"{normalise_name(adresse)}|{code_postal.strip()}"


@lru_cache(maxsize=1 << 12)
def publics_of(text: str | None) -> frozenset[str]:
    """Canonical publics named in a legacy free-text public (unknown words are ignored)."""
    if not text:
        return frozenset()
    parts = (_PUBLICS_BY_KEY.get(fold(p)) for p in _PUBLIC_SEPARATORS.split(text))
    return frozenset(p for p in parts if p)


@lru_cache(maxsize=1 << 12)
def _as_set(publics: tuple[str, ...]) -> frozenset[str]:
    return frozenset(publics)


def _type_label(type_code: str) -> str:
    record = TYPES_BY_CODE.get(type_code)
    return record.libelle if record else type_code


def _name_signal(
    structure_name: NameKey, dispositif: OffreDispositif, homonymes: int
) -> Signal | None:
    score = similarity(structure_name, name_key(dispositif.nom, dispositif.commune))
    if score >= 85 and homonymes > 1:
        label = f"nom proche, mais porté par {homonymes} structures de l'entité"
        return Signal("NOM_HOMONYME", label, 1.5)
    if score >= 95:
        return Signal("MEME_NOM", "même nom", 5.0)
    if score >= 85:
        return Signal("NOM_TRES_PROCHE", f"nom très proche ({score:.0f} %)", 3.5)
    if score >= 70:
        return Signal("NOM_PROCHE", f"nom proche ({score:.0f} %)", 1.5)
    if score < NOM_DIFFERENT_SOUS:
        return Signal("NOM_DIFFERENT", "nom différent", -2.5)
    return None


def _type_signal(structure: LegacyStructure, dispositif: OffreDispositif) -> Signal:
    legacy = TYPES_STRUCTURE_HISTORIQUES.get(structure.type_code, str(structure.type_code))
    label = _type_label(dispositif.type_code)
    match compatibilite(structure.type_code, dispositif.type_code):
        case Compatibilite.PRINCIPAL:
            return Signal("TYPE_ATTENDU", f"type attendu ({label})", 1.5)
        case Compatibilite.POSSIBLE:
            return Signal("TYPE_POSSIBLE", f"type possible ({label})", 0.5)
    return Signal("TYPE_INATTENDU", f"type « {label} » inattendu pour « {legacy} »", -6.0)


def structure_signals(
    structure: LegacyStructure,
    dispositif: OffreDispositif,
    siret_partage: int = 1,
    homonymes: int = 1,
) -> StructureSignals:
    """Signals between a legacy structure and a dispositif of the same département.

    ``siret_partage``: how many dispositifs of the département carry that SIRET;
    ``homonymes``: how many active structures of the entité in the département bear this name
    (« CHU Nanterre » twice): then the name tells them apart from nothing and counts little.
    """
    signaux: list[Signal] = []
    declaree = structure.id in dispositif.structures_historiques
    if declaree:
        label = "structure déclarée dans le dispositif"
        signaux.append(Signal("STRUCTURE_DECLAREE", label, DECLAREE))
    if structure.siret and dispositif.siret:
        if structure.siret == dispositif.siret:
            if siret_partage > 1:
                label = f"même SIRET (commun à {siret_partage} dispositifs)"
                signaux.append(Signal("MEME_SIRET", label, 3.0))
            else:
                signaux.append(Signal("MEME_SIRET", "même SIRET", 5.0))
        else:
            signaux.append(Signal("SIRET_DIFFERENT", "SIRET différent", -1.5))
    if structure.finess and structure.finess in dispositif.finess_et:
        signaux.append(Signal("MEME_FINESS", "même FINESS", 5.0))
    if structure.entite_siren:
        if structure.entite_siren == dispositif.siren:
            signaux.append(Signal("MEME_ENTITE", "même entité (SIREN)", 2.5))
        else:
            signaux.append(Signal("AUTRE_ENTITE", "autre entité", -4.0))
    name = _name_signal(name_key(structure.nom, structure.commune), dispositif, homonymes)
    if name is not None:
        signaux.append(name)
    same_address = address_key(structure.adresse, structure.code_postal) is not None and (
        address_key(structure.adresse, structure.code_postal)
        == address_key(dispositif.adresse, dispositif.code_postal)
    )
    if same_address:
        signaux.append(Signal("MEME_ADRESSE", "même adresse", 2.5))
    elif structure.commune and dispositif.commune:
        if fold(structure.commune) == fold(dispositif.commune):
            signaux.append(Signal("MEME_COMMUNE", "même commune", 0.5))
        else:
            signaux.append(Signal("AUTRE_COMMUNE", "autre commune", -1.5))
    signaux.append(_type_signal(structure, dispositif))
    codes = {s.code for s in signaux}
    identite = bool(codes & {"MEME_SIRET", "MEME_FINESS"}) or (
        "MEME_ENTITE" in codes and bool(codes & {"MEME_NOM", "NOM_TRES_PROCHE"})
    )
    return StructureSignals(dispositif, tuple(signaux), declaree, identite)


def contredite(declared: StructureSignals, others: Iterable[StructureSignals]) -> str | None:
    """Why a declaration « Structures SI SIAO actuelles » is not to be trusted, or None.

    A declared structure is decisive unless the dispositif is of an unexpected type, or nothing
    but the declaration agrees (no identifier, address or close name) while it belongs to
    another entité or another dispositif carries the structure's identifiers. The wrong declarations
    met in Temps 1 files are ids typed into the neighbouring row.
    """
    if declared.code("TYPE_INATTENDU"):
        return "type inattendu"
    close_name = any(declared.code(c) for c in ("MEME_NOM", "NOM_TRES_PROCHE", "NOM_PROCHE"))
    agree = declared.identite or declared.code("MEME_ADRESSE") or close_name
    if declared.code("AUTRE_ENTITE") and not agree:
        return "autre entité, rien d'autre ne correspond"
    if not agree and any(o.identite and not o.declaree for o in others):
        return "un autre dispositif porte les identifiants de la structure"
    return None


def groupe_signals(
    groupe: LegacyGroupe, structure: LegacyStructure, dispositif: OffreDispositif
) -> tuple[Signal, ...]:
    """Groupe-level signals, which separate the dispositifs one structure was split into."""
    signaux: list[Signal] = []
    publics = publics_of(groupe.public)
    if publics and dispositif.publics:
        accueillis = publics & _as_set(dispositif.publics)
        if accueillis == publics:
            signaux.append(Signal("PUBLIC_ACCUEILLI", "public accueilli par le dispositif", 2.0))
        elif accueillis:
            signaux.append(Signal("PUBLIC_PARTIEL", "public en partie accueilli", 0.5))
        else:
            signaux.append(Signal("PUBLIC_NON_ACCUEILLI", "public non accueilli", -6.0))
    if not place_compatible(groupe.type_place, dispositif.type_code):
        kind = _type_label(dispositif.type_code)
        label = f"places « {groupe.type_place} » dans un dispositif {kind}"
        signaux.append(Signal("TYPE_PLACE_INCOMPATIBLE", label, -2.0))
    own = address_key(groupe.adresse, groupe.code_postal)
    if (
        own is not None
        and own != address_key(structure.adresse, structure.code_postal)
        and own == address_key(dispositif.adresse, dispositif.code_postal)
    ):
        signaux.append(Signal("ADRESSE_DU_GROUPE", "adresse du groupe", 2.0))
    return tuple(signaux)
