"""Plain inputs and outputs of the Temps 2 matching (DOMAIN.md §6, IMPORT-FORMAT.md workbook 2).

Inputs are loaded once per département (service/bascule/loading.py) and never touch the
database again; outputs carry what the workbook 2 columns « Dispositif proposé », « Confiance »,
« Motif de la proposition », « Profil proposé », « Alertes » and the route
``GET /api/v1/departements/{code}/propositions`` show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class LegacyStructure:
    """A row of ``siao.structure`` with the SIREN of its legacy entité (None when unknown)."""

    id: int
    nom: str
    departement: str
    type_code: int
    siret: str | None = None
    finess: str | None = None
    adresse: str | None = None
    code_postal: str | None = None
    commune: str | None = None
    actif: bool = True
    entite_id: int = 0
    entite_nom: str = ""
    entite_siren: str | None = None


@dataclass(frozen=True, slots=True)
class LegacyGroupe:
    """A row of ``siao.groupe_places``; ``public`` is the legacy free text (labels joined by ,)."""

    id: int
    structure_id: int
    libelle: str
    type_place: str
    public: str | None = None
    nb_places: int = 1
    places_occupees: int = 0
    adresse: str | None = None
    code_postal: str | None = None
    commune: str | None = None
    actif: bool = True


@dataclass(frozen=True, slots=True)
class OffreDispositif:
    """A dispositif of ``offre.dispositif`` as the matching sees it (``ferme``: closed today)."""

    identifiant: str
    siren: str
    nom: str
    type_code: str
    departement: str
    siret: str | None = None
    finess_et: tuple[str, ...] = ()
    adresse: str | None = None
    code_postal: str | None = None
    commune: str | None = None
    publics: tuple[str, ...] = ()
    structures_historiques: tuple[int, ...] = ()
    ferme: bool = False


@dataclass(frozen=True, slots=True)
class DepartementOffre:
    """Everything the groupe matching of one département needs, loaded once."""

    departement: str
    structures: tuple[LegacyStructure, ...]
    groupes: tuple[LegacyGroupe, ...]
    dispositifs: tuple[OffreDispositif, ...]


class Confiance(StrEnum):
    HAUTE = "haute"
    MOYENNE = "moyenne"
    FAIBLE = "faible"
    AUCUNE = "aucune"


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence for or against a candidate: stable ``code``, French ``libelle``."""

    code: str
    libelle: str
    poids: float


@dataclass(frozen=True, slots=True)
class Alerte:
    """An alert with a stable code and its French message."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Candidat:
    """A dispositif that may receive the groupe, with the signals that ranked it."""

    identifiant: str
    nom: str
    type_code: str
    score: float
    signaux: tuple[Signal, ...]

    @property
    def motif(self) -> str:
        """The signals for, then against, in French: « structure déclarée dans le dispositif ;
        même SIRET ; mais autre entité »."""
        pour = [s.libelle for s in self.signaux if s.poids > 0]
        contre = [s.libelle for s in self.signaux if s.poids < 0]
        text = " ; ".join(pour)
        if contre:
            text = f"{text} ; mais {' ; '.join(contre)}" if text else " ; ".join(contre)
        return text


@dataclass(frozen=True, slots=True)
class PropositionGroupe:
    """The proposal for one active legacy groupe de places.

    ``dispositif`` is the proposed identifiant (None with ``confiance`` aucune); ``candidats``
    are ranked best first and only hold open dispositifs whose type carries places.
    """

    groupe_id: int
    structure_id: int
    dispositif: str | None
    confiance: Confiance
    motif: str
    candidats: tuple[Candidat, ...] = ()
    alertes: tuple[Alerte, ...] = ()


class Decision(StrEnum):
    """Machine values of the account decision (the workbook shows their labels)."""

    MIGRER = "migrer"
    LIER = "lier"
    DESACTIVER = "desactiver"


@dataclass(frozen=True, slots=True)
class LegacyAccount:
    """A row of ``siao.utilisateur`` with its cumulated legacy profile codes."""

    id: int
    email: str
    nom: str
    prenom: str
    departement: str
    structure_id: int | None
    actif: bool
    profils: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rattachement:
    """Where a legacy structure's groupes are attached so far (Temps 2 decisions or proposals).

    ``dispositifs``: identifiants; ``sirens``: the entités of those dispositifs.
    """

    dispositifs: frozenset[str]
    sirens: frozenset[str]


@dataclass(frozen=True, slots=True)
class ComptesContexte:
    """What the account proposals of one département need besides its accounts.

    ``comptes_meme_courriel``: every active legacy account (all départements) whose e-mail is
    one of the département's, keyed by the folded e-mail; ``courriels_module``: folded e-mails of
    active ``offre.utilisateur`` accounts; ``rattachements``: per legacy structure id (of any
    département) referenced by an account.
    """

    comptes_meme_courriel: dict[str, tuple[LegacyAccount, ...]] = field(default_factory=dict)
    courriels_module: frozenset[str] = frozenset()
    rattachements: dict[int, Rattachement] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PropositionCompte:
    """The proposal for one active legacy account (workbook 2, sheet « Utilisateurs »).

    ``profil`` is None on a profile conflict (a person decides). Scope: ``departements`` for
    département profiles (empty for national), ``siren`` for entité profiles, ``dispositifs``
    for dispositif profiles.
    """

    utilisateur_id: int
    profil: str | None
    decision: Decision
    departements: tuple[str, ...] = ()
    siren: str | None = None
    dispositifs: tuple[str, ...] = ()
    motif: str = ""
    alertes: tuple[Alerte, ...] = ()

    @property
    def codes_alertes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.alertes)
