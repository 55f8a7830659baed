"""Identifiers and contact fields read from one spreadsheet cell (DOMAIN.md §5).

Every check takes the raw cell value as python-calamine returns it (str, int, float, bool,
datetime or None) and returns a :class:`Checked`: ``value`` is the normalised text, ``None``
for an empty cell or when an error makes the value unusable. Digits are matched with ASCII
regexes only: ``str.isdigit()`` and ``int()`` accept Arabic-Indic or full-width digits.
"""

from __future__ import annotations

import re

from service.referentiels.checks import Checked, Issue, error, warning
from service.referentiels.text import fold

_SEPARATORS = str.maketrans("", "", " \u00a0\u202f.-")
# Excel always writes the exponent's sign (7.72201E+08); requiring it keeps the FINESS
# extract prefix 9E (9E0123456) from reading as a number.
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]*)?[eE][+-][0-9]+")
# Excel stores 15 significant digits: a larger number has already lost its last digits.
_EXCEL_MAX = 10**15
_AS_TEXT = "formatez la colonne en Texte et saisissez à nouveau le numéro complet"
_BAD_KEY = "clé de contrôle incorrecte"
_SIREN_FIX = "vérifiez le numéro sur annuaire-entreprises.data.gouv.fr"
_SIREN_DIGITS = "saisissez les 9 chiffres du SIREN, sans lettre ni autre signe"
_SIRET_FIX = "saisissez les 14 chiffres (SIREN puis NIC) tels qu'ils figurent sur l'avis Sirene"
_FINESS_FIX = "recopiez le numéro depuis finess.esante.gouv.fr"

# Département part of FINESS numbers and INSEE commune codes: 01–95 except 20 (Corsica is
# 2A/2B since 1976), 97 for the DOM, 98 for Mayotte and the COM.
_DEP_PREFIX = r"(?:0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97|98)"
_SIREN = re.compile(r"[0-9]{9}")
_SIRET = re.compile(r"[0-9]{14}")
_FINESS = re.compile(_DEP_PREFIX + r"[0-9]{7}")
_RNA = re.compile(r"W[0-9]{9}")
_CODE_POSTAL = re.compile(r"(?!00)[0-9]{5}")
_CODE_COMMUNE = re.compile(_DEP_PREFIX + r"[0-9]{3}")
_LIST_SEPARATORS = re.compile(r"[;,\r\n]+")

_PHONE_SEPARATORS = str.maketrans("", "", " \u00a0\u202f.-/()")
_PHONE_NATIONAL = re.compile(r"0[1-9][0-9]{8}")
# Metropolitan France and the overseas départements with their own country code (La Réunion
# and Mayotte 262, Mayotte's former 269, Guadeloupe 590, Guyane 594, Martinique 596). The « + »
# may be missing when Excel read the number as a number; « (0) » is a frequent addition.
_PHONE_INTERNATIONAL = re.compile(r"(?:\+|00)?(?:33|262|269|590|594|596)0?([1-9][0-9]{8})")

# ASCII only (an accented address is refused); internationalised TLDs in their xn-- form.
_EMAIL = re.compile(
    r"([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?:[A-Za-z]{2,63}|[Xx][Nn]--[A-Za-z0-9-]{1,59}))"
)
# RFC 5321 limits; checked before the regex so that a pasted paragraph costs nothing.
_EMAIL_MAX, _LOCAL_MAX = 254, 64
# Role mailboxes: a user account must be nominative (DOMAIN.md §4). A local part that is one of
# these words, or starts with one followed by a separator or digits (siao75, contact.paris).
_GENERIC_WORDS = (  # noqa: SIM905 - one word per line would triple the module's length
    "115 accueil admin administratif administration asso association bonjour bureau "
    "communication compta comptabilite contact contacts coordination courrier direction "
    "directeur email equipe hello info information informations infos mail ne-pas-repondre "
    "nepasrepondre no-reply noreply office permanence president presidence reception rh "
    "secretariat secretaire service siao siege standard support"
).split()
_GENERIC = re.compile(
    "(?:{})(?:[._+-].*|[0-9]+)?".format("|".join(map(re.escape, _GENERIC_WORDS))), re.DOTALL
)
_PERSONAL_DOMAINS = frozenset(
    (  # noqa: SIM905 - same as above
        "aol.com aol.fr bbox.fr club-internet.fr free.fr gmail.com gmx.com gmx.fr googlemail.com "
        "hotmail.com hotmail.fr icloud.com laposte.net live.com live.fr mac.com mail.com me.com "
        "msn.com neuf.fr numericable.fr orange.fr outlook.com outlook.fr proton.me protonmail.com "
        "sfr.fr voila.fr wanadoo.fr yahoo.com yahoo.fr ymail.com"
    ).split()
)

