"""Proposals for the active legacy groupes de places of one département (Temps 2).

    offre = load_departement(connection, "93")      # service/bascule/loading.py
    for p in propose_groupes(offre): p.dispositif, p.confiance, p.motif, p.candidats

Pure: everything comes in :class:`DepartementOffre`. For each active structure (structure and
groupe both ``actif``), candidates are first gathered through indexes — declared structure,
SIRET, FINESS, SIREN, address, and names close enough by rapidfuzz — so that a département
costs milliseconds, not the full cross product; each candidate is then scored by the signals of
service/bascule/signals.py, structure level once per structure, groupe level per groupe.

Confidence:

- ``haute``: score ≥ 9 and ahead of the next candidate by ≥ 4, with no doubt on the winner
  (declaration contradicted, unexpected type, places or public that do not fit). 9 is what an
  undeclared structure reaches with two independent agreements among identifier, name, address
  and entité (same entité + same name + expected type = 9); the margin 4 is about the weight of
  the weaker of them, so that one accidental agreement of the runner-up cannot make a wrong
  « haute ». Calibration on bench/bench_matching.py (10 départements, graine 0, 3 692 groupes),
  score/margin → precision of « haute », and coverage of the undeclared groupes whose truth is a
  dispositif: 7/2 → 99.6 %, 90.5 %; 8/4 → 99.96 %, 87.8 %; 9/4 → 100 %, 86.5 %; 10/4 → 100 %,
  81.9 %; 12/5 → 100 %, 67.7 %. Graines 1 and 2 at 9/4: 99.8 % and 99.7 %, 83.2 % and 85.0 %.
  9/4 keeps the precision far above the 97 % target — a margin for the noise of real files that
  the generator does not model — with a coverage well above the 60 % target.
- ``moyenne``: score ≥ 5 and margin ≥ 1.5: one strong agreement, or a clear lead.
- ``faible``: score ≥ 2: something agrees; the operator looks.
- ``aucune``: nothing agrees, the structure was a DNA (now Premier accueil, without places), or
  its best match is a dispositif that takes no places or is closed — never proposed, each with
  an alert (``PLACES_DNA``, ``TYPE_INCOMPATIBLE``, ``DISPOSITIF_FERME``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from service.bascule.model import (
    Alerte,
    Candidat,
    Confiance,
    DepartementOffre,
    LegacyGroupe,
    LegacyStructure,
    OffreDispositif,
    PropositionGroupe,
    Rattachement,
    Signal,
)
from service.bascule.names import canonical
from service.bascule.signals import (
    DECLAREE_CONTREDITE,
    StructureSignals,
    address_key,
    contredite,
    groupe_signals,
    structure_signals,
)
from service.bascule.types import avec_places
from service.referentiels.nomenclature import TYPES_BY_CODE

HAUTE_SCORE, HAUTE_ECART = 9.0, 4.0
MOYENNE_SCORE, MOYENNE_ECART = 5.0, 1.5
FAIBLE_SCORE = 2.0
# A dispositif without places (or closed) that matches the structure this well, and this far
# ahead of every dispositif with places, is the structure's successor: its groupes go nowhere.
SANS_PLACES_SCORE, SANS_PLACES_ECART = 8.0, 3.0
# Names are compared, for gathering candidates, as their sorted canonical words with the plain
# rapidfuzz ratio (a tenth of the cost of token_set_ratio); below this, a name alone brings no
# candidate. The scoring itself uses names.similarity.
_NAME_CUTOFF = 55
_NAME_LIMIT = 10  # names alone bring at most this many candidates
# Groupe-level signals are computed for the best candidates of the structure only: a
# structure is rarely split into more dispositifs than that.
_GROUPE_CANDIDATES = 8
CANDIDATS_MAX = 5  # candidates kept per groupe (workbook, API)
_DOUBTS = frozenset({"TYPE_INATTENDU", "TYPE_PLACE_INCOMPATIBLE", "PUBLIC_NON_ACCUEILLI"})
DNA = 700


@dataclass(slots=True)
class _Index:
    """The département's dispositifs, indexed by every key a structure may share with them."""

    dispositifs: Sequence[OffreDispositif]
    declares: defaultdict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    siret: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    finess: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    siren: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    address: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    names: dict[int, str] = field(default_factory=dict)

    @classmethod
    def build(cls, dispositifs: Sequence[OffreDispositif]) -> _Index:
        index = cls(dispositifs)
        for i, d in enumerate(dispositifs):
            for structure_id in d.structures_historiques:
                index.declares[structure_id].append(i)
            if d.siret:
                index.siret[d.siret].append(i)
            for finess in d.finess_et:
                index.finess[finess].append(i)
            index.siren[d.siren].append(i)
            if key := address_key(d.adresse, d.code_postal):
                index.address[key].append(i)
            index.names[i] = _sorted_words(d.nom)
        return index

    def candidates(self, s: LegacyStructure) -> list[int]:
        found: set[int] = set(self.declares.get(s.id, ()))
        for table, key in (
            (self.siret, s.siret),
            (self.finess, s.finess),
            (self.siren, s.entite_siren),
            (self.address, address_key(s.adresse, s.code_postal)),
        ):
            if key:
                found.update(table.get(key, ()))
        close = process.extract(
            _sorted_words(s.nom),
            self.names,
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=_NAME_CUTOFF,
            limit=_NAME_LIMIT,
        )
        found.update(key for _, _, key in close)
        return sorted(found)


