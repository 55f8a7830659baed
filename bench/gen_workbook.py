"""National-scale Temps 1 workbooks (IMPORT-FORMAT.md, workbook 1) for the import benchmark.

    python bench/gen_workbook.py --entites 20000 --dispositifs 100000   # « national »
    python bench/gen_workbook.py --entites 5000 --dispositifs 30000     # « petit » (réaliste)
    python bench/gen_workbook.py --entites 5000 --dispositifs 30000 --graine 7 --sortie f.xlsx

Values are realistic and valid: SIREN / SIRET / FINESS with their Luhn keys, types of the
nomenclature (by label, as the drop-down list writes them), capacité empty for Veille sociale and
Premier accueil, dispositifs spread over the 101 départements (larger ones weigh more), names
unique per (SIREN, département, type) once normalised, a few warnings (generic or personal
mailboxes) but no error, so that an automatic import goes to `termine`. Written with openpyxl in
write_only mode (streamed, constant memory; inline strings, no shared-strings table). The sheets'
content is a function of the seed only (openpyxl stamps the save time in docProps/core.xml and
in the zip entries, so the bytes differ from one run to the next, not the rows).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from random import Random

from openpyxl import Workbook, load_workbook
from stdnum import luhn

from service.imports.columns import DISPOSITIFS, ENTITES
from service.legacy.generator_data import (
    COMMUNES,
    NOMS,
    NOMS_LIEU,
    NOMS_VOIE,
    PRENOMS,
    TYPES_VOIE,
    finess,
    slug,
)
from service.referentiels.listes import FINANCEURS, FORMES_JURIDIQUES, PUBLICS
from service.referentiels.reference_data import TypeRecord, departements, types
from service.referentiels.text import normalise_name

OUT = Path(__file__).resolve().parent / "out"
TAILLES = {"petit": (5_000, 30_000), "national": (20_000, 100_000)}
_FIXED_DATE = datetime(2025, 1, 1)
# The most populated départements carry more of the offre (weights are rough, not census).
_GROS = frozenset(
    {"75", "93", "13", "59", "69", "92", "94", "33", "31", "06", "44", "67", "34"}
    | {"38", "76", "62", "91", "95", "77", "78", "57", "35", "83", "30", "974"}
)
# Types by how often they are met (hébergement and logement dominate the offre).
_POIDS_CATEGORIE = {
    "HEBERGEMENT": 5,
    "LOGEMENT_IML": 3,
    "LOGEMENT_RS": 3,
    "VEILLE_SOCIALE": 2,
    "ACCOMPAGNEMENT": 2,
    "PREMIER_ACCUEIL": 1,
}
_PREFIXES_NOM = {
    "logements": ("Résidence", "Pension", "Logements", "Maison relais", "IML"),
    "places": ("Centre", "Foyer", "Hébergement", "Accueil", "Maison"),
    "mesures": ("Service", "Accompagnement", "Mesures", "Équipe"),
    "prestations": ("Accueil", "Maraude", "Point", "Espace"),
    "aucune": ("Permanence", "Point d'accueil", "Guichet", "Accueil"),
}
_BIS = ("", "", "", " Nord", " Sud", " Est", " Ouest", " Centre", " II", " Annexe")


@dataclass(frozen=True, slots=True)
class Entite:
    siren: str
    nom: str
    departement: str
    domaine: str


def _siren(serial: int, rng_offset: int) -> str:
    """Distinct 8-digit bodies (bijection modulo 10**8), never La Poste's 356000000."""
    body = f"{(serial * 7_919_813 + 10_000_019 + rng_offset) % 10**8:08d}"
    if body.startswith("356"):
        body = "1" + body[1:]
    return body + luhn.calc_check_digit(body)


def _siret(siren: str, nic: int) -> str:
    body = f"{siren}{nic:04d}"
    return body + luhn.calc_check_digit(body)


def _code_insee(departement: str, rng: Random) -> str:
    prefix = departement[:2] if len(departement) == 3 else departement
    return f"{prefix}{rng.randint(1, 999):03d}"


def _telephone(rng: Random, departement: str) -> str:
    first = "06" if departement.startswith("97") else f"0{rng.choice((1, 2, 3, 4, 5, 9))}"
    rest = [f"{rng.randint(0, 99):02d}" for _ in range(4)]
    return " ".join([first, *rest])


def _weights(codes: list[str]) -> list[float]:
    return [3.0 if c in _GROS else (0.7 if c.startswith("97") else 1.0) for c in codes]


def _types_weighted() -> tuple[list[TypeRecord], list[float]]:
    records = list(types())
    return records, [_POIDS_CATEGORIE.get(t.categorie_code, 1) for t in records]


