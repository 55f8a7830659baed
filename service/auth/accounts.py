"""Accounts of the new module: creation, changes of profile or perimeter, deactivation (CLI,
audited), and the identity behind a token. Services flush, the caller commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from service.auth.permissions import Identity
from service.auth.tables import Utilisateur, UtilisateurDepartement
from service.jobs import audit
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
    par: str | None = None,
) -> Utilisateur:
    checked = check_email(courriel, nominative=True)
    if not checked.ok or checked.value is None:
        raise AccountError(f"Courriel « {courriel} » invalide.")
    email = checked.value
    scope = _scope(session, profil, departements, entite_siren)
    taken = session.scalar(
        select(Utilisateur.id).where(
            func.lower(Utilisateur.courriel) == email.lower(), Utilisateur.actif
        )
    )
    if taken is not None:
        raise AccountError(f"Un compte actif utilise déjà le courriel « {email} ».")
    user = Utilisateur(
        courriel=email, profil_code=scope.profil, entite_id=scope.entite_id, nom=nom, prenom=prenom
    )
    session.add(user)
    session.flush()
    session.add_all(
        UtilisateurDepartement(utilisateur_id=user.id, departement=d) for d in scope.departements
    )
    session.flush()
    _audit(session, user, "compte.creation", None, scope, par)
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


@dataclass(frozen=True)
class Scope:
    """A profile and its perimeter, checked together."""

    profil: str
    departements: tuple[str, ...]
    entite_id: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "profil": self.profil,
            "departements": list(self.departements),
            "entite_id": self.entite_id,
        }


@dataclass(frozen=True)
class Account:
    courriel: str
    profil: str
    departements: tuple[str, ...]
    entite_siren: str | None
    actif: bool
    cree_le: datetime


def _scope(
    session: Session, profil: str, departements: Iterable[str], entite_siren: str | None
) -> Scope:
    by_code = {p.code: p for p in profils()}
    record = by_code.get(profil.strip().upper())
    if record is None:
        raise AccountError(
            f"Profil « {profil} » inconnu. Profils possibles : {', '.join(sorted(by_code))}."
        )
    codes: list[str] = []
    for raw in departements:
        dep = check_departement(raw)
        if dep.value is None:
            raise AccountError(f"Département « {raw} » inconnu.")
        if dep.value not in codes:
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
    return Scope(record.code, tuple(codes), entite_id)


def _active(session: Session, courriel: str) -> Utilisateur:
    user = session.scalar(
        select(Utilisateur).where(
            func.lower(Utilisateur.courriel) == courriel.strip().lower(), Utilisateur.actif
        )
    )
    if user is None:
        raise AccountError(f"Aucun compte actif pour « {courriel} ».")
    return user


def _current_scope(session: Session, user: Utilisateur) -> Scope:
    codes = session.scalars(
        select(UtilisateurDepartement.departement)
        .where(UtilisateurDepartement.utilisateur_id == user.id)
        .order_by(UtilisateurDepartement.departement)
    )
    return Scope(user.profil_code, tuple(codes), user.entite_id)


def _audit(
    session: Session,
    user: Utilisateur,
    action: str,
    before: Scope | None,
    after: Scope | None,
    par: str | None,
) -> None:
    details: dict[str, Any] = {"courriel": user.courriel, "par": par}
    if before is not None:
        details["avant"] = before.as_dict()
    if after is not None:
        details["apres"] = after.as_dict()
    audit.record(session, None, None, action, "utilisateur", str(user.id), details=details)


def update_user(
    session: Session,
    courriel: str,
    profil: str | None = None,
    departements: Iterable[str] | None = None,
    entite_siren: str | None = None,
    par: str | None = None,
) -> tuple[Scope, Scope]:
    """A new profile and/or perimeter for an active account (its scope before and after).
    Départements not given are kept while the profile still has a départemental perimeter."""
    user = _active(session, courriel)
    before = _current_scope(session, user)
    new_profil = profil or before.profil
    by_code = {p.code: p for p in profils()}
    record = by_code.get(new_profil.strip().upper())
    if departements is None:
        kept = record is not None and record.perimetre == "departement"
        departements = before.departements if kept else ()
    if entite_siren is None and before.entite_id is not None:
        entite_siren = session.scalar(select(Entite.siren).where(Entite.id == before.entite_id))
    after = _scope(session, new_profil, departements, entite_siren)
    if after == before:
        raise AccountError(f"Rien à modifier pour « {user.courriel} ».")
    user.profil_code, user.entite_id = after.profil, after.entite_id
    session.execute(
        delete(UtilisateurDepartement).where(UtilisateurDepartement.utilisateur_id == user.id)
    )
    session.add_all(
        UtilisateurDepartement(utilisateur_id=user.id, departement=d) for d in after.departements
    )
    session.flush()
    _audit(session, user, "compte.modification", before, after, par)
    return before, after


def deactivate_user(session: Session, courriel: str, par: str | None = None) -> Utilisateur:
    """The account can no longer act nor read (its jobs stay, attributed to it)."""
    user = _active(session, courriel)
    user.actif = False
    session.flush()
    _audit(session, user, "compte.desactivation", _current_scope(session, user), None, par)
    return user


def list_users(session: Session, include_inactive: bool = False) -> list[Account]:
    query = (
        select(Utilisateur, Entite.siren)
        .outerjoin(Entite, Entite.id == Utilisateur.entite_id)
        .order_by(func.lower(Utilisateur.courriel), Utilisateur.id)
    )
    if not include_inactive:
        query = query.where(Utilisateur.actif)
    rows = session.execute(query).all()
    scopes: dict[int, list[str]] = {}
    for user_id, code in session.execute(
        select(UtilisateurDepartement.utilisateur_id, UtilisateurDepartement.departement).order_by(
            UtilisateurDepartement.departement
        )
    ):
        scopes.setdefault(user_id, []).append(code)
    return [
        Account(
            courriel=user.courriel,
            profil=user.profil_code,
            departements=tuple(scopes.get(user.id, ())),
            entite_siren=siren,
            actif=user.actif,
            cree_le=user.cree_le,
        )
        for user, siren in rows
    ]