# Some FINESS extracts write the overseas département as 9A (Guadeloupe, 971), 9B (Martinique,
# 972), 9C (Guyane, 973), 9D (La Réunion, 974), 9E (Saint-Pierre-et-Miquelon, 975) or
# 9F (Mayotte, 976) in place of the 2-character prefix of the number. The key is computed on the
# official number, so the prefix is put back (97, or 98 for Mayotte) before the Luhn check.
_FINESS_OVERSEAS = {"9A": "97", "9B": "97", "9C": "97", "9D": "97", "9E": "97", "9F": "98"}


# Doubling a Luhn digit then adding the digits of the product (7 → 14 → 5), as one lookup.
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")
# La Poste's establishments share one SIREN; their SIRET (but the head office's) have no Luhn key:
# the sum of their digits is a multiple of 5 instead.
_LA_POSTE, _LA_POSTE_HEAD_OFFICE = "356000000", "35600000000048"


def luhn_ok(digits: str) -> bool:
    """Luhn key of a string of ASCII digits (matched by the caller): python-stdnum's
    ``luhn.is_valid`` without its cleaning and per-digit lookups, which dominate on every row
    (tests/unit/referentiels/test_ref_luhn.py checks both agree)."""
    backwards = digits[::-1]
    kept, doubled = backwards[0::2], backwards[1::2].translate(_LUHN_DOUBLED)
    return (sum(kept.encode()) + sum(doubled.encode()) - 48 * len(digits)) % 10 == 0


def siret_ok(digits: str) -> bool:
    """Key of 14 ASCII digits, as ``stdnum.fr.siret.is_valid``: Luhn or La Poste's rule, and the
    SIREN part's own Luhn key."""
    if digits.startswith(_LA_POSTE) and digits != _LA_POSTE_HEAD_OFFICE:
        keyed = (sum(digits.encode()) - 48 * len(digits)) % 5 == 0
    else:
        keyed = luhn_ok(digits)
    return keyed and luhn_ok(digits[:9])


def _fail(read: Checked[str], code: str, detail: str) -> Checked[str]:
    """An error makes the value unusable; the reading's own remarks (ZERO_RESTAURE) stay."""
    return Checked(None, (*read.issues, error(code, detail)))


def _read_number(raw: int | float, pad_to: int | None) -> Checked[str]:
    if (isinstance(raw, float) and not raw.is_integer()) or abs(raw) >= _EXCEL_MAX:
        detail = f"a été lu comme un nombre décimal ou trop grand (chiffres perdus) : {_AS_TEXT}."
        return _fail(Checked(None), "PRECISION_PERDUE", detail)
    digits = str(int(raw))
    if pad_to is None or raw < 0 or len(digits) >= pad_to:
        return Checked(digits)
    padded = digits.zfill(pad_to)
    detail = (
        f"a été lu comme un nombre : les zéros initiaux ont été restaurés (« {padded} »). "
        "Vérifiez le numéro ; pour éviter cette correction, formatez la colonne en Texte."
    )
    return Checked(padded, (warning("ZERO_RESTAURE", detail),))


def _read_code(
    raw: object, pad_to: int | None, separators: dict[int, int | None] = _SEPARATORS
) -> Checked[str]:
    """Compact text of a code, before any format check; pads numbers to `pad_to` digits."""
    if raw.__class__ is str and raw.isascii() and raw.isalnum():
        # Letters and digits only, the common case: nothing to strip, no separator, no exponent.
        return Checked(raw.upper())
    if raw is None:
        return Checked(None)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _read_number(raw, pad_to)
    text = str(raw).strip()
    if _SCIENTIFIC.fullmatch(text):
        detail = f"est en notation scientifique, des chiffres ont pu être perdus : {_AS_TEXT}."
        return _fail(Checked(None), "PRECISION_PERDUE", detail)
    return Checked(text.translate(separators).upper() or None)


