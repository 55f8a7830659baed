"""Legacy accounts for the generator (service/legacy/generator.py), and the accounts of the new
module that Temps 1 already created for some of them.

Per département, drawn from the département's RNG: accounts with cumulated legacy profiles and
the awkward cases (conflicting families, one e-mail for two persons, generic mailboxes, personal
webmail, inactive accounts, an operator who already has an account of the new module).

Across départements (issue 12: what Temps 3 must survive), drawn after every département of the
call from ``Random(f"{graine}:transverse:{codes}")`` — the same call gives the same rows; a
département's structures, groupes and entités never depend on the other départements of the
call, these accounts do:

- a national administrator (legacy ADMINISTRATEUR_NATIONAL), registered in the call's first
  département, whose profile reaches every département;
- per region with several départements in the call, a State agent of a regional service (the
  DRIHL in Île-de-France, a DREETS elsewhere) holding one legacy account in each of them under
  one e-mail, who already has an account of the new module over those départements;
- per département, when the call has several, one account of an entité whose legacy structure
  is in the next département of the call: a row of B referencing a structure of A.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from service.legacy import generator_data as data
from service.referentiels import reference_data
from service.referentiels.profils import target_for_legacy

if TYPE_CHECKING:
    from service.legacy.generator import LegacyGenerator, _Departement, _Structure

# (courriel, nom, prénom, profil, départements) of an account of the new module.
ModuleAccount = tuple[str, str, str, str, tuple[str, ...]]
_STRUCTURE_DEPARTEMENT, _STRUCTURE_ACTIF = 3, 10  # positions in a siao.structure row
_USER_DEPARTEMENT, _USER_STRUCTURE, _USER_ACTIF = 4, 5, 6  # positions in a siao.utilisateur row


def profile_pools() -> dict[str, tuple[list[str], list[int]]]:
    """Per family, the legacy profiles drawn and their weights."""
    famille = {p.code: p.famille for p in reference_data.profils()}
    pools: dict[str, tuple[list[str], list[int]]] = {}
    for h in reference_data.profils_historiques():
        if (weight := data.POIDS_PROFILS_HISTORIQUES.get(h.code, 1)) > 0:
            codes, weights = pools.setdefault(famille[h.profil_cible], ([], []))
            codes.append(h.code)
            weights.append(weight)
    return pools


def _profiles(gen: LegacyGenerator, d: _Departement, families: Sequence[str]) -> list[str]:
    rng = d.rng
    chosen: list[str] = []
    for famille in families:
        codes, weights = gen.pools[famille]
        chosen += [c for c in rng.choices(codes, weights) if c not in chosen]
    count = rng.choices((1, 2, 3), (60, 30, 10))[0]
    famille = rng.choice(families)
    codes, weights = gen.pools[famille]
    for _ in range(max(0, count - len(chosen))):
        code = rng.choices(codes, weights)[0]
        if code not in chosen:
            chosen.append(code)
    return chosen


def _user(
    gen: LegacyGenerator, d: _Departement, structures: list[_Structure], case: str
) -> list[Any]:
    """One account; ``case`` forces an awkward case, "" draws everything."""
    rng = d.rng
    families: Sequence[str] = ("SIAO",)  # shared e-mail: two écoutants of the 115; temps1
    if case == "conflit" or (case == "" and rng.randrange(100) < data.POIDS_CONFLIT):
        families = rng.choice(data.CONFLITS)
    elif case not in ("partage", "temps1"):
        names = [f for f in data.POIDS_FAMILLES if f in gen.pools]
        families = rng.choices(names, [data.POIDS_FAMILLES[f] for f in names])
    families = [f for f in families if f in gen.pools] or list(gen.pools)[:1]
    structure = None
    if "ENTITE" in families:
        structure = rng.choice(structures)
        domaine = structure.entite.domain
    elif families[0] == "ETAT":
        domaine = f"{data.slug(d.name)}.gouv.fr"
    else:
        domaine = f"siao{d.code.lower()}.fr"
    prenom, nom = rng.choice(data.PRENOMS), rng.choice(data.NOMS)
    r = rng.random()
    if case == "generique" or (case == "" and r < 0.03):
        email = f"{data.generic_mailbox(rng, d.code, domaine.startswith('siao'))}@{domaine}"
    elif case == "webmail" or (case == "" and r < 0.07):
        suffix = rng.choice(("", "", str(rng.randint(1, 99)), str(rng.randint(1960, 2000))))
        local = f"{data.slug(prenom)}.{data.slug(nom)}{suffix}"
        email = gen.unique_email(local, rng.choice(data.WEBMAILS))
    else:
        first, last = data.slug(prenom), data.slug(nom)
        local = f"{first[0]}{last}" if rng.random() < 0.1 else f"{first}.{last}"
        email = gen.unique_email(local, domaine)
    actif = case != "inactif" and (case != "" or rng.random() >= 0.07)
    user_id = next(gen.ids["utilisateur"])
    codes = _profiles(gen, d, families)
    for code in codes:
        gen.rows["utilisateur_profil"].append((user_id, code))
    if case == "temps1":  # an operator who already has an account of the new module
        profil = target_for_legacy(codes).target or "OPERATEUR_SIAO"
        gen.module_accounts.append((email, nom, prenom, profil, (d.code,)))
    return [user_id, email, nom, prenom, d.code, structure.id if structure else None, actif]


def draw_users(
    gen: LegacyGenerator, d: _Departement, structures: list[_Structure], count: int
) -> list[list[Any]]:
    """The département's accounts, every awkward case at least once."""
    rng = d.rng
    cases = ["conflit", "partage", "partage", "generique", "webmail", "inactif", "temps1"]
    cases += [""] * max(0, count - len(cases))
    rng.shuffle(cases)
    actives = [s for s in structures if s.active] or structures
    users = [_user(gen, d, actives, case) for case in cases]
    drawn = [u for u, case in zip(users, cases, strict=True) if case == ""]
    for u in drawn:  # a newcomer given the account e-mail of a colleague
        if rng.random() < 0.02:
            domain = u[1].rpartition("@")[2]
            same = [v for v in drawn if v[5] == u[5] and v[1].endswith("@" + domain)]
            u[1] = rng.choice(same)[1]
    shared = [u for u, case in zip(users, cases, strict=True) if case == "partage"]
    while shared[1][2:4] == shared[0][2:4]:
        shared[1][2] = rng.choice(data.NOMS)
    shared[1][1] = shared[0][1]
    return users


