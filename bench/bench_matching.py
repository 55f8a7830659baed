"""Quality and speed of the Temps 2 matching (issue 11, item 8), on generated legacy data.

    python bench/bench_matching.py                       # scratch database, dropped afterwards
    python bench/bench_matching.py postgresql://…/fresh  # a fresh migrated database of yours

1. Legacy data for 10 départements (service/legacy/generator.py, taille 400), a noisy Temps 1
   workbook derived from it with its ground truth (service/legacy/noisy_temps1.py), applied to
   offre.entite / offre.dispositif by direct INSERT (identifiants DSP-<dép>-<n> in row order).
2. The proposals of every active groupe (service/bascule/groupes.py) compared with the truth,
   groupes whose structure is declared in « Structures SI SIAO actuelles » and the others
   reported apart: precision of « haute », coverage of « haute » among undeclared groupes,
   first candidate correct where the truth is a dispositif, « aucune » where it is none.
3. The account proposals' alerts (scopes from the groupes' proposals).
4. Times: the proposals of the largest département, then the national dataset (the other 91
   départements generated and applied the same way), loading apart from matching.
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


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f} % ({n}/{d})" if d else "  — (0/0)"


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
    for e in noisy.prefill.entites:
        conn.execute(
            text(
                "INSERT INTO offre.entite (siren, raison_sociale, departement_siege) "
                "VALUES (:siren, :raison_sociale, :departement_siege) ON CONFLICT DO NOTHING"
            ),
            dict(e),
        )
    entites = dict(conn.execute(text("SELECT siren, id FROM offre.entite")).all())
    serial: Counter[str] = Counter(
        {
            r[0]: r[1]
            for r in conn.execute(
                text("SELECT departement, count(*) FROM offre.dispositif GROUP BY 1")
            )
        }
    )
    keys: dict[DispositifKey, str] = {}
    rows = []
    for d in noisy.prefill.dispositifs:
        type_ = find_type(d["type_code"]).value
        assert type_ is not None
        serial[str(d["departement"])] += 1
        identifiant = f"DSP-{d['departement']}-{serial[str(d['departement'])]:06d}"
        nom = str(d["nom"])
        keys[
            DispositifKey(str(d["siren"]), str(d["departement"]), type_.code, normalise_name(nom))
        ] = identifiant
        rows.append({**d, "identifiant": identifiant, "entite_id": entites[d["siren"]],
                     "type_code": type_.code, "nom_normalise": normalise_name(nom)})  # fmt: skip
    conn.execute(
        text(
            "INSERT INTO offre.dispositif (identifiant, entite_id, departement, type_code, nom, "
            "nom_normalise, siret, finess_et, adresse, code_postal, commune, capacite_financee, "
            "publics, structures_historiques, date_fermeture) VALUES (:identifiant, :entite_id, "
            ":departement, :type_code, :nom, :nom_normalise, :siret, :finess_et, :adresse, "
            ":code_postal, :commune, :capacite_financee, :publics, :structures_historiques, "
            ":date_fermeture)"
        ),
        rows,
    )
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


def measure(
    proposals: Sequence[PropositionGroupe],
    offre: DepartementOffre,
    truth: dict[int, str | None],
    quality: dict[bool, Quality],
    erreurs: Counter[str],
    raisons: dict[int, str],
) -> None:
    declared = {i for d in offre.dispositifs for i in d.structures_historiques}
    for p in proposals:
        q = quality[p.structure_id in declared]
        expected = truth.get(p.groupe_id)
        right = p.dispositif == expected and expected is not None
        q.groupes += 1
        q.par_confiance[p.confiance] += 1
        q.justes_par_confiance[p.confiance] += right or (expected is None and p.dispositif is None)
        if p.confiance is Confiance.HAUTE:
            q.haute += 1
            q.haute_juste += right
            if not right:
                erreurs[f"haute fausse ({raisons.get(p.groupe_id)})"] += 1
        if expected is None:
            q.verite_aucun += 1
            q.aucune_sur_verite_aucun += p.confiance is Confiance.AUCUNE
        else:
            q.verite_dispositif += 1
            q.haute_sur_verite_dispositif += right and p.confiance is Confiance.HAUTE
            first = p.candidats[0].identifiant if p.candidats else None
            q.premier_juste += first == expected
            if first != expected:
                erreurs["premier candidat faux"] += 1


def report(quality: dict[bool, Quality]) -> None:
    for declared, label in ((True, "déclarés"), (False, "non déclarés")):
        q = quality[declared]
        print(f"  Groupes {label} : {q.groupes}")
        print(f"    précision de « haute »               {_pct(q.haute_juste, q.haute)}")
        print(
            f"    « haute » parmi vérité = dispositif  {_pct(q.haute_sur_verite_dispositif, q.verite_dispositif)}"
        )  # noqa: E501
        print(f"    « haute » parmi tous                 {_pct(q.haute, q.groupes)}")
        print(
            f"    premier candidat juste               {_pct(q.premier_juste, q.verite_dispositif)}"
        )  # noqa: E501
        print(
            f"    « aucune » où la vérité est aucun    {_pct(q.aucune_sur_verite_aucun, q.verite_aucun)}"
        )  # noqa: E501
        for c in Confiance:
            print(
                f"    {c.value:<8} {q.par_confiance[c]:>5} dont justes {_pct(q.justes_par_confiance[c], q.par_confiance[c])}"
            )  # noqa: E501
    both = Quality()
    for q in quality.values():
        for name in ("haute", "haute_juste", "verite_dispositif", "premier_juste"):
            setattr(both, name, getattr(both, name) + getattr(q, name))
    print(f"  Ensemble : précision « haute » {_pct(both.haute_juste, both.haute)}, premier "
          f"candidat juste {_pct(both.premier_juste, both.verite_dispositif)}")  # fmt: skip


def _prepare(
    engine: Engine, departements: Sequence[str], graine: int
) -> tuple[NoisyTemps1, dict[DispositifKey, str]]:
    """Generate, derive the noisy workbook, apply it; natural key → identifiant."""
    with engine.begin() as conn:
        stats = generate(conn, departements, graine=graine)
        noisy = noisy_from_legacy(conn, departements, graine)
        keys = apply_workbook(conn, noisy)
    print(f"  {stats.par_table['groupe_places']} groupes, {stats.par_table['structure']} "
          f"structures, {len(noisy.prefill.dispositifs)} dispositifs, "
          f"{stats.comptes_module} comptes du module ({stats.secondes:.2f} s)")  # fmt: skip
    return noisy, keys


def run(url: str, graine: int, national: bool) -> None:
    engine = make_engine(url)
    print(f"Jeu de 10 départements ({', '.join(DEPARTEMENTS)}), graine {graine} :")
    noisy, keys = _prepare(engine, DEPARTEMENTS, graine)
    print("  Bruit :", ", ".join(f"{k} {v}" for k, v in sorted(noisy.bruit.items())))
    truth = {
        g: (keys[v.dispositif] if v.dispositif is not None else None)
        for g, v in noisy.verite.items()
    }
    raisons = {g: v.raison for g, v in noisy.verite.items()}
    quality = {True: Quality(), False: Quality()}
    erreurs: Counter[str] = Counter()
    timings: dict[str, float] = {}
    all_proposals: list[PropositionGroupe] = []
    offres: list[DepartementOffre] = []
    with engine.connect() as conn:
        for code in DEPARTEMENTS:
            offre = load_departement(conn, code)
            started = time.perf_counter()
            proposals = propose_groupes(offre)
            timings[code] = time.perf_counter() - started
            measure(proposals, offre, truth, quality, erreurs, raisons)
            all_proposals += proposals
            offres.append(offre)
        print("Groupes de places :")
        report(quality)
        print("  Erreurs :", dict(erreurs))
        attached = rattachements(all_proposals, [d for o in offres for d in o.dispositifs])
        alertes: Counter[str] = Counter()
        profils: Counter[str] = Counter()
        for code in DEPARTEMENTS:
            comptes, contexte = load_comptes(conn, code, attached)
            for p in propose_comptes(comptes, contexte):
                alertes.update(p.codes_alertes)
                profils[p.profil or "(vide)"] += 1
        print("Comptes : alertes", dict(sorted(alertes.items())))
        print("          profils proposés", dict(profils.most_common()))
    largest = max(timings, key=timings.__getitem__)
    print(f"Temps des propositions, le plus long : {largest} {timings[largest] * 1000:.0f} ms "
          f"(total des 10 : {sum(timings.values()) * 1000:.0f} ms)")  # fmt: skip
    if national:
        others = [c for c in national_departements() if c not in DEPARTEMENTS]
        print(f"Jeu national : {len(others)} autres départements…")
        _prepare(engine, others, graine)
        with engine.connect() as conn:
            started = time.perf_counter()
            loaded = [load_departement(conn, code) for code in national_departements()]
            loading = time.perf_counter() - started
        started = time.perf_counter()
        count = sum(len(propose_groupes(o)) for o in loaded)
        matching = time.perf_counter() - started
        print(f"  {count} groupes proposés : chargement {loading:.2f} s, "
              f"propositions {matching:.2f} s")  # fmt: skip
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
