"""Realistic, deterministic legacy SI SIAO data (schema ``siao``) for demos, tests and benchmarks.

    with engine.begin() as conn:  # the caller owns the transaction; rows go in by COPY
        stats = generate(conn, ["75", "2A", "971"], size=30, seed=1)

Determinism: each département draws from its own ``random.Random(f"{seed}:{code}")``: the same
arguments give the same rows whatever the database holds. Ids continue from ``max(id) + 1`` per
table (a lock serialises generators): a second call for other départements appends without
collision; on empty tables a call always yields the same ids. National operators (Aurore,
Croix-Rouge…) have a fixed SIREN and are reused, across départements and calls, when an entité
with that SIREN exists. Nominative e-mails are unique within a call except the deliberately
shared ones. Calling twice for one département duplicates its rows.

Awkward cases (DOMAIN.md §7) have realistic frequencies and, when ``size`` ≥ 20, each occurs
in every département: DNA structures (700) with groupes de places; accounts whose legacy profiles
belong to different families; one e-mail for two persons' accounts; generic mailboxes; personal
webmail; inactive structures, groupes and accounts; homonymous structures; entités sans SIREN; a
structure run by the region's association (an entité shared by the région's départements, like
the national operators); a legacy operator who already has an account of the new module (written
to ``offre.utilisateur``, so that Temps 2 sees its e-mail « déjà utilisé »). Accounts that cross
départements (national, inter-départemental, referencing another département's structure) are
drawn once per call: service/legacy/generator_accounts.py.
"""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, func, select, text

from service.legacy import generator_data as data
from service.legacy import tables as t
from service.legacy.generator_accounts import (
    add_transverse_cases,
    draw_users,
    insert_module_accounts,
    profile_pools,
)
from service.referentiels import reference_data
from service.referentiels.listes import PUBLICS, TYPES_PLACE, TYPES_STRUCTURE_HISTORIQUES

DEFAULT_SIZE = 400  # groupes de places per département: 101 départements ≈ 40k
RATIO_UTILISATEURS = 0.75  # accounts per groupe de places
_MODELS = (t.SiaoEntite, t.SiaoStructure, t.SiaoGroupePlaces, t.SiaoUtilisateur)
_TABLES = {m.__tablename__: m.__table__ for m in (*_MODELS, t.SiaoUtilisateurProfil)}
# Rows are tuples in the models' column order (service/legacy/tables.py), written by COPY.
COLUMNS = {name: tuple(c.name for c in table.c) for name, table in _TABLES.items()}
_OCCUPEES, _ACTIF = (COLUMNS["groupe_places"].index(c) for c in ("places_occupees", "actif"))
_COMPOSITIONS, _SPECIFIQUES, _ASILE = PUBLICS[:9], PUBLICS[9:], "Demandeurs d'asile / BPI"
_ASSOCIATIVE = frozenset({300, 400, 500, 600, 800})  # types a regional association runs
assert set(data.CONFIG_TYPES) == set(TYPES_STRUCTURE_HISTORIQUES)
assert {t for c in data.CONFIG_TYPES.values() for t in c[3]} <= set(TYPES_PLACE)


@dataclass(frozen=True, slots=True)
class GenerationStats:
    """Rows written per ``siao`` table, per département (entite: distinct entités it uses),
    seconds, and the accounts created in ``offre.utilisateur`` for legacy users."""

    per_table: dict[str, int]
    per_departement: dict[str, dict[str, int]]
    seconds: float
    module_accounts: int = 0

    @property
    def lignes(self) -> int:
        return sum(self.per_table.values())


def national_departements() -> tuple[str, ...]:
    """The 101 département codes, in reference order (01 … 95, 2A, 2B, 971 … 976)."""
    return tuple(d.code for d in reference_data.departements())


@dataclass(slots=True)
class _Entite:
    id: int
    name: str
    siren: str | None
    domain: str
    shared: bool  # national or regional: runs structures in several départements
    nics: int = 0  # SIRETs given in the current département


@dataclass(slots=True)
class _Structure:
    id: int
    entite: _Entite
    name: str
    type_code: int
    address: tuple[str, str, str]
    active: bool
    finess: str | None
    siret: str | None = None
    groupes: list[list[Any]] = field(default_factory=list)


@dataclass(slots=True)
class _Departement:
    code: str
    index: int  # position in the reference list, part of SIREN and SIRET numbers
    name: str
    region: str
    rng: random.Random
    entites: dict[str, _Entite] = field(default_factory=dict)  # local ones, created here


