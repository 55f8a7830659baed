"""Every anomaly code the import can produce, produced by its real producer, and every message
in one shape (issue 9, item 13): « Feuille X, ligne N, colonne C : « valeur » … », or
« Le fichier … » for the file as a whole; never a Python repr; a « comment corriger » each."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import pytest

from service.config import get_settings
from service.imports.anomalies import Anomalie, locate, quote
from service.imports.columns import DISPOSITIFS, ENTITES
from service.imports.cross_rules import (
    DispositifKey,
    EntiteKey,
    KnownKeys,
    LiveDispositif,
    dispositif_rules,
    entite_rules,
    probable_duplicates,
)
from service.imports.how_to_fix import TEMPS2_FIXES
from service.imports.normalise import normalise_row
from service.imports.plan import StagedRow, plan_departement
from service.imports.report import HOW_TO_FIX
from service.imports.rules import RuleContext, check_dispositif_row
from service.imports.sources import open_source
from service.referentiels.suggestions import KnownValues
from tests.support.workbooks import (
    BILLION_LAUGHS,
    csv_bytes,
    ole2_bytes,
    raw_xlsx,
    rewrite_zip,
    rows_xml,
    sheet_xml,
    xlsx_bytes,
)

ENTITES_HEADER = ["SIREN", "Raison sociale", "Département du siège"]
DISPOSITIFS_HEADER = ["SIREN de l'entité", "Nom du dispositif", "Type de dispositif", "Département"]
GOOD_ENTITE = ["552081317", "Régie", "75"]
# Codes that are not anomalies of a file (job messages).
NOT_ANOMALIES = {"PLAN_PERIME"}
# What a Python repr leaves in a text: ['x'], ('x',), {'x': …}, None, datetime.date(…).
REPR = re.compile(r"\[['\"]|\(['\"]|\{['\"]|\bNone\b|datetime\.|\bTrue\b|\bFalse\b")


def from_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[Anomalie]:
    """File-level and structure anomalies, through the real upload → scan → reader chain."""
    good = xlsx_bytes(
        {"Entités": [ENTITES_HEADER, GOOD_ENTITE], "Dispositifs": [DISPOSITIFS_HEADER]}
    )
    files = [
        ("coupe.xlsx", good[: len(good) // 2]),  # FICHIER_ILLISIBLE
        ("ancien.xls", ole2_bytes(["Workbook"])),  # FORMAT_NON_PRIS_EN_CHARGE
        ("secret.xlsx", ole2_bytes(["EncryptionInfo", "EncryptedPackage"])),  # FICHIER_PROTEGE
        ("vide.csv", b""),  # FICHIER_VIDE
        ("inconnu.csv", csv_bytes([["Nom", "Prénom"], ["a", "b"]])),  # FEUILLE_MANQUANTE
        ("bombe.xlsx", raw_xlsx({"Entités": sheet_xml("", prolog=BILLION_LAUGHS)})),
        ("macros.xlsm", raw_xlsx({"Entités": sheet_xml(rows_xml([ENTITES_HEADER]))}, macros=True)),
        (
            "ancien-modele.xlsx",
            xlsx_bytes({"Entités": [ENTITES_HEADER], "Lisez-moi": [["offre-temps1-v0"]]}),
        ),
        (
            "structure.xlsx",
            xlsx_bytes(
                {
                    "Entités": [[*ENTITES_HEADER, "N° SIREN", "Remarques"]],
                    "Feuil1": [["SIREN de l'entité", "Nom du dispostif", "Type"]],
                }
            ),
        ),
        (
            "formules.xlsx",
            raw_xlsx(
                {
                    "Entités": sheet_xml(
                        rows_xml([ENTITES_HEADER])
                        + '<row r="2"><c r="A2"><f>B2*2</f></c><c r="B2" t="e"><v>#REF!</v></c>'
                        '<c r="C2"><v>75</v></c></row>'
                    ),
                    "Dispositifs": sheet_xml(rows_xml([DISPOSITIFS_HEADER])),
                }
            ),
        ),
        (
            "dispositifs-sans-nom.xlsx",
            xlsx_bytes(
                {
                    "Entités": [ENTITES_HEADER],
                    "Dispositifs": [
                        ["SIREN de l'entité", "Nom du dispostif", "Type", "Département"]
                    ],
                }
            ),
        ),
    ]
    for name, data in files:
        opened = open_source(name, data)
        yield from opened.anomalies
        for key in list(opened.formula_issues):
            yield from opened.cell_issues(*key)
    chart = raw_xlsx({"Entités": sheet_xml(rows_xml([ENTITES_HEADER]))})
    workbook = zipfile.ZipFile(io.BytesIO(chart)).read("xl/workbook.xml").decode()
    extra = '<sheet name="Graphique" sheetId="9" r:id="rId9"/></sheets>'
    chart = rewrite_zip(chart, replace={"xl/workbook.xml": workbook.replace("</sheets>", extra)})
    yield from open_source("graphique.xlsx", chart).anomalies  # FEUILLE_IGNOREE
    monkeypatch.setattr(get_settings(), "max_upload_bytes", 10)
    yield from open_source("gros.csv", csv_bytes([ENTITES_HEADER, GOOD_ENTITE])).anomalies
    monkeypatch.undo()
    monkeypatch.setattr(get_settings(), "max_rows_per_file", 1)
    rows = [ENTITES_HEADER, GOOD_ENTITE, GOOD_ENTITE]
    yield from open_source("lignes.xlsx", xlsx_bytes({"Entités": rows})).anomalies
    yield from open_source("lignes.csv", csv_bytes(rows)).anomalies
    monkeypatch.undo()


CELLS: list[tuple[str, dict[str, object]]] = [
    ("Entités", {"siren": "", "raison_sociale": "x", "departement_siege": "75"}),
    ("Entités", {"siren": "55208131", "raison_sociale": "x", "departement_siege": "75"}),
    ("Entités", {"siren": "552081318", "raison_sociale": "x", "departement_siege": "20"}),
    ("Entités", {"siren": 55208131, "raison_sociale": "x\x00y", "departement_siege": 75.0}),
    ("Entités", {"siren": "5.52081317E+08", "rna": "W12", "code_postal": "7500"}),
    ("Entités", {"siren": "552081317", "code_commune": "ABCDE", "telephone": "12"}),
    ("Entités", {"siren": "552081317", "courriel": "a b@c", "forme_juridique": "SARL"}),
    ("Entités", {"siren": "552081317", "finess_ej": "750000011", "sigle": "x" * 60}),
    ("Entités", {"siren": "552081317", "finess_ej": "2A0000017", "code_postal": 1000}),
    ("Dispositifs", {"siren": "552081317", "nom": "N", "type_code": "Château"}),
    ("Dispositifs", {"siret": "55208131700014", "finess_et": "750000010; 750000011"}),
    ("Dispositifs", {"capacite_financee": -1, "date_ouverture": "32/13/2020"}),
    ("Dispositifs", {"capacite_financee": 1.5, "date_ouverture": 43831}),
    ("Dispositifs", {"financeurs": "BOP 177; Mécène", "publics": "Martiens"}),
    ("Dispositifs", {"identifiant": "DSP-75-12", "structures_historiques": "12; ab"}),
    ("Dispositifs", {"courriel_responsable": "contact@asso.fr"}),
    ("Dispositifs", {"courriel_responsable": "jean.dupont@gmail.com"}),
    ("Dispositifs", {"courriel_responsable": "jean.dupont@asso,fr"}),
    ("Dispositifs", {"date_fermeture": True, "nom": 12.5}),
]
KNOWN = KnownValues(sirens={"552081317"}, emails={"jean.dupont@asso.fr"})


def from_cells() -> Iterator[Anomalie]:
    for sheet_name, cells in CELLS:
        sheet = ENTITES if sheet_name == ENTITES.name else DISPOSITIFS
        yield from normalise_row(sheet, 7, cells, KNOWN).anomalies


def from_rules() -> Iterator[Anomalie]:
    cells = {
        "siren": "732829320",
        "nom": "Accueil",
        "type_code": "DNA",
        "departement": "69",
        "capacite_financee": 10,
        "date_ouverture": "2024-05-01",
        "date_fermeture": "2024-04-30",
        "siret": "55208131766522",
        "identifiant": "DSP-92-000001",
    }
    row = normalise_row(DISPOSITIFS, 9, cells)
    yield from check_dispositif_row(row, RuleContext(frozenset({"75"}), state_profile=False))


def from_cross_rules() -> Iterator[Anomalie]:
    entites = [EntiteKey(2, "732829320", True), EntiteKey(3, "552081317", False)]
    entites.append(EntiteKey(4, "552081317", False))

    def key(ligne: int, **kw: object) -> DispositifKey:
        values: dict[str, object] = {
            "identifiant": None,
            "siren": "552081317",
            "departement": "75",
            "type_code": "HEB_CHRS",
            "nom": "CHRS Les Lilas",
            "has_error": False,
        }
        values.update(kw)
        return DispositifKey(ligne, **values)  # type: ignore[arg-type]

    dispositifs = [
        key(2),
        key(3, nom="chrs les lilas"),
        key(4, siren="732829320"),
        key(5, siren="100000009"),
        key(6, identifiant="DSP-75-000099"),
        key(7, nom="CHRS Les Roses Paris"),
    ]
    known = KnownKeys(sirens=frozenset({"100000090"}), identifiants={})
    yield from entite_rules(entites)
    yield from dispositif_rules(dispositifs, entites, known, frozenset({"75"}))
    live = [LiveDispositif("DSP-75-000001", "552081317", "75", "HEB_CHRS", "CHRS Les Roses")]
    yield from probable_duplicates(dispositifs, live)


def from_plan() -> Iterator[Anomalie]:
    staged = [
        StagedRow(2, {"siren": "552081317", "nom": "A", "type_code": "HEB_CHRS",
                      "departement": "75", "financeurs": ["BOP 177", "CAF"]}),
        StagedRow(3, {"siren": "552081317", "nom": "B", "type_code": "HEB_CHRS",
                      "departement": "75", "capacite_financee": 12}),
    ]  # fmt: skip
    plan = plan_departement("75", staged, [], mirror=False, state_profile=False, today="2026-01-01")
    yield from plan.anomalies
    # Temps 1 next to Temps 2 and 3: closing a dispositif that holds groupes, or a target.
    live = [
        {"id": n, "identifiant": f"DSP-75-00000{n}", "siren": "552081317", "nom": f"CHRS {n}",
         "type_code": "HEB_CHRS", "departement": "75"}
        for n in (1, 2)
    ]  # fmt: skip
    closing = [
        StagedRow(n + 1, {**row, "date_fermeture": "2026-12-31"}) for n, row in enumerate(live, 1)
    ]
    plan = plan_departement(
        "75", closing, live, mirror=False, state_profile=True, today="2026-01-01",
        occupied={"DSP-75-000001": 3}, targets={"DSP-75-000002": 2},
    )  # fmt: skip
    yield from plan.anomalies


@pytest.fixture(scope="module")
def produced() -> list[Anomalie]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        found = list(from_files(monkeypatch))
    return [*found, *from_cells(), *from_rules(), *from_cross_rules(), *from_plan()]


def test_every_code_is_produced_and_has_a_fix(produced: list[Anomalie]) -> None:
    codes = {a.code for a in produced}
    temps1 = set(HOW_TO_FIX) - NOT_ANOMALIES - set(TEMPS2_FIXES)
    assert codes == temps1, (
        f"jamais produits : {sorted(temps1 - codes)} ; "
        f"sans « comment corriger » : {sorted(codes - set(HOW_TO_FIX))}"
    )


def test_every_message_has_the_one_shape(produced: list[Anomalie]) -> None:
    for a in produced:
        message = a.message
        assert not REPR.search(message), message
        assert message.endswith((".", "?")), message
        assert "  " not in message and not re.search(r"\s\.(\s|$)", message), message
        if not a.feuille:  # the file as a whole
            assert a.ligne == 0 and message.startswith("Le fichier "), message
            continue
        assert message.startswith(f"{locate(a.feuille, a.ligne, '')} : ") or message.startswith(
            f"{locate(a.feuille, a.ligne, '')}, colonne "
        ), message
        if a.ligne >= 2 and a.colonne:  # a cell: its column, then its value first
            where = f"{locate(a.feuille, a.ligne, a.colonne)} : "
            assert message.startswith(where), message
            if a.valeur:
                assert message.startswith(where + quote(a.valeur) + " "), message
        elif a.valeur:  # a header: its column letter, then the header as spelled
            assert re.match(rf"{re.escape(locate(a.feuille, 1, ''))}, colonne [A-Z]+ : ", message)
            assert quote(a.valeur) in message, message


def test_values_are_shown_as_the_user_typed_them(produced: list[Anomalie]) -> None:
    by_code = {(a.code, a.valeur) for a in produced}
    assert ("CHAMP_RESERVE_ETAT", "BOP 177 ; CAF") in by_code  # a list, not ['BOP 177', 'CAF']
    assert ("DATES_INCOHERENTES", "30/04/2024") in by_code  # a date as typed, not ISO
    assert ("DATE_INVALIDE", "VRAI") in by_code  # a boolean cell as Excel shows it
    assert ("TEXTE_TROP_LONG", "x" * 60) in by_code
    siren = next(a for a in produced if a.code == "SIREN_INVALIDE" and a.valeur == "552081318")
    assert "(clé de contrôle incorrecte)" in siren.message and "attendus" not in siren.message
