"""Téléphone and courriel checks, and the mailbox classifiers Temps 2 relies on."""

from __future__ import annotations

from typing import Any

import pytest

from service.referentiels.checks import Checked, Severite
from service.referentiels.identifiers import (
    check_email,
    check_telephone,
    is_generic_mailbox,
    is_personal_webmail,
)


def codes(checked: Checked[Any]) -> list[str]:
    return [i.code for i in checked.issues]


# --- téléphone -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01 23 45 67 89", "01 23 45 67 89"),
        ("0123456789", "01 23 45 67 89"),
        ("01.23.45.67.89", "01 23 45 67 89"),
        ("01-23-45-67-89", "01 23 45 67 89"),
        ("01/23/45/67/89", "01 23 45 67 89"),
        ("01\u00a023\u202f45 67 89", "01 23 45 67 89"),
        ("+33 1 23 45 67 89", "01 23 45 67 89"),
        ("+33123456789", "01 23 45 67 89"),
        ("0033 1 23 45 67 89", "01 23 45 67 89"),
        ("+33 (0)6 12 34 56 78", "06 12 34 56 78"),
        ("+33 0 6 12 34 56 78", "06 12 34 56 78"),
        ("09 70 00 00 00", "09 70 00 00 00"),
        ("+262 262 12 34 56", "02 62 12 34 56"),
        ("+262 692 12 34 56", "06 92 12 34 56"),
        ("00262 639 12 34 56", "06 39 12 34 56"),
        ("+269 269 61 23 45", "02 69 61 23 45"),
        ("+590 590 12 34 56", "05 90 12 34 56"),
        ("+594 594 12 34 56", "05 94 12 34 56"),
        ("+596 596 12 34 56", "05 96 12 34 56"),
        (33612345678, "06 12 34 56 78"),
        (33612345678.0, "06 12 34 56 78"),
    ],
)
def test_valid_telephone(raw: object, expected: str) -> None:
    assert check_telephone(raw) == Checked(expected)


@pytest.mark.parametrize("raw", [612345678, 612345678.0, 123456789])
def test_telephone_read_as_a_number_gets_its_zero_back(raw: object) -> None:
    checked = check_telephone(raw)
    assert checked.value is not None and checked.value.startswith("0")
    assert codes(checked) == ["ZERO_RESTAURE"]


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "00 12 34 56 78",
        "01 23 45 67 8",
        "01 23 45 67 890",
        "+44 20 7946 0958",
        "+1 212 555 0100",
        "+269 773 12 34",
        "01 23 45 67 89 / 06 12 34 56 78",
        "tel: 0123456789",
        "٠١٢٣٤٥٦٧٨٩",
        True,
        -123456789,
    ],
)
def test_invalid_telephone(raw: object) -> None:
    checked = check_telephone(raw)
    assert codes(checked) == ["TELEPHONE_INVALIDE"]
    assert checked.value is None
    assert "+33" in checked.issues[0].detail


def test_telephone_empty_and_precision() -> None:
    assert check_telephone(None) == Checked(None)
    assert check_telephone("  ") == Checked(None)
    assert codes(check_telephone("6.12345678E+08")) == ["PRECISION_PERDUE"]
    assert codes(check_telephone(612345678.5)) == ["PRECISION_PERDUE"]


# --- courriel --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("jean.dupont@asso.fr", "jean.dupont@asso.fr"),
        ("  Jean.Dupont@Asso-Paris.FR ", "Jean.Dupont@asso-paris.fr"),
        ("j.o'neil+siao@sub.domaine.gouv.fr", "j.o'neil+siao@sub.domaine.gouv.fr"),
        ("contact@asso.fr", "contact@asso.fr"),
        ("prenom.nom@gmail.com", "prenom.nom@gmail.com"),
        ("a@b.co", "a@b.co"),
        ("x@xn--bcher-kva.fr", "x@xn--bcher-kva.fr"),
    ],
)
def test_valid_email_not_nominative(raw: str, expected: str) -> None:
    assert check_email(raw, nominative=False) == Checked(expected)


