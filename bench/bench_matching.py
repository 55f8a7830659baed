"""Quality and speed of the Temps 2 matching (issue 11, item 8), on generated legacy data.

    python bench/bench_matching.py                       # scratch database, dropped afterwards
    python bench/bench_matching.py postgresql://…/fresh  # a fresh migrated database of yours
    python bench/bench_matching.py --sans-national       # the 10 départements only

1. Legacy data for 10 départements (service/legacy/generator.py, taille 400), the noisy Temps 1
   workbook derived from it with its ground truth (service/legacy/noisy_temps1.py), applied to
   offre.entite / offre.dispositif by direct INSERT (identifiants DSP-<dép>-<n> in row order;
   tests/integration/test_bascule_matching.py imports the same kind of workbook through the API).
2. The proposals of every active groupe (service/bascule/groupes.py) against the truth, groupes
   whose structure some dispositif declares in « Structures SI SIAO actuelles » (rightly or not)
   and the others apart: precision of « haute »; « haute » among the groupes whose truth is a
   dispositif (coverage); first candidate right among those; « aucune » where the truth is none.
3. The account proposals' alerts, scopes taken from the groupes' proposals.
4. Times of the proposals alone (data loaded beforehand): per département, the slowest shown;
   then the national dataset (the other 91 départements generated and applied the same way),
   loading apart.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from sqlalchemy import Connection, Engine, text

from service.bascule.comptes import propose_comptes
from service.bascule.groupes import propose_groupes, rattachements
from service.bascule.loading import load_comptes, load_departement
from service.bascule.model import Confiance, DepartementOffre, PropositionGroupe
from service.config import libpq_url
from service.db.engine import make_engine
from service.db.migrate import upgrade
from service.legacy.generator import generate, national_departements
from service.legacy.noisy_temps1 import DispositifKey, NoisyTemps1, noisy_from_legacy
from service.referentiels.nomenclature import find_type
from service.referentiels.text import normalise_name

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEPARTEMENTS = ("75", "93", "92", "94", "13", "59", "69", "2A", "971", "33")
_INSERT = text(
    "INSERT INTO offre.dispositif (identifiant, entite_id, departement, type_code, nom, "
    "nom_normalise, siret, finess_et, adresse, code_postal, commune, capacite_financee, "
    "publics, structures_historiques, date_fermeture) VALUES (:identifiant, :entite_id, "
    ":departement, :type_code, :nom, :nom_normalise, :siret, :finess_et, :adresse, "
    ":code_postal, :commune, :capacite_financee, :publics, :structures_historiques, "
    ":date_fermeture)"
)


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f} % ({n}/{d})" if d else "    — (0/0)"


@contextmanager
def _scratch_database() -> Iterator[str]:
    name = f"offre_bench_matching_{os.getpid()}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"Base temporaire {name} supprimée.")


def apply_workbook(conn: Connection, noisy: NoisyTemps1) -> dict[DispositifKey, str]:
    """Insert the workbook's entités and dispositifs; natural key → identifiant."""
    conn.execute(
        text(
            "INSERT INTO offre.entite (siren, raison_sociale, departement_siege) "
            "VALUES (:siren, :raison_sociale, :departement_siege) ON CONFLICT DO NOTHING"
        ),
        [dict(e) for e in noisy.prefill.entites],
    )
    entites = {
        siren: id_ for siren, id_ in conn.execute(text("SELECT siren, id FROM offre.entite"))
    }
    count = "SELECT departement, count(*) FROM offre.dispositif GROUP BY departement"
    serial = Counter({code: n for code, n in conn.execute(text(count))})
    keys: dict[DispositifKey, str] = {}
    rows = []
    for d in noisy.prefill.dispositifs:
        type_ = find_type(d["type_code"]).value
        assert type_ is not None
        code, nom = str(d["departement"]), str(d["nom"])
        serial[code] += 1
        identifiant = f"DSP-{code}-{serial[code]:06d}"
        key = DispositifKey(str(d["siren"]), code, type_.code, normalise_name(nom))
        keys[key] = identifiant
        rows.append(
            {**d, "identifiant": identifiant, "entite_id": entites[d["siren"]],
             "type_code": type_.code, "nom_normalise": key.nom_normalise}
        )  # fmt: skip
    conn.execute(_INSERT, rows)
    return keys


@dataclass
class Quality:
    """Counters of one population of groupes (declared or not)."""

    groupes: int = 0
    haute: int = 0
    haute_juste: int = 0
    verite_dispositif: int = 0
    haute_sur_verite_dispositif: int = 0
    premier_juste: int = 0
    verite_aucun: int = 0
    aucune_sur_verite_aucun: int = 0
    par_confiance: Counter[str] = field(default_factory=Counter)
    justes_par_confiance: Counter[str] = field(default_factory=Counter)

    def add(self, p: PropositionGroupe, expected: str | None) -> bool:
        """Count one proposal; whether its first candidate is wrong where a truth exists."""
        right = expected is not None and p.dispositif == expected
        self.groupes += 1
        self.par_confiance[p.confiance] += 1
        self.justes_par_confiance[p.confiance] += right or (expected is None is p.dispositif)
        if p.confiance is Confiance.HAUTE:
            self.haute += 1
            self.haute_juste += right
        if expected is None:
            self.verite_aucun += 1
            self.aucune_sur_verite_aucun += p.confiance is Confiance.AUCUNE
            return False
        self.verite_dispositif += 1
        self.haute_sur_verite_dispositif += right and p.confiance is Confiance.HAUTE
        first = p.candidats[0].identifiant if p.candidats else None
        self.premier_juste += first == expected
        return first != expected

    def report(self, label: str) -> None:
        print(f"  Groupes {label} : {self.groupes}")
        for name, n, d in (
            ("précision de « haute »", self.haute_juste, self.haute),
            ("« haute » où la vérité est un dispositif", self.haute_sur_verite_dispositif,
             self.verite_dispositif),
            ("premier candidat juste", self.premier_juste, self.verite_dispositif),
            ("« aucune » où la vérité est aucun", self.aucune_sur_verite_aucun, self.verite_aucun),
        ):  # fmt: skip
            print(f"    {name:<42} {_pct(n, d)}")
        for c in Confiance:
            total, justes = self.par_confiance[c], self.justes_par_confiance[c]
            print(f"    {c.value:<8} {total:>5} groupes, justes {_pct(justes, total)}")