def _homonym_key(s: LegacyStructure) -> tuple[str | int, str]:
    return s.entite_siren or s.entite_id, canonical(s.nom)


def _sorted_words(name: str) -> str:
    return " ".join(sorted(canonical(name).split()))


def _scored(s: LegacyStructure, index: _Index, homonymes: int) -> list[StructureSignals]:
    """Structure-level signals of every candidate, a contradicted declaration downgraded."""
    scored = [
        structure_signals(s, d, len(index.siret.get(d.siret, ())) if d.siret else 1, homonymes)
        for d in (index.dispositifs[i] for i in index.candidates(s))
    ]
    result = []
    for current in scored:
        reason = contredite(current, scored) if current.declaree else None
        result.append(current if reason is None else _contradicted(current, reason))
    return result


def _candidat(pair: StructureSignals, extra: Iterable[Signal] = ()) -> Candidat:
    signaux = (*pair.signaux, *extra)
    d = pair.dispositif
    return Candidat(d.identifiant, d.nom, d.type_code, sum(s.poids for s in signaux), signaux)


def _groupe_candidates(
    g: LegacyGroupe, s: LegacyStructure, pairs: Sequence[StructureSignals]
) -> Iterator[Candidat]:
    """Candidates with their groupe-level signals.

    A declaration settles the structure, not each of its groupes: when the structure was split
    by public and only one part declares it, a groupe whose public that part does not take but
    another candidate does belongs to the other part, so the declaration is downgraded there.
    """
    scored = [(pair, groupe_signals(g, s, pair.dispositif)) for pair in pairs]
    elsewhere = any(
        not pair.declaree and any(x.code == "PUBLIC_ACCUEILLI" for x in extra)
        for pair, extra in scored
    )
    for pair, extra in scored:
        refused = any(x.code == "PUBLIC_NON_ACCUEILLI" for x in extra)
        if pair.declaree and refused and elsewhere and pair.code("STRUCTURE_DECLAREE"):
            pair = _contradicted(pair, "public non accueilli")
        yield _candidat(pair, extra)


def _contradicted(pair: StructureSignals, reason: str) -> StructureSignals:
    label = f"structure déclarée dans le dispositif, mais contredite ({reason})"
    declared = Signal("DECLARATION_CONTREDITE", label, DECLAREE_CONTREDITE)
    others = [sig for sig in pair.signaux if sig.code != "STRUCTURE_DECLAREE"]
    return StructureSignals(pair.dispositif, (declared, *others), True, False)


def _describe(d: OffreDispositif) -> str:
    record = TYPES_BY_CODE.get(d.type_code)
    return f"{d.identifiant} « {d.nom} » ({record.libelle if record else d.type_code})"


def _without_places(
    s: LegacyStructure, blocked: Sequence[StructureSignals], best_with_places: float
) -> tuple[str, Alerte] | None:
    """The motif and alert when the structure's successor takes no places or is closed."""
    if s.type_code == DNA:
        message = (
            "Places DNA : le DNA relève désormais du Premier accueil, sans places ; "
            "excluez ce groupe ou choisissez un dispositif d'hébergement."
        )
        return "structure DNA (Premier accueil, sans places)", Alerte("PLACES_DNA", message)
    for pair in sorted(blocked, key=lambda p: -p.score):
        if pair.score < SANS_PLACES_SCORE or pair.score - best_with_places < SANS_PLACES_ECART:
            return None
        d = pair.dispositif
        if d.ferme:
            motif = f"la structure correspond au dispositif {_describe(d)}, qui est fermé"
            return motif, Alerte("DISPOSITIF_FERME", motif[0].upper() + motif[1:] + ".")
        if not avec_places(d.type_code):
            motif = (
                f"la structure correspond au dispositif {_describe(d)}, "
                "dont le type n'accueille pas de places"
            )
            return motif, Alerte("TYPE_INCOMPATIBLE", motif[0].upper() + motif[1:] + ".")
    return None


