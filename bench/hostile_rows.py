"""Hostile variants of a workbook's rows: cells replaced by what users really type wrong.

Used by bench/bench_validation.py to check that a faster validation gives the same anomalies
on the error path too: every anomaly code of the cell checks and of the row rules, numbers read
as numbers, scientific notation, control characters, non-ASCII digits, typos one key away from
a known SIREN or e-mail (« Vouliez-vous dire »), lists with a bad item, values that repeat
(caches) and values that do not. Deterministic for a seed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from random import Random
from typing import Any

Cells = dict[str, Any]
Row = tuple[int, Cells]

# Per field: values to put in the cell. Valid-but-odd forms sit next to invalid ones, so that
# both the normalisation and the error messages are exercised.
_BAD: dict[str, Sequence[object]] = {
    "siren": (
        "55208131",
        "552081318",
        "552 081 317",
        552081317,
        552081317.0,
        32829320,
        "7.72201E+08",
        "ABC",
        "",
        "   ",
        True,
        "٧٣٢٨٢٩٣٢٠",
        "７３２８２９３２０",
        1.5,
        10**16,
        datetime(2020, 1, 1),
        "552081317\x00",
    ),
    "siret": (
        "73282932000074",
        "73282932000075",
        "7328293200007",
        73282932000074,
        "732 829 320 00074",
        "35600000000048",
        "1.23E+13",
        "siret",
    ),
    "finess_et": (
        "750000010; 750000028",
        "750000010, 750000011",
        "2A0000000",
        "2A0000001",
        "9A0000001",
        "200000000",
        "750000011",
        750000010,
        "x",
        ";;",
        "750000010\n750000010",
    ),
    "finess_ej": ("750000010", "750000011", "9F1234567", 10000008, "bad"),
    "departement": (
        "20",
        "2a",
        "2 A",
        75.0,
        1,
        1.5,
        "Paris",
        "75 - Paris",
        "75 – Lyon",
        "999",
        "corse du sud",
        -1,
        True,
        "",
    ),
    "departement_siege": ("20", "2b", 971, "Guadeloupe", "", "ZZ"),
    "type_code": (
        "pension de famille",
        "HEB_RHVS",
        "chrs",
        "CHRS ",
        "Pension de famile",
        "Hotel",
        "xyz",
        "",
        12,
        "Maraude",
    ),
    "capacite_financee": (-1, 1.5, "abc", "1 200", "12.0", 2**40, "١٢", 0, 15, "", True, "9" * 50),
    "date_ouverture": (
        "31/02/2025",
        45000,
        45000.0,
        "2025-01-01",
        datetime(2024, 3, 1, 10, 30),
        date(2024, 3, 1),
        "abc",
        0,
        60,
        59,
        "1/2/2024",
        "2024-13-01",
        time(10, 0),
        -5,
    ),
    "date_fermeture": ("01/01/2000", "2099-12-31", 1, "31/12/1999", datetime(1999, 1, 1), "x"),
    "financeurs": (
        "BOP 177 ; ars",
        "BOP 999",
        "ARS, CAF",
        ";;",
        "BOP 177; Departement",
        "Bop177",
        "Autre;Autre",
        177,
    ),
    "publics": ("Homme seul; Femm seule", "mineur isole", "Tous", "Homme seul\nFemme seule"),
    "courriel_responsable": (
        "contact@asso.fr",
        "bad@",
        "prenom.nom@gmail.com",
        "Prenom.Nom@Example.FR",
        "siao75@asso.fr",
        "a b@asso.fr",
        "x" * 300 + "@asso.fr",
        "éric@asso.fr",
    ),
    "courriel": ("accueil@asso.fr", "nope", "jean@orange.fr", "a@b.c"),
    "telephone": (
        "+33 1 23 45 67 89",
        "12",
        123456789,
        "0033 (0)1 23 45 67 89",
        "+262 262 12 34 56",
        "01 23 45 67 89 / 06 12 34 56 78",
        1.5,
    ),
    "code_postal": (1000, "00123", "ABCDE", "75 011", 7501, 75011.0),
    "code_commune": ("2A004", "20004", "75056", 1001, "2C004", "75"),
    "identifiant": (
        "DSP-75-000123",
        "DSP-13-000001",
        "XYZ",
        "dsp-75-000123",
        "DSP-2A-000001",
        "DSP-20-000001",
        123,
    ),
    "structures_historiques": ("1; 2; 3", "1;abc", 12.0, "1,2,2", "-1", "١"),
    "rna": ("W123456789", "W12", "w123456789", 123456789),
    "forme_juridique": ("association loi 1901", "Asso", "FONDATION", "CCAS/CIAS", ""),
    "nom": ("", "x" * 300, "Foyer\x0cdes Lilas", True, datetime(2020, 1, 1), timedelta(hours=2)),
    "raison_sociale": ("", "y" * 256, "Asso\x01", 3.0),
    "sigle": ("z" * 51, "ABC", 12),
    "adresse": ("a" * 256, "\ud800", "1 rue de la Paix"),
    "commune": ("Paris", "", "c" * 300),
}


def _typo(rng: Random, digits: str) -> str:
    """One typing error in a SIREN: what « Vouliez-vous dire » should catch."""
    i = rng.randrange(len(digits) - 1)
    if rng.random() < 0.5:
        return digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
    return digits[:i] + str((int(digits[i]) + 1) % 10) + digits[i + 1 :]


def _mutators(rng: Random, cells: Cells) -> list[Callable[[], None]]:
    found: list[Callable[[], None]] = []
    for field in cells:
        values = _BAD.get(field)
        if values:
            found.append(lambda f=field, v=values: cells.__setitem__(f, rng.choice(v)))
    siren = cells.get("siren")
    if isinstance(siren, str) and len(siren) == 9:
        found.append(lambda: cells.__setitem__("siren", _typo(rng, siren)))
    email = cells.get("courriel_responsable") or cells.get("courriel")
    if isinstance(email, str) and "@" in email:
        field = "courriel_responsable" if "courriel_responsable" in cells else "courriel"
        found.append(lambda: cells.__setitem__(field, email.replace("@", "@x", 1)))
        found.append(lambda: cells.__setitem__(field, email[:1] + email[2:]))
    return found


def hostile(rows: Sequence[Row], seed: int = 13, share: float = 0.35) -> list[Row]:
    """A copy of ``rows`` where ``share`` of them get one to three cells replaced."""
    rng = Random(seed)
    out: list[Row] = []
    for line, cells in rows:
        copy = dict(cells)
        if rng.random() < share:
            mutators = _mutators(rng, copy)
            for mutate in rng.sample(mutators, min(len(mutators), rng.randint(1, 3))):
                mutate()
        out.append((line, copy))
    return out
