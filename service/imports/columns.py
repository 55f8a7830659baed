"""The columns of workbook 1 (IMPORT-FORMAT.md): the contract shared by the reader, the rules,
the template, the pre-filled export and the error report.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "texte"
    SIREN = "siren"
    SIRET = "siret"
    FINESS = "finess"
    FINESS_LIST = "liste_finess"
    RNA = "rna"
    CODE_POSTAL = "code_postal"
    CODE_COMMUNE = "code_commune"
    DEPARTEMENT = "departement"
    EMAIL = "courriel"
    EMAIL_NOMINATIVE = "courriel_nominatif"
    TELEPHONE = "telephone"
    TYPE = "type_dispositif"
    FORME_JURIDIQUE = "forme_juridique"
    FINANCEURS = "financeurs"
    PUBLICS = "publics"
    INTEGER = "entier"
    DATE = "date"
    IDENTIFIANT = "identifiant_dispositif"
    LEGACY_IDS = "structures_historiques"


@dataclass(frozen=True, slots=True)
class Column:
    field: str  # the model's field name (English-free domain noun, as in the tables)
    header: str  # exactly as users see it
    kind: Kind
    required: bool = False
    max_length: int | None = None
    aliases: tuple[str, ...] = ()
    help: str = ""  # format hint shown in the template's header comment


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]

    def column(self, field: str) -> Column:
        return next(c for c in self.columns if c.field == field)


_ADDRESS = (
    Column("adresse", "Adresse", Kind.TEXT, max_length=255, help="Texte libre."),
    Column("code_postal", "Code postal", Kind.CODE_POSTAL, help="5 chiffres, format Texte."),
    Column("commune", "Commune", Kind.TEXT, max_length=255, help="Texte libre."),
    Column(
        "code_commune",
        "Code commune INSEE",
        Kind.CODE_COMMUNE,
        aliases=("Code INSEE", "Code commune"),
        help="5 caractères (ex. 75056, 2A004), format Texte.",
    ),
)

ENTITES = Sheet(
    "Entités",
    (
        Column(
            "siren",
            "SIREN",
            Kind.SIREN,
            required=True,
            aliases=("N° SIREN", "Numéro SIREN", "Siren de l'entité"),
            help="9 chiffres avec clé valide, format Texte.",
        ),
        Column("raison_sociale", "Raison sociale", Kind.TEXT, True, 255, help="255 caractères."),
        Column("sigle", "Sigle", Kind.TEXT, max_length=50, help="50 caractères au plus."),
        Column(
            "forme_juridique",
            "Forme juridique",
            Kind.FORME_JURIDIQUE,
            help="Une valeur de la liste déroulante.",
        ),
        *_ADDRESS,
        Column(
            "departement_siege",
            "Département du siège",
            Kind.DEPARTEMENT,
            required=True,
            help="Code du département (01, 2A, 971…).",
        ),
        Column(
            "courriel",
            "Courriel de contact",
            Kind.EMAIL,
            max_length=255,
            help="Adresse électronique (une boîte fonctionnelle est acceptée).",
        ),
        Column("telephone", "Téléphone", Kind.TELEPHONE, help="Numéro français (10 chiffres)."),
        Column("finess_ej", "FINESS EJ", Kind.FINESS, help="9 caractères, format Texte."),
        Column("rna", "RNA", Kind.RNA, help="W suivi de 9 chiffres (associations)."),
    ),
)

DISPOSITIFS = Sheet(
    "Dispositifs",
    (
        Column(
            "identifiant",
            "Identifiant",
            Kind.IDENTIFIANT,
            help="Vide pour un nouveau dispositif ; attribué par le service (DSP-75-000123).",
        ),
        Column(
            "siren",
            "SIREN de l'entité",
            Kind.SIREN,
            required=True,
            aliases=("SIREN", "Siren entité", "N° SIREN"),
            help="SIREN d'une entité de la feuille Entités ou déjà connue.",
        ),
        Column("nom", "Nom du dispositif", Kind.TEXT, True, 255, help="255 caractères."),
        Column(
            "type_code",
            "Type de dispositif",
            Kind.TYPE,
            required=True,
            aliases=("Type",),
            help="Un type de la nomenclature (liste déroulante).",
        ),
        Column(
            "departement",
            "Département",
            Kind.DEPARTEMENT,
            required=True,
            help="Code du département, dans votre périmètre.",
        ),
        Column(
            "siret",
            "SIRET",
            Kind.SIRET,
            help="14 chiffres avec clé valide ; commence normalement par le SIREN.",
        ),
        Column(
            "finess_et",
            "FINESS ET",
            Kind.FINESS_LIST,
            help="Un ou plusieurs numéros FINESS séparés par « ; ».",
        ),
        *_ADDRESS,
        Column(
            "capacite_financee",
            "Capacité financée",
            Kind.INTEGER,
            help="Entier ≥ 0 dans l'unité du type ; vide pour Veille sociale et Premier accueil.",
        ),
        Column(
            "financeurs",
            "Financeurs",
            Kind.FINANCEURS,
            help="Liste séparée par « ; » (voir Lisez-moi).",
        ),
        Column("date_ouverture", "Date d'ouverture", Kind.DATE, help="JJ/MM/AAAA ou cellule date."),
        Column("date_fermeture", "Date de fermeture", Kind.DATE, help="Postérieure à l'ouverture."),
        Column(
            "publics",
            "Publics accueillis",
            Kind.PUBLICS,
            help="Liste séparée par « ; » (voir Lisez-moi).",
        ),
        Column(
            "courriel_responsable",
            "Courriel du responsable",
            Kind.EMAIL_NOMINATIVE,
            max_length=255,
            help="Adresse professionnelle nominative.",
        ),
        Column(
            "structures_historiques",
            "Structures SI SIAO actuelles",
            Kind.LEGACY_IDS,
            help="Identifiants des structures actuelles séparés par « ; ».",
        ),
    ),
)

WORKBOOK_1 = (ENTITES, DISPOSITIFS)

# State funding decisions: only State profiles write them (IMPORT-FORMAT.md "Who writes what").
STATE_ONLY_FIELDS = ("capacite_financee", "financeurs")

TEMPLATE_VERSION = "offre-temps1-v1"