def _digits_hint(value: str, expected: int) -> str:
    found = "chiffres" if value.isascii() and value.isdigit() else "caractères"
    return f"{expected} chiffres attendus, {len(value)} {found} trouvés"


def check_siren(raw: object) -> Checked[str]:
    read = _read_code(raw, 9)
    if read.value is None:
        return read
    if not _SIREN.fullmatch(read.value):
        detail = f"n'est pas un SIREN valide ({_digits_hint(read.value, 9)}) : {_SIREN_DIGITS}."
        return _fail(read, "SIREN_INVALIDE", detail)
    if not luhn_ok(read.value):
        detail = f"n'est pas un SIREN valide ({_BAD_KEY}) : {_SIREN_FIX}."
        return _fail(read, "SIREN_INVALIDE", detail)
    return read


def check_siret(raw: object) -> Checked[str]:
    """14 digits, Luhn (La Poste's rule for its establishments), SIREN part keyed too."""
    read = _read_code(raw, 14)
    if read.value is None:
        return read
    if not _SIRET.fullmatch(read.value):
        detail = f"n'est pas un SIRET valide ({_digits_hint(read.value, 14)}) : {_SIRET_FIX}."
        return _fail(read, "SIRET_INVALIDE", detail)
    if not siret_ok(read.value):
        detail = f"n'est pas un SIRET valide ({_BAD_KEY}) : {_SIRET_FIX}."
        return _fail(read, "SIRET_INVALIDE", detail)
    return read


def check_finess(raw: object) -> Checked[str]:
    """9 characters, Luhn key last; 9A–9F prefixes are translated (see _FINESS_OVERSEAS).

    The Luhn key is not defined on letters and FINESS documents no rule for 2A/2B: a Corsican
    number is checked with its letter read as 0 (the former code 20), and a failure is only a
    warning, so that a valid Corsican number is never blocked.
    """
    read = _read_code(raw, 9)
    if read.value is None:
        return read
    value = _FINESS_OVERSEAS.get(read.value[:2], read.value[:2]) + read.value[2:]
    if not _FINESS.fullmatch(value):
        detail = (
            "n'est pas un numéro FINESS valide (9 caractères : le département — 01 à 95, 2A, 2B, "
            f"97 ou 98 — puis 7 chiffres) : {_FINESS_FIX}."
        )
        return _fail(read, "FINESS_INVALIDE", detail)
    if value[:2] in ("2A", "2B"):
        if luhn_ok("20" + value[2:]):
            return Checked(value, read.issues)
        detail = (
            "est un numéro FINESS corse dont la clé de contrôle n'a pas pu être vérifiée : "
            "assurez-vous qu'il figure sur finess.esante.gouv.fr."
        )
        return Checked(value, (*read.issues, warning("FINESS_CORSE_NON_VERIFIE", detail)))
    if not luhn_ok(value):
        detail = f"n'est pas un numéro FINESS valide ({_BAD_KEY}) : {_FINESS_FIX}."
        return _fail(read, "FINESS_INVALIDE", detail)
    return Checked(value, read.issues)


def check_finess_list(raw: object) -> Checked[list[str]]:
    """Several FINESS in one cell, separated by `;`, `,` or line breaks; duplicates dropped."""
    if not isinstance(raw, str) or not _LIST_SEPARATORS.search(raw):
        single = check_finess(raw)
        return Checked(None if single.value is None else [single.value], single.issues)
    items = [item for item in (part.strip() for part in _LIST_SEPARATORS.split(raw)) if item]
    values: list[str] = []
    issues: list[Issue] = []
    for item in items:
        checked = check_finess(item)
        for i in checked.issues:
            # With several numbers in the cell, say which one is wrong.
            detail = f"contient « {item} », qui {i.detail}" if len(items) > 1 else i.detail
            issues.append(Issue(i.code, i.severite, detail))
        if checked.value is not None and checked.value not in values:
            values.append(checked.value)
    result: Checked[list[str]] = Checked(values or None, tuple(issues))
    return result if result.ok else Checked(None, result.issues)