def _forme(rng: Random) -> str:
    if rng.random() < 0.7:
        return FORMES_JURIDIQUES[0]
    return rng.choice(FORMES_JURIDIQUES)


def generate_entites(rng: Random, count: int, codes: list[str]) -> list[Entite]:
    weights = _weights(codes)
    offset = rng.randrange(10**8)
    sieges = rng.choices(codes, weights, k=count)
    result = []
    seen: set[str] = set()
    for i, dep in enumerate(sieges):
        siren = _siren(i, offset)
        assert siren not in seen
        seen.add(siren)
        commune = COMMUNES[dep][0][0] if rng.random() < 0.5 else rng.choice(COMMUNES[dep])[0]
        lieu = rng.choice(NOMS_LIEU)
        modele = rng.choice(
            (
                "Association {lieu}",
                "{lieu} Solidarités",
                "Entraide {commune}",
                "Accueil et Réinsertion {commune}",
                "Association d'Hébergement {commune}",
                "Foyer {lieu}",
                "Fondation {nom}",
                "CCAS de {commune}",
            )
        )
        nom = modele.format(lieu=lieu, commune=commune, nom=rng.choice(NOMS))
        result.append(Entite(siren, f"{nom} ({i + 1})", dep, slug(nom)[:40].rstrip("-") + ".fr"))
    return result


def entite_rows(rng: Random, entites: list[Entite]) -> Iterator[list[object]]:
    for i, e in enumerate(entites):
        commune, codes = (
            COMMUNES[e.departement][0]
            if rng.random() < 0.6
            else rng.choice(COMMUNES[e.departement])
        )
        forme = _forme(rng)
        association = forme.startswith("Association")
        yield [
            e.siren,
            e.nom,
            "".join(w[0] for w in e.nom.split() if w[0].isalpha()).upper()[:10] or None,
            forme,
            f"{rng.randint(1, 180)} {rng.choice(TYPES_VOIE)} {rng.choice(NOMS_VOIE)}",
            rng.choice(codes),
            commune,
            _code_insee(e.departement, rng),
            e.departement,
            f"contact@{e.domaine}",
            _telephone(rng, e.departement),
            finess(e.departement, i, 17) if rng.random() < 0.3 else None,
            f"W{rng.randrange(10**9):09d}" if association and rng.random() < 0.6 else None,
        ]


