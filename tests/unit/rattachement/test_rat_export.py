"""Workbook 2 as exported (IMPORT-FORMAT.md « Workbook 2 »): sheets and headers, read-only
columns grey and locked, drop-downs, the hidden marker; read back, it changes nothing."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

from openpyxl import load_workbook

from service.auth.permissions import Identity
from service.rattachement.columns import DISPOSITIFS, GROUPES, UTILISATEURS
from service.rattachement.context import CompteDecision, GroupeDecision
from service.rattachement.export import READ_ONLY_FILL, build_workbook2
from service.rattachement.plan import plan_comptes, plan_groupes
from service.rattachement.rules_comptes import compte_rules
from service.rattachement.rules_groupes import groupe_rules
from service.rattachement.source import open_workbook2, parse_marker
from tests.support.bascule import contexte

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SPEC_GROUPES = [
    "Identifiant groupe",
    "Structure actuelle",
    "Type de structure actuel",
    "Libellé",
    "Type de place",
    "Public",
    "Nombre de places",
    "Places occupées",
    "Commune",
    "Dispositif proposé",
    "Confiance",
    "Motif de la proposition",
    "Dispositif cible",
    "Décision",
    "Commentaire",
]
SPEC_UTILISATEURS = [
    "Identifiant utilisateur",
    "Nom",
    "Prénom",
    "Courriel",
    "Profils actuels",
    "Structure actuelle",
    "Profil proposé",
    "Alertes",
    "Nouveau profil",
    "Départements",
    "SIREN de l'entité",
    "Dispositifs",
    "Nouveau courriel",
    "Décision",
]


def exported(**kw):  # type: ignore[no-untyped-def]
    return build_workbook2(contexte(**kw), WHEN)


def rows(ws) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_sheets_headers_and_marker() -> None:
    wb = load_workbook(io.BytesIO(exported()))
    assert wb.sheetnames == ["Lisez-moi", GROUPES.name, UTILISATEURS.name, DISPOSITIFS.name]
    assert [c.value for c in wb[GROUPES.name][1]] == SPEC_GROUPES
    assert [c.value for c in wb[UTILISATEURS.name][1]] == SPEC_UTILISATEURS
    readme = wb["Lisez-moi"]
    assert readme["Z1"].value == "offre-temps2-v1;93;2026-03-02T09:30:00+00:00"
    assert readme.column_dimensions["Z"].hidden
    marker = parse_marker({"Z1": readme["Z1"].value})
    assert marker is not None and (marker.departement, marker.exporte_le) == ("93", WHEN)


def test_read_only_columns_are_grey_and_locked_the_others_open() -> None:
    ws = load_workbook(io.BytesIO(exported()))[GROUPES.name]
    assert ws.protection.sheet
    for cell in ws[2]:
        header = ws.cell(row=1, column=cell.column).value
        editable = header in ("Dispositif cible", "Décision", "Commentaire")
        assert cell.protection.locked is not editable, header
        assert (cell.fill.fgColor.rgb == READ_ONLY_FILL.fgColor.rgb) is not editable, header


def test_drop_downs_and_the_dispositifs_to_choose_from() -> None:
    wb = load_workbook(io.BytesIO(exported()))
    choices = rows(wb[DISPOSITIFS.name])
    # Open dispositifs whose type takes places: not the Maraude, not the closed CHRS.
    assert [c["Identifiant"] for c in choices] == ["DSP-93-000001", "DSP-93-000004"]
    assert choices[0]["Dispositif"] == "DSP-93-000001 — CHRS Le Relais (CHRS)"
    assert choices[1]["Entité"] == "Autre association"
    lists = {str(v.sqref): v.formula1 for v in wb[GROUPES.name].data_validations.dataValidation}
    assert lists == {"N2:N3": '"Rattacher,Exclure"', "M2:M3": "Dispositifs!$A$2:$A$3"}
    lists = {
        str(v.sqref): v.formula1 for v in wb[UTILISATEURS.name].data_validations.dataValidation
    }
    assert lists["N2:N4"] == '"Migrer,Lier au compte existant,Désactiver"'
    assert lists["I2:I4"].startswith('"Administrateur national,')


def test_prefilled_with_the_proposals_then_with_the_decisions() -> None:
    wb = load_workbook(io.BytesIO(exported()))
    groupe = rows(wb[GROUPES.name])[0]
    assert groupe["Identifiant groupe"] == 10
    assert groupe["Dispositif proposé"] == groupe["Dispositif cible"]
    assert str(groupe["Dispositif cible"]).startswith("DSP-93-000001 — ")
    assert (groupe["Confiance"], groupe["Décision"]) == ("haute", None)
    assert "structure déclarée dans le dispositif" in str(groupe["Motif de la proposition"])
    compte = rows(wb[UTILISATEURS.name])[0]
    assert (compte["Nouveau profil"], compte["Départements"], compte["Décision"]) == (
        "Écoutant 115",
        "93",
        None,
    )
    decided = exported(
        decisions_groupes={10: GroupeDecision("rattacher", "DSP-93-000004", "scindé")},
        decisions_comptes={100: CompteDecision("desactiver")},
    )
    wb = load_workbook(io.BytesIO(decided))
    groupe = rows(wb[GROUPES.name])[0]
    assert (groupe["Décision"], groupe["Commentaire"]) == ("Rattacher", "scindé")
    assert str(groupe["Dispositif cible"]).startswith("DSP-93-000004 — CHRS Autre")
    assert rows(wb[UTILISATEURS.name])[0]["Décision"] == "Désactiver"


def test_read_back_unchanged_it_changes_nothing() -> None:
    ctx = replace(
        contexte(),
        decisions_groupes={11: GroupeDecision("exclure")},
        decisions_comptes={101: CompteDecision("migrer", "ADMIN_SIAO", ("93",))},
    )
    workbook = open_workbook2("rattachement.xlsx", build_workbook2(ctx, WHEN))
    assert workbook.anomalies == []
    assert workbook.marker is not None and workbook.marker.departement == "93"
    national = Identity(1, "equipe@offre.gouv.fr", "ADMIN_NATIONAL")
    groupes, comptes = [], []
    for batch in workbook.opened.batches(100):
        for raw in batch:
            if raw.sheet == GROUPES.name:
                groupes.append(groupe_rules(raw.line, raw.cells, ctx))
            else:
                comptes.append(compte_rules(raw.line, raw.cells, ctx, national))
    assert [p for x in groupes + comptes for p in x.problemes] == []
    assert plan_groupes(groupes, ctx).changes == []
    assert plan_comptes(comptes, ctx).changes == []
    assert (len(groupes), len(comptes)) == (2, 3)
