"""Builders of the Temps 2 matching's plain inputs, with plausible defaults."""

from __future__ import annotations

from typing import Any

from service.bascule.model import LegacyAccount, LegacyGroupe, LegacyStructure, OffreDispositif
from service.rattachement.context import Contexte

SIREN = "732829320"
SIRET = "73282932000074"


def structure(id: int = 1, **kw: Any) -> LegacyStructure:
    values: dict[str, Any] = {
        "nom": "CHRS Le Relais",
        "departement": "93",
        "type_code": 400,
        "siret": SIRET,
        "finess": None,
        "adresse": "12 rue Jean Jaurès",
        "code_postal": "93000",
        "commune": "Bobigny",
        "entite_id": 1,
        "entite_nom": "Association Le Relais",
        "entite_siren": SIREN,
    }
    return LegacyStructure(id=id, **{**values, **kw})


def groupe(id: int = 10, structure_id: int = 1, **kw: Any) -> LegacyGroupe:
    values: dict[str, Any] = {
        "libelle": "Places d'insertion – Homme seul",
        "type_place": "insertion",
        "public": "Homme seul",
        "nb_places": 10,
    }
    return LegacyGroupe(id=id, structure_id=structure_id, **{**values, **kw})


def dispositif(identifiant: str = "DSP-93-000001", **kw: Any) -> OffreDispositif:
    values: dict[str, Any] = {
        "siren": SIREN,
        "nom": "CHRS Le Relais",
        "type_code": "HEB_CHRS",
        "departement": "93",
        "siret": None,
        "adresse": None,
        "code_postal": None,
        "commune": None,
    }
    return OffreDispositif(identifiant=identifiant, **{**values, **kw})


def account(id: int = 100, *profils: str, **kw: Any) -> LegacyAccount:
    values: dict[str, Any] = {
        "email": f"agent{id}@siao93.fr",
        "nom": f"Nom{id}",
        "prenom": "Camille",
        "departement": "93",
        "structure_id": None,
        "actif": True,
    }
    return LegacyAccount(id=id, profils=profils or ("ECOUTANT",), **{**values, **kw})


def contexte(**kw: Any) -> Contexte:
    """A département 93 for the Temps 2 rules: one structure with two groupes (10, 11), an
    open CHRS DSP-93-000001, a Maraude DSP-93-000002 (no places), a closed CHRS DSP-93-000003,
    another entité's CHRS DSP-93-000004, and accounts 100 (Écoutant) and 101 (Coordinateur),
    with their proposals."""
    from service.bascule.comptes import propose_comptes
    from service.bascule.groupes import propose_groupes
    from service.bascule.model import ComptesContexte, DepartementOffre

    s = structure()
    groupes = (groupe(10), groupe(11, public="Femme seule"))
    dispositifs = (
        dispositif("DSP-93-000001", structures_historiques=(1,)),
        dispositif("DSP-93-000002", nom="Maraude de Bobigny", type_code="VS_MARAUDE"),
        dispositif("DSP-93-000003", nom="CHRS fermé", ferme=True),
        dispositif("DSP-93-000004", nom="CHRS Autre", siren="552081317"),
    )
    comptes = (
        account(100, "ECOUTANT"),
        account(101, "COORDINATEUR", email="coordination@siao93.fr"),
        account(102, "ADMINISTRATEUR_TERRITORIAL", email="agent.ddets@drihl.gouv.fr"),
    )
    offre = DepartementOffre("93", (s,), groupes, dispositifs)
    same = {a.email.lower(): (a,) for a in comptes}
    values: dict[str, Any] = {
        "departement": "93",
        "structures": {s.id: s},
        "groupes": {g.id: g for g in groupes},
        "comptes": {a.id: a for a in comptes},
        "dispositifs": {d.identifiant: d for d in dispositifs},
        "propositions_groupes": {p.groupe_id: p for p in propose_groupes(offre)},
        "propositions_comptes": {
            p.utilisateur_id: p for p in propose_comptes(comptes, ComptesContexte(same))
        },
        "comptes_meme_courriel": {k: tuple(a.id for a in v) for k, v in same.items()},
        "entites": {SIREN: "Association Le Relais", "552081317": "Autre association"},
    }
    return Contexte(**{**values, **kw})


def preflight_data(**kw: Any) -> Any:
    """A département 93 ready for Temps 3: one active structure (1) with two groupes attached
    to an open CHRS, one inactive groupe; two accounts decided « migrer » with their scope."""
    from service.bascule.model import Rattachement
    from service.bascule.preflight import Cible, Groupe, PreflightData, by_email
    from service.rattachement.context import CompteDecision, GroupeDecision

    comptes = (
        account(100, "ECOUTANT", email="c.martin@siao93.fr"),
        account(101, "GESTIONNAIRE_STRUCTURE", email="l.petit@relais.fr", structure_id=1),
    )
    values: dict[str, Any] = {
        "departements": ("93",),
        "basculees": {},
        "groupes": {
            "93": (
                Groupe(10, 1, "Insertion – Homme seul", "insertion", 10, 8, True),
                Groupe(11, 1, "Insertion – Femme seule", "insertion", 6, 6, True),
                Groupe(12, 1, "Hiver", "hiver", 4, 0, False),
            )
        },
        "decisions_groupes": {
            10: GroupeDecision("rattacher", "DSP-93-000001"),
            11: GroupeDecision("rattacher", "DSP-93-000001"),
        },
        "dispositifs": {
            "DSP-93-000001": Cible("93", "HEB_CHRS", False, SIREN),
            "DSP-93-000002": Cible("93", "VS_MARAUDE", False, SIREN),
            "DSP-93-000003": Cible("93", "HEB_CHRS", True, SIREN),
        },
        "comptes": {"93": comptes},
        "decisions_comptes": {
            100: CompteDecision("migrer", "ECOUTANT_115", ("93",)),
            101: CompteDecision("migrer", "RESPONSABLE_DISPOSITIF", dispositifs=("DSP-93-000001",)),
        },
        "acquittees": {},
        "comptes_meme_courriel": by_email(comptes),
        "courriels_module": frozenset(),
        "courriels_migres": {"c.martin@siao93.fr": (100,), "l.petit@relais.fr": (101,)},
        "rattachements": {1: Rattachement(frozenset({"DSP-93-000001"}), frozenset({SIREN}))},
        "sirens": frozenset({SIREN}),
        "references": {},
    }
    return PreflightData(**{**values, **kw})