def dispositif_rows(
    rng: Random, entites: list[Entite], count: int, codes: list[str]
) -> Iterator[list[object]]:
    by_dep: dict[str, list[Entite]] = {}
    for e in entites:
        by_dep.setdefault(e.departement, []).append(e)
    # Big operators run dispositifs in many départements.
    operateurs = entites[: max(1, len(entites) // 50)]
    type_records, type_weights = _types_weighted()
    departements_ = rng.choices(codes, _weights(codes), k=count)
    keys: set[tuple[str, str, str, str]] = set()
    nics: dict[str, int] = {}
    finess_serial = 0
    for dep in departements_:
        local = by_dep.get(dep)
        entite = rng.choice(local) if local and rng.random() < 0.8 else rng.choice(operateurs)
        record = rng.choices(type_records, type_weights)[0]
        commune, postaux = COMMUNES[dep][0] if rng.random() < 0.5 else rng.choice(COMMUNES[dep])
        base = (
            f"{rng.choice(_PREFIXES_NOM[record.offre])} {rng.choice(NOMS_LIEU)} "
            f"{commune}{rng.choice(_BIS)}"
        )
        nom, n = base, 1
        while (key := (entite.siren, dep, record.code, normalise_name(nom))) in keys:
            n += 1
            nom = f"{base} (site {n})"
        keys.add(key)
        siret = None
        if rng.random() < 0.7:
            nics[entite.siren] = nics.get(entite.siren, 0) + rng.randint(1, 3)
            siret = _siret(entite.siren, nics[entite.siren] % 10_000)
        finess_et = None
        if record.finess_categories and rng.random() < 0.5:
            finess_serial += 1
            finess_et = finess(dep, finess_serial, 3)
            if rng.random() < 0.1:
                finess_serial += 1
                finess_et += " ; " + finess(dep, finess_serial, 3)
        capacite = rng.randint(3, 150) if record.offre not in ("prestations", "aucune") else None
        ouverture: object = None
        fermeture: object = None
        if rng.random() < 0.8:
            opened = date(1990, 1, 1) + timedelta(days=rng.randrange(12_500))
            ouverture = opened if rng.random() < 0.7 else opened.strftime("%d/%m/%Y")
            if rng.random() < 0.03:
                fermeture = opened + timedelta(days=rng.randint(30, 3_000))
        prenom, nom_resp = rng.choice(PRENOMS), rng.choice(NOMS)
        roll = rng.random()
        if roll < 0.02:
            courriel = f"accueil@{entite.domaine}"  # COURRIEL_GENERIQUE (warning)
        elif roll < 0.03:
            courriel = f"{slug(prenom)}.{slug(nom_resp)}@gmail.com"  # COURRIEL_PERSONNEL
        elif roll < 0.85:
            courriel = f"{slug(prenom)}.{slug(nom_resp)}@{entite.domaine}"
        else:
            courriel = None
        structures = None
        if rng.random() < 0.6:
            structures = " ; ".join(
                str(rng.randint(10_000, 9_999_999)) for _ in range(rng.randint(1, 3))
            )
        yield [
            None,  # Identifiant: new dispositifs
            entite.siren,
            nom,
            record.libelle,
            dep,
            siret,
            finess_et,
            f"{rng.randint(1, 180)} {rng.choice(TYPES_VOIE)} {rng.choice(NOMS_VOIE)}",
            rng.choice(postaux),
            commune,
            _code_insee(dep, rng),
            capacite,
            " ; ".join(rng.sample(FINANCEURS, rng.randint(1, 2))) if rng.random() < 0.8 else None,
            ouverture,
            fermeture,
            " ; ".join(rng.sample(PUBLICS, rng.randint(1, 3))) if rng.random() < 0.7 else None,
            courriel,
            structures,
        ]


def write_workbook(
    path: Path,
    n_entites: int,
    n_dispositifs: int,
    graine: int,
    codes: list[str] | None = None,
) -> None:
    rng = Random(graine)
    codes = codes or [d.code for d in departements()]
    entites = generate_entites(rng, n_entites, codes)
    wb = Workbook(write_only=True)
    wb.properties.created = _FIXED_DATE
    wb.properties.modified = _FIXED_DATE
    wb.properties.creator = "bench/gen_workbook.py"
    ws = wb.create_sheet(ENTITES.name)
    ws.append([c.header for c in ENTITES.columns])
    for row in entite_rows(rng, entites):
        ws.append(row)
    ws = wb.create_sheet(DISPOSITIFS.name)
    ws.append([c.header for c in DISPOSITIFS.columns])
    for row in dispositif_rows(rng, entites, n_dispositifs, codes):
        ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def default_path(
    n_entites: int, n_dispositifs: int, graine: int, codes: list[str] | None = None
) -> Path:
    where = f"_{'-'.join(codes)}" if codes else ""
    return OUT / f"offre_{n_entites}e_{n_dispositifs}d_g{graine}{where}.xlsx"


def ensure_workbook(
    n_entites: int, n_dispositifs: int, graine: int, codes: list[str] | None = None
) -> tuple[Path, float | None]:
    """The workbook of these sizes and seed, generated if missing; (path, seconds or None)."""
    path = default_path(n_entites, n_dispositifs, graine, codes)
    if path.exists():
        return path, None
    started = time.perf_counter()
    write_workbook(path, n_entites, n_dispositifs, graine, codes)
    return path, time.perf_counter() - started


def resaved_copy(path: Path) -> tuple[Path, float | None]:
    """The same rows loaded and saved again by openpyxl: other bytes (a new save time, the
    sheets' dimension and attributes rewritten), so no shortcut on the file's hash can apply.
    openpyxl keeps inline strings: a re-save by Excel (shared strings) is not imitated."""
    target = path.with_name(path.stem + "_reenregistre.xlsx")
    if target.exists():
        return target, None
    started = time.perf_counter()
    workbook = load_workbook(path)
    workbook.properties.modified = datetime.now(UTC).replace(tzinfo=None)
    workbook.save(target)
    return target, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entites", type=int, default=20_000)
    parser.add_argument("--dispositifs", type=int, default=100_000)
    parser.add_argument("--graine", "--seed", type=int, default=11)
    parser.add_argument(
        "--departement", action="append", default=None, help="seulement ces départements"
    )
    parser.add_argument("--sortie", type=Path, default=None, help="fichier .xlsx à écrire")
    args = parser.parse_args()
    path = args.sortie or default_path(
        args.entites, args.dispositifs, args.graine, args.departement
    )
    started = time.perf_counter()
    write_workbook(path, args.entites, args.dispositifs, args.graine, args.departement)
    seconds = time.perf_counter() - started
    size = path.stat().st_size
    print(
        f"{path} : {args.entites} entités, {args.dispositifs} dispositifs, graine {args.graine} ; "
        f"généré en {seconds:.1f} s, {size / 1e6:.1f} Mo."
    )


if __name__ == "__main__":
    main()
