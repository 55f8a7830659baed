"""The noisy Temps 1 workbook and its ground truth, on synthetic legacy structures."""

from __future__ import annotations

import random
from collections import Counter

from stdnum.fr import siren, siret

from service.bascule.model import LegacyGroupe, LegacyStructure
from service.legacy import generator_data as data
from service.legacy.noisy_temps1 import DECLARED_SHARE, DispositifKey, noisy_workbook
from service.referentiels.listes import PUBLICS
from service.referentiels.nomenclature import find_type
from service.referentiels.text import normalise_name

TYPES = (100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100)
NAMES = {
    100: "Hôtel {hotel}",
    200: "RHVS {lieu}",
    300: "Halte de nuit {lieu}",
    400: "CHRS {lieu}",
    500: "ALT {commune}",
    600: "LHSS {lieu}",
    700: "CADA {lieu}",
    800: "FJT {lieu}",
    900: "IML {commune}",
    1000: "Logements adaptés {commune}",
    1100: "Logements ALT {lieu}",
}


def departement(code: str, count: int = 150, seed: int = 1):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    structures, groupes = [], []
    for i in range(1, count + 1):
        type_code = TYPES[i % len(TYPES)]
        entite = 1 + i % 12
        sans_siren = entite == 12
        voie, cp, commune = data.address(rng, code)
        nom = NAMES[type_code].format(
            lieu=rng.choice(data.NOMS_LIEU), commune=commune, hotel=rng.choice(data.NOMS_HOTEL)
        )
        siren_ = None if sans_siren else data.with_key(f"{80_000_000 + entite}")
        structures.append(
            LegacyStructure(
                id=1000 * seed + i, nom=nom, departement=code, type_code=type_code,
                siret=data.with_key(f"{siren_}{i:04d}") if siren_ else None,
                finess=data.finess(code, i, 0) if i % 3 else None,
                adresse=voie, code_postal=cp, commune=commune, actif=i % 25 != 0,
                entite_id=entite, entite_nom=f"Association {entite}", entite_siren=siren_,
            )
        )  # fmt: skip
        for j in range(1 + i % 4):
            publics = ", ".join(rng.sample(PUBLICS[:9], 1 + j % 2))
            groupes.append(
                LegacyGroupe(
                    id=100_000 * seed + 10 * i + j, structure_id=1000 * seed + i,
                    libelle=f"Places {j}", type_place="insertion", public=publics,
                    nb_places=5 + j, actif=j != 3,
                )
            )  # fmt: skip
    return code, structures, groupes


def test_same_seed_same_workbook_and_truth() -> None:
    first = noisy_workbook([departement("93")], graine=2)
    second = noisy_workbook([departement("93")], graine=2)
    other = noisy_workbook([departement("93")], graine=3)
    assert first == second
    assert first.prefill.dispositifs != other.prefill.dispositifs


def test_truth_covers_every_active_groupe_and_names_real_rows() -> None:
    code, structures, groupes = departement("93")
    noisy = noisy_workbook([(code, structures, groupes)], graine=1)
    active_structures = {s.id for s in structures if s.actif}
    active = {g.id for g in groupes if g.actif and g.structure_id in active_structures}
    assert set(noisy.verite) == active
    rows = noisy.prefill.dispositifs
    keys = []
    for row in rows:
        type_ = find_type(row["type_code"]).value
        assert type_ is not None
        keys.append(DispositifKey(row["siren"], row["departement"], type_.code,
                                  normalise_name(row["nom"])))  # fmt: skip
    assert len(set(keys)) == len(keys)  # never a DOUBLON_DANS_LE_FICHIER
    by_structure = {s.id: s for s in structures}
    structure_of = {g.id: by_structure[g.structure_id] for g in groupes}
    for groupe_id, verite in noisy.verite.items():
        if verite.dispositif is None:
            assert verite.ligne is None and verite.raison in {
                "dna", "sans_places", "ferme", "absent"
            }  # fmt: skip
            if structure_of[groupe_id].type_code == 700:
                assert verite.raison == "dna"
        else:
            assert verite.raison == "dispositif" and verite.ligne is not None
            assert keys[verite.ligne - 2] == verite.dispositif
            assert rows[verite.ligne - 2].get("date_fermeture") is None


def test_noise_is_there_and_bounded() -> None:
    noisy = noisy_workbook([departement("93"), departement("75", seed=2)], graine=5)
    rows = noisy.prefill.dispositifs
    for kind in ("nom_sigle", "siret_absent", "fusion", "scission", "declaration",
                 "nouveau_dispositif", "siren_fourni", "veille_sociale"):  # fmt: skip
        assert noisy.bruit[kind] > 0, kind
    per_departement = Counter(r["departement"] for r in rows)
    declared = Counter(r["departement"] for r in rows if r["structures_historiques"])
    for code, total in per_departement.items():
        assert declared[code] <= 0.3 * total
        assert declared[code] >= 0.5 * DECLARED_SHARE * total
    for row in rows:
        type_ = find_type(row["type_code"]).value
        assert type_ is not None
        if type_.offre in ("aucune", "prestations"):
            assert row["capacite_financee"] is None  # CAPACITE_INTERDITE otherwise
        assert row["siret"] is None or siret.is_valid(row["siret"])
        assert set(row["publics"]) <= set(PUBLICS)
    assert all(siren.is_valid(e["siren"]) for e in noisy.prefill.entites)
    assert {r["siren"] for r in rows} <= {e["siren"] for e in noisy.prefill.entites}


def test_dna_structures_become_premier_accueil_without_places() -> None:
    noisy = noisy_workbook([departement("93")], graine=1)
    dna = [r for r in noisy.prefill.dispositifs if r["type_code"] == "DNA"]
    assert dna and all(r["capacite_financee"] is None for r in dna)
