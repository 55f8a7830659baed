"""Accounts of the new module: creation (CLI) and the identity behind a token."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.permissions import Identity
from service.auth.tables import Utilisateur, UtilisateurDepartement
from service.offre.tables import Entite
from service.referentiels.departements import check_departement
from service.referentiels.identifiers import check_email, check_siren
from service.referentiels.reference_data import profils


class AccountError(ValueError):
    """A refused account, with a French message for the operator."""


def add_user(
    session: Session,
    courriel: str,
    profil: str,
    departements: Iterable[str] = (),
    entite_siren: str | None = None,
    nom: str | None = None,
    prenom: str | None = None,
) -> Utilisateur:
    by_code = {p.code: p for p in profils()}
    record = by_code.get(profil.strip().upper())
    if record is None:
        raise AccountError(
            f"Profil « {profil} » inconnu. Profils possibles : {', '.join(sorted(by_code))}."
        )
    checked = check_email(courriel, nominative=True)
    if not checked.ok or checked.value is None:
        raise AccountError(f"Courriel « {courriel} » invalide.")
    email = checked.value
    codes: list[str] = []
    for raw in departements:
        dep = check_departement(raw)
        if dep.value is None:
            raise AccountError(f"Département « {raw} » inconnu.")
        codes.append(dep.value)
    if record.perimetre == "departement" and not codes:
        raise AccountError(f"Le profil {record.code} demande au moins un --departement.")
    if record.perimetre != "departement" and codes:
        raise AccountError(f"Le profil {record.code} n'a pas de périmètre départemental.")
    entite_id = None
    if record.perimetre in ("entite", "dispositif"):
        siren = check_siren(entite_siren).value if entite_siren else None
        entite_id = (
            session.scalar(select(Entite.id).where(Entite.siren == siren)) if siren else None
        )
        if entite_id is None:
            raise AccountError(
                f"Le profil {record.code} demande --entite SIREN d'une entité connue."
            )
    taken = session.scalar(
        select(Utilisateur.id).where(
            func.lower(Utilisateur.courriel) == email.lower(), Utilisateur.actif
        )
    )
    if taken is not None:
        raise AccountError(f"Un compte actif utilise déjà le courriel « {email} ».")
    user = Utilisateur(
        courriel=email, profil_code=record.code, entite_id=entite_id, nom=nom, prenom=prenom
    )
    session.add(user)
    session.flush()
    session.add_all(UtilisateurDepartement(utilisateur_id=user.id, departement=d) for d in codes)
    session.flush()
    return user


def identity_for(session: Session, courriel: str) -> Identity | None:
    """The active account behind an e-mail, with its profile and scope from our database."""
    user = session.scalar(
        select(Utilisateur).where(
            func.lower(Utilisateur.courriel) == courriel.lower(), Utilisateur.actif
        )
    )
    if user is None:
        return None
    departements = frozenset(
        session.scalars(
            select(UtilisateurDepartement.departement).where(
                UtilisateurDepartement.utilisateur_id == user.id
            )
        )
    )
    return Identity(
        utilisateur_id=user.id,
        courriel=user.courriel,
        profil=user.profil_code,
        departements=departements,
        entite_id=user.entite_id,
    )


def identity_for_id(session: Session, utilisateur_id: int) -> Identity | None:
    """The identity of a job's submitter as it is now (a worker re-reads profile and scope);
    None when the account was deactivated since: no identity, no rights."""
    user = session.get(Utilisateur, utilisateur_id)
    if user is None or not user.actif:
        return None
    return identity_for(session, user.courriel)