class LegacyGenerator:
    def __init__(self, seed: int, next_ids: dict[str, int], existing: dict[str, int]) -> None:
        self.offset = random.Random(f"{seed}:identifiants").randrange(10**7)
        self.ids = {table: itertools.count(first) for table, first in next_ids.items()}
        self.existing = existing  # SIREN → id of shared entités already in siao.entite
        self.nationales: dict[int, _Entite] = {}
        self.regionales: dict[str, _Entite] = {}
        # Accounts of the new module (offre.utilisateur) that Temps 1 already created for some
        # legacy users: (courriel, nom, prénom, profil, départements).
        self.module_accounts: list[tuple[str, str, str, str, tuple[str, ...]]] = []
        self.emails: set[str] = set()
        self.serials: defaultdict[tuple[str, str], Iterator[int]] = defaultdict(itertools.count)
        self.rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in COLUMNS}
        self.pools = profile_pools()

    def _local(self, d: _Departement, key: str, nom: str, domaine: str, prefix: str) -> _Entite:
        if key in d.entites:
            return d.entites[key]
        serial = next(self.serials[d.code, prefix])
        siren: str | None = data.siren_local(prefix, d.index, serial, self.offset)
        if prefix == "8" and d.rng.random() < 0.08:  # small associations often lack one
            siren = None
        entite = _Entite(next(self.ids["entite"]), nom, siren, domaine, shared=False)
        d.entites[key] = entite
        return entite

    def _nationale(self, position: int) -> _Entite:
        if position not in self.nationales:
            nom, domaine, _, _ = data.ENTITES_NATIONALES[position]
            siren = data.siren_national(position)
            self.nationales[position] = self._shared(nom, siren, domaine)
        return self.nationales[position]

    def _regionale(self, region: str) -> _Entite:
        if region not in self.regionales:
            nom, domaine = data.entite_regionale(region)
            self.regionales[region] = self._shared(nom, data.siren_regional(region), domaine)
        return self.regionales[region]

    def _shared(self, nom: str, siren: str, domaine: str) -> _Entite:
        """An entité reused by every département (and call) that draws it, by its SIREN."""
        known = self.existing.get(siren)
        entite_id = known if known is not None else next(self.ids["entite"])
        if known is None:
            self.rows["entite"].append((entite_id, nom, siren))
        return _Entite(entite_id, nom, siren, domaine, shared=True)

    def _entite_for(self, d: _Departement, type_code: int, nom: str, commune: str) -> _Entite:
        rng = d.rng
        national = data.nationales_pour(type_code, d.region)
        share = {100: 0.0, 700: 0.7, 1000: 0.2}.get(type_code, 0.3)
        if national and rng.random() < share:
            return self._nationale(rng.choice(national))
        if type_code == 100:
            hotels = [e for e in d.entites.values() if e.siren and e.siren[0] == "5"]
            if hotels and rng.random() < 0.15:  # a hotel company running two hotels
                return rng.choice(hotels)
            company, domaine = f"{rng.choice(('SARL', 'SAS', 'EURL'))} {nom}", data.slug(nom)
            return self._local(d, company, company, f"{domaine}-{data.slug(commune)}.fr", "5")
        if type_code in (1000, 1100) or (type_code == 800 and rng.random() < 0.2):
            bailleur = rng.choice(
                (f"{d.name} Habitat", f"{commune} Habitat", f"{commune} Logement")
            )
            return self._local(d, bailleur, bailleur, f"{data.slug(bailleur)}.fr", "27")
        if type_code in (300, 500) and rng.random() < 0.2:
            ccas = f"CCAS de {commune}"
            return self._local(d, ccas, ccas, f"ccas-{data.slug(commune)}.fr", "26")
        associations = [e for e in d.entites.values() if (e.siren or "8")[0] == "8"]
        if associations and rng.random() < 0.5:
            return rng.choice(associations)
        nom_asso, domaine = data.association(rng, commune, d.code)
        return self._local(d, f"asso:{nom_asso}", nom_asso, domaine, "8")

    # --- structures and groupes de places ---------------------------------------------------
    def _structure(self, d: _Departement, type_code: int) -> _Structure:
        rng = d.rng
        adresse = data.address(rng, d.code)
        nom = data.structure_name(rng, type_code, adresse[2])
        entite = self._entite_for(d, type_code, nom, adresse[2])
        finess = None
        if rng.random() < data.CONFIG_TYPES[type_code][4]:
            finess = data.finess(d.code, next(self.serials[d.code, "finess"]), self.offset)
        actif = rng.random() >= 0.04
        return _Structure(
            next(self.ids["structure"]), entite, nom, type_code, adresse, actif, finess
        )

    def _groupe(self, d: _Departement, s: _Structure) -> list[Any]:
        rng = d.rng
        _, _, (low, high), places, _ = data.CONFIG_TYPES[s.type_code]
        type_place = rng.choices(list(places), weights=list(places.values()))[0]
        publics = rng.sample(_COMPOSITIONS, rng.choice((1, 1, 1, 2, 2, 3)))
        if s.type_code == 700:
            publics.append(_ASILE)
        elif rng.random() < 0.25:
            publics.append(rng.choice(_SPECIFIQUES))
        libelle = f"{rng.choice(data.LIBELLES_PLACE[type_place])} – {publics[0]}"
        if rng.random() < 0.2:
            libelle += rng.choice((" (diffus)", " (regroupé)", " – bâtiment B"))
        nb = rng.randint(low, high)
        actif = s.active and rng.random() >= 0.04
        if not actif or (type_place in ("hiver", "grand froid") and rng.random() < 0.3):
            occupees = 0
        else:
            occupees = nb if rng.random() < 0.35 else rng.randint(nb * 6 // 10, nb)
        # Diffus housing has its own addresses; a regroupé groupe repeats the structure's or,
        # as often in the legacy base, leaves the address empty.
        own, same = (0.8, 0.95) if s.type_code in (900, 1000, 1100) else (0.25, 0.85)
        r = rng.random()
        adresse: tuple[str | None, ...] = (
            data.address(rng, d.code) if r < own else s.address if r < same else (None, None, None)
        )
        public = None if rng.random() < 0.02 else ", ".join(publics)
        row = [next(self.ids["groupe_places"]), s.id, libelle, type_place, public, nb, occupees]
        return [*row, *adresse, actif]

    def _structures(self, d: _Departement, size: int) -> list[_Structure]:
        rng = d.rng
        codes = list(data.CONFIG_TYPES)
        first = rng.sample(codes, len(codes))  # every legacy type once, then drawn by weight
        weights = [c[0] for c in data.CONFIG_TYPES.values()]
        structures: list[_Structure] = []
        remaining = size
        while remaining > 0:
            i = len(structures)
            type_code = first[i] if i < len(first) else rng.choices(codes, weights)[0]
            low, high = data.CONFIG_TYPES[type_code][1]
            count = rng.randint(low, high)
            if i < len(first):  # keep one groupe for each type still to come
                count = max(1, min(count, remaining - (len(first) - i - 1)))
            elif type_code != 700 and rng.random() < 0.03:
                count = 0  # a structure whose places are all gone
            s = self._structure(d, type_code)
            s.groupes = [self._groupe(d, s) for _ in range(min(count, remaining))]
            remaining -= len(s.groupes)
            structures.append(s)
        self._force_structure_cases(d, structures)
        return structures

    def _force_structure_cases(self, d: _Departement, structures: list[_Structure]) -> None:
        rng = d.rng
        if len(structures) > 1 and all(s.active for s in structures):
            victim = rng.choice(structures[1:])
            victim.active = False
            for g in victim.groupes:
                g[_ACTIF], g[_OCCUPEES] = False, 0
        open_groupes = [g for s in structures if s.active for g in s.groupes]
        if open_groupes and all(g[_ACTIF] for g in open_groupes):
            g = rng.choice(open_groupes)
            g[_ACTIF], g[_OCCUPEES] = False, 0
        names = [s.name for s in structures]
        if len(structures) > 1 and len(set(names)) == len(names):
            by_type = [[s for s in structures if s.type_code == c] for c in data.CONFIG_TYPES]
            pairs = [group for group in by_type if len(group) > 1]
            model, twin = rng.sample(rng.choice(pairs) if pairs else structures, 2)
            twin.name = model.name
        self._force_regional(d, structures)
        running = {s.entite.id for s in structures}
        locals_ = [e for e in d.entites.values() if e.id in running]
        if locals_ and all(e.siren is not None for e in locals_):
            associations = [e for e in locals_ if e.siren and e.siren.startswith("8")]
            rng.choice(associations or locals_).siren = None
        for s in structures:
            e = s.entite
            if e.siren is not None and rng.random() < 0.85:
                e.nics += 1
                base = d.index * 78 + min(e.nics, 78) if e.shared else e.nics
                s.siret = data.with_key(f"{e.siren}{base % 10_000:04d}")
        for e in (*self.nationales.values(), *self.regionales.values()):
            e.nics = 0

    def _force_regional(self, d: _Departement, structures: list[_Structure]) -> None:
        """One structure run by the region's association: an entité shared by départements.

        Taken preferably from a local entité that keeps another structure (otherwise the local
        one stays without structure, as legacy entités sometimes do), of a type associations
        run.
        """
        per_entite: Counter[int] = Counter(s.entite.id for s in structures)
        movable = [s for s in structures if s.active and not s.entite.shared]
        kept = [s for s in movable if per_entite[s.entite.id] > 1]
        preferred = [s for s in kept if s.type_code in _ASSOCIATIVE]
        if movable:
            d.rng.choice(preferred or kept or movable).entite = self._regionale(d.region)

    def unique_email(self, local: str, domaine: str) -> str:
        n = 1
        while (email := f"{local}{n if n > 1 else ''}@{domaine}") in self.emails:
            n += 1
        self.emails.add(email)
        return email

    def departement(self, d: _Departement, size: int) -> dict[str, int]:
        structures = self._structures(d, size)
        groupes = [g for s in structures for g in s.groupes]
        profils_avant = len(self.rows["utilisateur_profil"])
        users = draw_users(self, d, structures, round(RATIO_UTILISATEURS * len(groupes)))
        self.rows["entite"] += [(e.id, e.name, e.siren) for e in d.entites.values()]
        self.rows["structure"] += [
            (
                s.id,
                s.entite.id,
                s.name,
                d.code,
                s.type_code,
                s.siret,
                s.finess,
                *s.address,
                s.active,
            )
            for s in structures
        ]
        self.rows["groupe_places"] += [tuple(g) for g in groupes]
        self.rows["utilisateur"] += [tuple(u) for u in users]
        profiles = len(self.rows["utilisateur_profil"]) - profils_avant
        counts = (len({s.entite.id for s in structures}), len(structures), len(groupes))
        return dict(zip(COLUMNS, (*counts, len(users), profiles), strict=True))


def generate(
    connection: Connection, departements: Sequence[str], size: int | None = None, seed: int = 0
) -> GenerationStats:
    """Write legacy entités, structures, groupes de places and users for ``departements``.

    ``size``: groupes de places per département (default 400; accounts ≈ 0.75 × that).
    """
    start = time.perf_counter()
    size = DEFAULT_SIZE if size is None else size
    if size < 1:
        raise ValueError("La taille doit être d'au moins un groupe de places par département.")
    reference = {d.code: (i, d) for i, d in enumerate(reference_data.departements())}
    codes = list(dict.fromkeys(departements))
    unknown = [c for c in codes if c not in reference]
    if unknown:
        raise ValueError(f"Départements inconnus : {', '.join(unknown)}.")
    # Serialise concurrent generators (ids come from max(id)); readers are not blocked.
    locked = ", ".join(f"siao.{m.__tablename__}" for m in _MODELS)
    connection.execute(text(f"LOCK TABLE {locked} IN SHARE ROW EXCLUSIVE MODE"))
    next_ids: dict[str, int] = {}
    for name in (m.__tablename__ for m in _MODELS):
        query = select(func.coalesce(func.max(_TABLES[name].c.id), 0) + 1)
        next_ids[name] = connection.execute(query).scalar_one()
    sirens = [data.siren_national(i) for i in range(len(data.ENTITES_NATIONALES))]
    sirens += [data.siren_regional(region) for region in data.REGIONS]
    e = t.SiaoEntite
    national = select(e.siren, func.min(e.id)).where(e.siren.in_(sirens)).group_by(e.siren)
    existing = {str(siren): id_ for siren, id_ in connection.execute(national)}
    gen = LegacyGenerator(seed, next_ids, existing)
    per_departement: dict[str, dict[str, int]] = {}
    for code in codes:
        index, record = reference[code]
        d = _Departement(code, index, record.nom, record.region, random.Random(f"{seed}:{code}"))
        per_departement[code] = gen.departement(d, size)
    regions = [(code, reference[code][1].region) for code in codes]
    for code, added in add_transverse_cases(gen, regions, seed).items():
        per_departement[code]["utilisateur"] += added
        per_departement[code]["utilisateur_profil"] += added
    driver = cast(Any, connection.connection.driver_connection)
    with driver.cursor() as cursor:
        for table, columns in COLUMNS.items():
            with cursor.copy(f"COPY siao.{table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in gen.rows[table]:
                    copy.write_row(row)
    per_table = {table: len(rows) for table, rows in gen.rows.items()}
    comptes = insert_module_accounts(connection, gen.module_accounts)
    return GenerationStats(per_table, per_departement, time.perf_counter() - start, comptes)
