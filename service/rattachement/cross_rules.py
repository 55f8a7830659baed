"""Rules across the rows of one file (or one screen entry against the stored decisions), pure:
a groupe or an account given twice, and two accounts migrating to one e-mail."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from service.rattachement.cells import Probleme
from service.rattachement.context import Contexte
from service.rattachement.rules_comptes import LigneCompte, effective_email
from service.rattachement.rules_groupes import LigneGroupe
from service.referentiels.checks import error


def doublons(
    keys: Sequence[tuple[int, int | None]], champ: str, what: str
) -> list[tuple[int, Probleme]]:
    """(line, id) pairs: every occurrence of an id given on several lines, naming the others."""
    lines: defaultdict[int, list[int]] = defaultdict(list)
    for line, key in keys:
        if key is not None:
            lines[key].append(line)
    found = []
    for key, at in lines.items():
        for line in at if len(at) > 1 else ():
            others = ", ".join(str(x) for x in at if x != line)
            detail = f"{what} apparaît aussi ligne {others} : gardez une seule ligne."
            found.append((line, Probleme(champ, key, error("DOUBLON_DANS_LE_FICHIER", detail))))
    return found


def doublons_groupes(lignes: Sequence[LigneGroupe]) -> list[tuple[int, Probleme]]:
    return doublons([(x.ligne, x.groupe_id) for x in lignes], "groupe", "ce groupe")


def doublons_comptes(lignes: Sequence[LigneCompte]) -> list[tuple[int, Probleme]]:
    return doublons([(x.ligne, x.utilisateur_id) for x in lignes], "utilisateur", "ce compte")


def courriels_en_double(
    lignes: Sequence[LigneCompte], ctx: Contexte, *, where: str = "ligne"
) -> list[tuple[int, Probleme]]:
    """Accounts that would migrate to an e-mail another account migrates to (in the file, or
    stored for an account absent from it, whatever its département), or that an active account
    of the module already has."""
    present = {x.utilisateur_id for x in lignes if x.utilisateur_id is not None}
    migrating: defaultdict[str, list[LigneCompte]] = defaultdict(list)
    for x in lignes:
        if x.utilisateur_id is not None and x.decision and x.decision.decision == "migrer":
            email = effective_email(x.decision, ctx.comptes[x.utilisateur_id].email)
            migrating[email].append(x)
    found = []
    for email, rows in migrating.items():
        stored = [i for i in ctx.courriels_migres.get(email, ()) if i not in present]
        module = email in ctx.courriels_module
        if len(rows) + len(stored) < 2 and not module:
            continue
        for x in rows:
            others = [f"{where} {o.ligne}" for o in rows if o is not x]
            others += [f"compte historique n° {i} (décision enregistrée)" for i in stored]
            if module:
                others.append("un compte actif du module Offre")
            detail = (
                f"ce courriel serait aussi celui de : {', '.join(others)}. Un courriel est "
                "celui d'un seul compte : saisissez un « Nouveau courriel » nominatif, "
                "choisissez « Lier au compte existant » ou désactivez le doublon."
            )
            issue = error("COURRIEL_EN_DOUBLE", detail)
            found.append((x.ligne, Probleme("courriel", email, issue)))
    return found