@pytest.mark.parametrize(
    "raw",
    [
        "jean.dupont",
        "jean dupont@asso.fr",
        "jean@asso",
        "jean@@asso.fr",
        "jean@asso..fr",
        ".jean@asso.fr",
        "jean.@asso.fr",
        "jean..dupont@asso.fr",
        "jean@-asso.fr",
        "jean@asso.f",
        "jean@asso.fr; marie@asso.fr",
        "jean@asso.fr, marie@asso.fr",
        "jérôme@asso.fr",
        "jean@assô.fr",
        "jean@asso.fr\nmarie@asso.fr",
        "a" * 65 + "@asso.fr",
        "a@" + "b" * 250 + ".fr",
        "mailto:jean@asso.fr",
        12,
        True,
    ],
)
def test_invalid_email(raw: object) -> None:
    checked = check_email(raw, nominative=False)
    assert codes(checked) == ["COURRIEL_INVALIDE"]
    assert checked.value is None
    assert "prenom.nom@domaine.fr" in checked.issues[0].detail


def test_email_empty() -> None:
    assert check_email(None, nominative=True) == Checked(None)
    assert check_email(" ", nominative=True) == Checked(None)


@pytest.mark.parametrize(
    "email",
    [
        "contact@asso.fr",
        "Contact@asso.fr",
        "accueil@ccas-lyon.fr",
        "secretariat@asso.fr",
        "siao@siao75.fr",
        "siao75@samusocial.fr",
        "115@asso.fr",
        "11575@asso.fr",
        "info@asso.fr",
        "infos@asso.fr",
        "direction@asso.fr",
        "direction.generale@asso.fr",
        "admin@asso.fr",
        "standard@asso.fr",
        "noreply@asso.fr",
        "no-reply@asso.fr",
        "contact.paris@asso.fr",
        "accueil-jour@asso.fr",
        "siao_93@asso.fr",
    ],
)
def test_generic_mailboxes(email: str) -> None:
    assert is_generic_mailbox(email)
    checked = check_email(email, nominative=True)
    assert codes(checked) == ["COURRIEL_GENERIQUE"]
    assert checked.ok
    assert checked.issues[0].severite is Severite.AVERTISSEMENT


@pytest.mark.parametrize(
    "email",
    [
        "jean.dupont@asso.fr",
        "contacteur@asso.fr",
        "infirmiere.durand@asso.fr",
        "jean.contact@asso.fr",
        "siaoui@asso.fr",
        "m.accueil@asso.fr",
        "not-an-email",
        "",
    ],
)
def test_nominative_mailboxes(email: str) -> None:
    assert not is_generic_mailbox(email)


@pytest.mark.parametrize(
    "email",
    [
        "jean.dupont@gmail.com",
        "jean.dupont@GMAIL.COM",
        "jean@yahoo.fr",
        "jean@yahoo.com",
        "jean@hotmail.fr",
        "jean@hotmail.com",
        "jean@outlook.fr",
        "jean@outlook.com",
        "jean@live.fr",
        "jean@orange.fr",
        "jean@wanadoo.fr",
        "jean@free.fr",
        "jean@sfr.fr",
        "jean@laposte.net",
        "jean@icloud.com",
        "jean@aol.com",
        "jean@gmx.fr",
        "jean@protonmail.com",
        "jean@proton.me",
    ],
)
def test_personal_webmail(email: str) -> None:
    assert is_personal_webmail(email)
    checked = check_email(email, nominative=True)
    assert codes(checked) == ["COURRIEL_PERSONNEL"]
    assert checked.ok


@pytest.mark.parametrize(
    "email", ["jean@asso.fr", "jean@laposte.fr", "jean@gmail.com.example.org", "gmail.com", ""]
)
def test_professional_domains(email: str) -> None:
    assert not is_personal_webmail(email)


def test_generic_and_personal_together() -> None:
    checked = check_email("contact.asso@gmail.com", nominative=True)
    assert codes(checked) == ["COURRIEL_GENERIQUE", "COURRIEL_PERSONNEL"]
    assert checked.value == "contact.asso@gmail.com"


def test_not_nominative_accepts_functional_mailboxes_silently() -> None:
    assert check_email("contact@gmail.com", nominative=False) == Checked("contact@gmail.com")
