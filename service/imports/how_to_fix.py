"""« Comment corriger »: one short instruction per stable anomaly code (IMPORT-FORMAT.md
« Anomaly codes »), shown next to each anomaly in the error report and its CSV; the message
already names the cell and the value, this says what to do about it."""

from __future__ import annotations

HOW_TO_FIX: dict[str, str] = {
    "FICHIER_ILLISIBLE": "Ouvrez le fichier dans Excel ou LibreOffice, enregistrez-le à nouveau "
    "au format .xlsx et déposez-le.",
    "FORMAT_NON_PRIS_EN_CHARGE": "Enregistrez le fichier au format .xlsx, .ods ou .csv "
    "(« Enregistrer sous ») et déposez-le à nouveau.",
    "FICHIER_PROTEGE": "Retirez le mot de passe (Fichier > Informations > Protéger le classeur), "
    "enregistrez et déposez à nouveau.",
    "FICHIER_DANGEREUX": "Partez du modèle téléchargé depuis le service et recopiez-y vos "
    "données (valeurs seules).",
    "FICHIER_TROP_GROS": "Supprimez les feuilles, images et mises en forme inutiles, ou "
    "découpez le fichier par département.",
    "FICHIER_VIDE": "Remplissez au moins une ligne sous les en-têtes avant de déposer le fichier.",
    "TROP_DE_LIGNES": "Supprimez les lignes vides ou inutiles en fin de feuille, ou découpez le "
    "fichier par département.",
    "MODELE_OBSOLETE": "Téléchargez le modèle actuel et recopiez-y vos données.",
    "FEUILLE_MANQUANTE": "Ajoutez la feuille manquante ou rendez-lui son nom d'origine "
    "(Entités, Dispositifs).",
    "COLONNE_MANQUANTE": "Ajoutez la colonne en ligne 1, avec l'en-tête exact du modèle.",
    "COLONNE_EN_DOUBLE": "Gardez une seule colonne portant cet en-tête et supprimez l'autre.",
    "COLONNE_INCONNUE": "Rien à faire si la colonne est volontaire : elle est ignorée. Sinon, "
    "corrigez son en-tête d'après le modèle.",
    "MACROS_IGNOREES": "Rien à faire : les macros ne sont jamais exécutées. Enregistrez en .xlsx "
    "pour ne plus voir cet avertissement.",
    "VALEUR_OBLIGATOIRE": "Renseignez la cellule : cette colonne est obligatoire.",
    "SIREN_INVALIDE": "Saisissez les 9 chiffres du SIREN (vérifiez-le sur annuaire-entreprises."
    "data.gouv.fr), cellule au format Texte.",
    "SIRET_INVALIDE": "Saisissez les 14 chiffres du SIRET de l'établissement, cellule au "
    "format Texte.",
    "FINESS_INVALIDE": "Saisissez le numéro FINESS à 9 caractères (vérifiez-le sur finess."
    "esante.gouv.fr), cellule au format Texte.",
    "RNA_INVALIDE": "Saisissez W suivi de 9 chiffres, ou videz la cellule.",
    "CODE_POSTAL_INVALIDE": "Saisissez 5 chiffres (01000), cellule au format Texte.",
    "CODE_COMMUNE_INVALIDE": "Saisissez le code INSEE de la commune à 5 caractères (75056, "
    "2A004), différent du code postal.",
    "COURRIEL_INVALIDE": "Saisissez une seule adresse de la forme nom@domaine.fr, sans espace.",
    "TELEPHONE_INVALIDE": "Saisissez un numéro français à 10 chiffres (01 23 45 67 89).",
    "PRECISION_PERDUE": "Formatez la colonne en Texte, puis saisissez ou collez à nouveau "
    "l'identifiant complet.",
    "DATE_INVALIDE": "Saisissez une date JJ/MM/AAAA ou AAAA-MM-JJ.",
    "NOMBRE_INVALIDE": "Saisissez un nombre entier positif ou nul, sans unité ni décimale.",
    "TEXTE_TROP_LONG": "Raccourcissez le texte (255 caractères au plus, 50 pour le sigle).",
    "CARACTERE_INTERDIT": "Retapez le texte : il contient un caractère invisible (souvent "
    "issu d'un copier-coller).",
    "FORMULE_SANS_VALEUR": "Ouvrez le fichier, laissez le tableur recalculer, enregistrez ; ou "
    "remplacez la formule par sa valeur (collage spécial > valeurs).",
    "ERREUR_DE_FORMULE": "Corrigez la formule (#REF!, #N/A…) ou remplacez-la par la valeur "
    "attendue.",
    "DEPARTEMENT_INCONNU": "Choisissez le code du département dans la liste (01, 2A, 971…).",
    "TYPE_INCONNU": "Choisissez le type dans la liste déroulante ou saisissez son code "
    "(feuille Lisez-moi du modèle).",
    "VALEUR_HORS_LISTE": "Choisissez la valeur dans la liste (feuille Lisez-moi du modèle) ; "
    "séparez plusieurs valeurs par « ; ».",
    "HORS_PERIMETRE": "Retirez cette ligne, ou faites-la importer par le département concerné.",
    "CAPACITE_INTERDITE": "Videz la capacité : ce type de dispositif n'en a pas.",
    "DATES_INCOHERENTES": "Corrigez la date d'ouverture ou de fermeture : la fermeture ne "
    "peut précéder l'ouverture.",
    "DOUBLON_DANS_LE_FICHIER": "Gardez une seule des lignes citées, ou distinguez-les (nom, "
    "type, identifiant).",
    "ENTITE_INCONNUE": "Ajoutez l'entité (ce SIREN) dans la feuille Entités, ou corrigez le SIREN.",
    "ENTITE_EN_ERREUR": "Corrigez d'abord la ligne de cette entité dans la feuille Entités : le "
    "dispositif sera alors lu.",
    "DOUBLON_PROBABLE": "S'il s'agit du dispositif existant (renommé), recopiez son identifiant "
    "dans la colonne Identifiant ; sinon, rien à faire.",
    "FEUILLE_IGNOREE": "Rien à faire : seules les feuilles Entités et Dispositifs sont lues.",
    "IDENTIFIANT_INCONNU": "Videz l'identifiant pour créer un dispositif, ou reprenez celui "
    "d'un export récent de votre offre.",
    "IDENTIFIANT_INVALIDE": "Reprenez l'identifiant tel qu'exporté (DSP-75-000123) ou videz-le "
    "pour un nouveau dispositif.",
    "ZERO_RESTAURE": "Vérifiez l'identifiant complété ; formatez la colonne en Texte pour ne "
    "plus perdre les zéros.",
    "DATE_NUMERIQUE": "Vérifiez la date lue ; formatez la colonne en Date pour l'afficher.",
    "SIRET_AUTRE_ENTITE": "Vérifiez le SIRET : il ne commence pas par le SIREN de l'entité.",
    "FINESS_CORSE_NON_VERIFIE": "Vérifiez ce FINESS de Corse dans le répertoire FINESS : sa "
    "clé n'a pas pu être contrôlée.",
    "COURRIEL_GENERIQUE": "Indiquez si possible l'adresse nominative du responsable.",
    "COURRIEL_PERSONNEL": "Indiquez de préférence une adresse professionnelle.",
    "CHAMP_RESERVE_ETAT": "Rien à faire : capacité et financeurs sont modifiés par les "
    "services de l'État ; adressez-leur la demande.",
    "PLAN_PERIME": "L'offre a changé depuis l'analyse : déposez à nouveau le fichier pour un "
    "aperçu à jour.",
    "DISPOSITIF_OCCUPE": "Gardez ce dispositif ouvert et de même type, ou faites d'abord "
    "rattacher ses groupes de places à un autre dispositif.",
    "DISPOSITIF_CIBLE": "Vérifiez la fermeture : le rattachement (Temps 2) devra viser un autre "
    "dispositif pour ces groupes.",
}
# Temps 2 (workbook 2): codes of the rattachement's rules (service/rattachement/).
TEMPS2_FIXES: dict[str, str] = {
    "GROUPE_INCONNU": "Gardez l'identifiant du groupe tel qu'exporté, ou supprimez la ligne.",
    "UTILISATEUR_INCONNU": "Gardez l'identifiant du compte tel qu'exporté, ou supprimez la ligne.",
    "DISPOSITIF_INCONNU": "Choisissez le dispositif dans la liste (feuille Dispositifs du "
    "classeur exporté).",
    "TYPE_INCOMPATIBLE": "Choisissez un dispositif d'hébergement ou de logement, ou excluez le "
    "groupe.",
    "DISPOSITIF_FERME": "Choisissez un dispositif ouvert, ou excluez le groupe.",
    "PERIMETRE_INCOHERENT": "Remplissez la colonne de périmètre du profil (Départements, SIREN "
    "de l'entité ou Dispositifs) et videz les autres.",
    "PROFIL_RESERVE": "Laissez ce compte à l'administration nationale, ou choisissez un profil "
    "que vous pouvez attribuer.",
    "COURRIEL_EN_DOUBLE": "Saisissez un « Nouveau courriel » nominatif, liez ce compte au compte "
    "existant, ou désactivez le doublon.",
    "DECISION_MODIFIEE_DEPUIS": "Vérifiez la décision dans l'aperçu avant d'appliquer, ou "
    "exportez à nouveau le classeur pour partir des décisions actuelles.",
    "COMPTE_A_LIER_INCONNU": "Indiquez le courriel du compte à lier dans « Nouveau courriel », ou "
    "choisissez « Migrer ».",
}
HOW_TO_FIX.update(TEMPS2_FIXES)
_GENERIC_FIX = "Corrigez la cellule d'après le message, puis déposez à nouveau le fichier."


def how_to_fix(code: str) -> str:
    return HOW_TO_FIX.get(code, _GENERIC_FIX)