def _confiance(best: Candidat, second: float | None) -> Confiance:
    ecart = best.score - second if second is not None else best.score
    doubt = any(s.code in _DOUBTS or s.code == "DECLARATION_CONTREDITE" for s in best.signaux)
    if best.score >= HAUTE_SCORE and ecart >= HAUTE_ECART and not doubt:
        return Confiance.HAUTE
    if best.score >= MOYENNE_SCORE and ecart >= MOYENNE_ECART:
        return Confiance.MOYENNE
    if best.score >= FAIBLE_SCORE:
        return Confiance.FAIBLE
    return Confiance.AUCUNE


def _proposal(
    g: LegacyGroupe,
    s: LegacyStructure,
    open_pairs: Sequence[StructureSignals],
    without_places: tuple[str, Alerte] | None,
) -> PropositionGroupe:
    ranked = sorted(_groupe_candidates(g, s, open_pairs), key=lambda c: (-c.score, c.identifiant))
    candidats = tuple(ranked[:CANDIDATS_MAX])
    if without_places is not None:
        motif, alerte = without_places
        return PropositionGroupe(g.id, s.id, None, Confiance.AUCUNE, motif, candidats, (alerte,))
    if not ranked:
        return PropositionGroupe(g.id, s.id, None, Confiance.AUCUNE, "aucun dispositif candidat")
    best = ranked[0]
    confiance = _confiance(best, ranked[1].score if len(ranked) > 1 else None)
    if confiance is Confiance.AUCUNE:
        motif = f"aucun dispositif ne correspond assez (meilleur candidat : {best.identifiant})"
        return PropositionGroupe(g.id, s.id, None, confiance, motif, candidats)
    return PropositionGroupe(g.id, s.id, best.identifiant, confiance, best.motif, candidats)


def propose_groupes(offre: DepartementOffre) -> list[PropositionGroupe]:
    """One proposal per active legacy groupe de places of the département, by groupe id."""
    index = _Index.build(offre.dispositifs)
    groupes: dict[int, list[LegacyGroupe]] = defaultdict(list)
    for g in offre.groupes:
        if g.actif:
            groupes[g.structure_id].append(g)
    names = Counter(_homonym_key(s) for s in offre.structures if s.actif)
    proposals: list[PropositionGroupe] = []
    for s in offre.structures:
        if not s.actif or not groupes.get(s.id):
            continue
        blocked = _scored(s, index, names[_homonym_key(s)])
        open_pairs = [
            p for p in blocked if avec_places(p.dispositif.type_code) and not p.dispositif.ferme
        ]
        open_pairs.sort(key=lambda p: (-p.score, p.dispositif.identifiant))
        best_open = open_pairs[0].score if open_pairs else 0.0
        open_pairs = open_pairs[:_GROUPE_CANDIDATES]
        without_places = _without_places(s, blocked, best_open)
        proposals += [_proposal(g, s, open_pairs, without_places) for g in groupes[s.id]]
    proposals.sort(key=lambda p: p.groupe_id)
    return proposals


def rattachements(
    propositions: Iterable[PropositionGroupe], dispositifs: Iterable[OffreDispositif]
) -> dict[int, Rattachement]:
    """Where each legacy structure's groupes would be attached if the proposals were accepted.

    Workbook 2 is exported before any decision: the accounts' entité and dispositif scopes are
    then proposed from the groupes' proposals; once decisions are stored, they are built from
    the decisions instead.
    """
    siren = {d.identifiant: d.siren for d in dispositifs}
    per_structure: dict[int, set[str]] = defaultdict(set)
    for p in propositions:
        if p.dispositif is not None:
            per_structure[p.structure_id].add(p.dispositif)
    return {
        structure_id: Rattachement(frozenset(ids), frozenset(siren[i] for i in ids if i in siren))
        for structure_id, ids in per_structure.items()
    }