def _regional_domain(region: str) -> str:
    return "drihl.gouv.fr" if region == "Île-de-France" else f"dreets-{data.slug(region)}.gouv.fr"


def add_transverse_cases(
    gen: LegacyGenerator, departements: Sequence[tuple[str, str]], graine: int
) -> dict[str, int]:
    """Append the cross-département accounts to ``gen.rows``; ``departements``: (code, region)
    in call order. Returns the accounts added per département."""
    codes = [code for code, _ in departements]
    rng = random.Random(f"{graine}:transverse:{','.join(codes)}")
    added: dict[str, int] = defaultdict(int)

    def account(code: str, email: str, nom: str, prenom: str, profil: str) -> None:
        user_id = next(gen.ids["utilisateur"])
        gen.rows["utilisateur"].append((user_id, email, nom, prenom, code, None, True))
        gen.rows["utilisateur_profil"].append((user_id, profil))
        added[code] += 1

    def person(domaine: str) -> tuple[str, str, str]:
        prenom, nom = rng.choice(data.PRENOMS), rng.choice(data.NOMS)
        return prenom, nom, gen.unique_email(f"{data.slug(prenom)}.{data.slug(nom)}", domaine)

    prenom, nom, email = person("social.gouv.fr")
    account(codes[0], email, nom, prenom, "ADMINISTRATEUR_NATIONAL")
    per_region: dict[str, list[str]] = defaultdict(list)
    for code, region in departements:
        per_region[region].append(code)
    for region, members in per_region.items():
        if len(members) < 2:
            continue
        prenom, nom, email = person(_regional_domain(region))
        for code in members:
            account(code, email, nom, prenom, "ADMINISTRATEUR_TERRITORIAL")
        gen.module_accounts.append((email, nom, prenom, "ADMIN_DEPARTEMENTAL", tuple(members)))
    if len(codes) > 1:
        _cross_references(gen, codes, rng)
    return dict(added)


def _cross_references(gen: LegacyGenerator, codes: Sequence[str], rng: random.Random) -> None:
    wanted = set(codes)
    structures: dict[str, list[int]] = defaultdict(list)
    for row in gen.rows["structure"]:
        if row[_STRUCTURE_DEPARTEMENT] in wanted and row[_STRUCTURE_ACTIF]:
            structures[row[_STRUCTURE_DEPARTEMENT]].append(row[0])
    users: dict[str, list[int]] = defaultdict(list)
    rows: list[tuple[Any, ...]] = gen.rows["utilisateur"]
    for i, row in enumerate(rows):
        if row[_USER_DEPARTEMENT] in wanted and row[_USER_STRUCTURE] and row[_USER_ACTIF]:
            users[row[_USER_DEPARTEMENT]].append(i)
    for position, code in enumerate(codes):
        other = codes[(position + 1) % len(codes)]
        if users[code] and structures[other]:
            i = rng.choice(users[code])
            moved = list(rows[i])
            moved[_USER_STRUCTURE] = rng.choice(structures[other])
            rows[i] = tuple(moved)


def insert_module_accounts(connection: Connection, comptes: Sequence[ModuleAccount]) -> int:
    """Accounts of the new module for some legacy users (their e-mail is then « déjà utilisé »
    in Temps 2); an e-mail that already has an active account is left alone."""
    if not comptes:
        return 0
    created = connection.execute(
        text(
            "INSERT INTO offre.utilisateur (courriel, nom, prenom, profil_code) "
            "SELECT * FROM unnest(CAST(:c AS text[]), CAST(:n AS text[]), CAST(:p AS text[]), "
            "CAST(:f AS text[])) ON CONFLICT (lower(courriel)) WHERE actif DO NOTHING "
            "RETURNING id, courriel"
        ),
        {key: [c[i] for c in comptes] for i, key in enumerate("cnpf")},
    ).all()
    scope = {c[0]: c[4] for c in comptes}
    pairs = [(user_id, code) for user_id, courriel in created for code in scope[courriel]]
    connection.execute(
        text(
            "INSERT INTO offre.utilisateur_departement (utilisateur_id, departement) "
            "SELECT * FROM unnest(CAST(:u AS bigint[]), CAST(:d AS text[]))"
        ),
        {"u": [p[0] for p in pairs], "d": [p[1] for p in pairs]},
    )
    return len(created)