def _prepare(
    engine: Engine, departements: Sequence[str], graine: int
) -> tuple[NoisyTemps1, dict[DispositifKey, str]]:
    """Generate, derive the noisy workbook, apply it; natural key → identifiant."""
    with engine.begin() as conn:
        stats = generate(conn, departements, seed=graine)
        noisy = noisy_from_legacy(conn, departements, graine)
        keys = apply_workbook(conn, noisy)
    print(f"  {stats.per_table['groupe_places']} groupes, {stats.per_table['structure']} "
          f"structures, {len(noisy.prefill.dispositifs)} dispositifs, "
          f"{stats.module_accounts} comptes du module")  # fmt: skip
    return noisy, keys


def _quality(engine: Engine, noisy: NoisyTemps1, keys: dict[DispositifKey, str]) -> None:
    truth = {g: keys[v.dispositif] if v.dispositif else None for g, v in noisy.verite.items()}
    quality = {True: Quality(), False: Quality()}
    errors: Counter[str] = Counter()
    timings: dict[str, float] = {}
    proposals: list[PropositionGroupe] = []
    offres: list[DepartementOffre] = []
    with engine.connect() as conn:
        for code in DEPARTEMENTS:
            offre = load_departement(conn, code)
            started = time.perf_counter()
            found = propose_groupes(offre)
            timings[code] = time.perf_counter() - started
            declared = {i for d in offre.dispositifs for i in d.structures_historiques}
            for p in found:
                expected = truth.get(p.groupe_id)
                if quality[p.structure_id in declared].add(p, expected):
                    errors[f"premier candidat faux ({noisy.verite[p.groupe_id].raison})"] += 1
                if p.confiance is Confiance.HAUTE and p.dispositif != expected:
                    errors[f"« haute » fausse ({noisy.verite[p.groupe_id].raison})"] += 1
            proposals += found
            offres.append(offre)
        print("Groupes de places :")
        quality[True].report("dont la structure est déclarée")
        quality[False].report("dont la structure n'est pas déclarée")
        print("  Erreurs selon la vérité :", dict(errors.most_common()))
        attached = rattachements(proposals, [d for o in offres for d in o.dispositifs])
        alertes: Counter[str] = Counter()
        profils: Counter[str] = Counter()
        for code in DEPARTEMENTS:
            comptes, contexte = load_comptes(conn, code, attached)
            for c in propose_comptes(comptes, contexte):
                alertes.update(c.codes_alertes)
                profils[c.profil or "(vide)"] += 1
    print("Comptes : alertes", dict(sorted(alertes.items())))
    print("          profils proposés", dict(profils.most_common()))
    slowest = max(timings, key=timings.__getitem__)
    total = sum(timings.values()) * 1000
    print(f"Propositions par département : {slowest} le plus long en "
          f"{timings[slowest] * 1000:.0f} ms ; les 10 en {total:.0f} ms")  # fmt: skip


def run(url: str, graine: int, national: bool) -> None:
    engine = make_engine(url)
    try:
        print(f"10 départements ({', '.join(DEPARTEMENTS)}), taille 400, graine {graine} :")
        noisy, keys = _prepare(engine, DEPARTEMENTS, graine)
        print("  Bruit :", ", ".join(f"{k} {v}" for k, v in sorted(noisy.bruit.items())))
        _quality(engine, noisy, keys)
        if not national:
            return
        others = [c for c in national_departements() if c not in DEPARTEMENTS]
        print(f"Jeu national, {len(others)} autres départements :")
        _prepare(engine, others, graine)
        started = time.perf_counter()
        with engine.connect() as conn:
            loaded = [load_departement(conn, code) for code in national_departements()]
        loading = time.perf_counter() - started
        started = time.perf_counter()
        count = sum(len(propose_groupes(o)) for o in loaded)
        matching = time.perf_counter() - started
        print(f"  {len(loaded)} départements, {count} groupes : chargement {loading:.2f} s, "
              f"propositions {matching:.2f} s")  # fmt: skip
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description="Qualité et vitesse du rapprochement Temps 2.")
    parser.add_argument("database_url", nargs="?", help="base neuve et migrée (sinon temporaire)")
    parser.add_argument("--graine", type=int, default=0)
    parser.add_argument("--sans-national", action="store_true", help="10 départements seulement")
    args = parser.parse_args()
    if args.database_url:
        run(libpq_url(args.database_url), args.graine, not args.sans_national)
    else:
        with _scratch_database() as url:
            run(url, args.graine, not args.sans_national)


if __name__ == "__main__":
    main()