def check_rna(raw: object) -> Checked[str]:
    read = _read_code(raw, None)
    if read.value is None or _RNA.fullmatch(read.value):
        return read
    detail = (
        "n'est pas un numéro RNA valide (la lettre W suivie de 9 chiffres, par exemple "
        "W751234567) : recopiez-le depuis le récépissé de l'association, ou videz la cellule."
    )
    return _fail(read, "RNA_INVALIDE", detail)


def check_code_postal(raw: object) -> Checked[str]:
    read = _read_code(raw, 5)
    if read.value is None or _CODE_POSTAL.fullmatch(read.value):
        return read
    detail = "n'est pas un code postal valide : saisissez 5 chiffres, par exemple 75011 ou 01000."
    return _fail(read, "CODE_POSTAL_INVALIDE", detail)


def check_code_commune(raw: object) -> Checked[str]:
    read = _read_code(raw, 5)
    if read.value is None or _CODE_COMMUNE.fullmatch(read.value):
        return read
    detail = (
        "n'est pas un code commune INSEE valide : saisissez 5 caractères (5 chiffres, ou 2A/2B "
        "puis 3 chiffres en Corse, par exemple 75056 ou 2A004) ; ce n'est pas le code postal."
    )
    return _fail(read, "CODE_COMMUNE_INVALIDE", detail)


def check_telephone(raw: object) -> Checked[str]:
    """A French number, normalised to « 0X XX XX XX XX »."""
    read = _read_code(raw, 10, _PHONE_SEPARATORS)
    if read.value is None:
        return read
    if _PHONE_NATIONAL.fullmatch(read.value):
        digits = read.value
    elif match := _PHONE_INTERNATIONAL.fullmatch(read.value):
        digits = "0" + match[1]
    else:
        detail = (
            "n'est pas un numéro de téléphone français valide : saisissez un seul numéro, "
            "10 chiffres commençant par 0 (01 23 45 67 89) ou au format +33 1 23 45 67 89."
        )
        return _fail(read, "TELEPHONE_INVALIDE", detail)
    return Checked(" ".join(digits[i : i + 2] for i in range(0, 10, 2)), read.issues)


def is_generic_mailbox(email: str) -> bool:
    """True for a role mailbox such as contact@, accueil@, siao75@, 115@."""
    local, at, _ = email.strip().rpartition("@")
    return bool(at) and _GENERIC.fullmatch(fold(local)) is not None


def is_personal_webmail(email: str) -> bool:
    """True for an address at a consumer webmail or internet provider (gmail.com, orange.fr…)."""
    _, at, domain = email.strip().rpartition("@")
    return bool(at) and domain.lower() in _PERSONAL_DOMAINS


def check_email(raw: object, *, nominative: bool) -> Checked[str]:
    """Syntax (domain lower-cased); with `nominative`, role and personal mailboxes are flagged."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return Checked(None)
    match = _EMAIL.fullmatch(text) if len(text) <= _EMAIL_MAX else None
    if match is None or len(match[1]) > _LOCAL_MAX:
        detail = (
            "n'est pas une adresse électronique valide : saisissez une seule adresse, de la "
            "forme prenom.nom@domaine.fr, sans espace ni accent."
        )
        return _fail(Checked(None), "COURRIEL_INVALIDE", detail)
    local, domain = match[1], match[2].lower()
    email = f"{local}@{domain}"
    if not nominative:
        return Checked(email)
    issues: list[Issue] = []
    # is_generic_mailbox and is_personal_webmail, on the parts already matched.
    if _GENERIC.fullmatch(fold(local)) is not None:
        detail = (
            "est une boîte générique (contact@, accueil@, siao@…) : indiquez l'adresse "
            "professionnelle nominative de la personne (prenom.nom@…)."
        )
        issues.append(warning("COURRIEL_GENERIQUE", detail))
    if domain in _PERSONAL_DOMAINS:
        detail = (
            "est une adresse de messagerie personnelle : indiquez l'adresse professionnelle "
            "de la personne, fournie par sa structure."
        )
        issues.append(warning("COURRIEL_PERSONNEL", detail))
    return Checked(email, tuple(issues))
