"""Temps 2 matching end to end: legacy generator → noisy Temps 1 workbook imported by the real
API and worker → proposals, compared with the ground truth and with a trivial baseline."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from service.bascule.comptes import propose_comptes
from service.bascule.groupes import propose_groupes, rattachements
from service.bascule.loading import load_comptes, load_departement
from service.bascule.model import Confiance, DepartementOffre, PropositionGroupe
from service.imports.template import build_template
from service.legacy.generator import generate
from service.legacy.noisy_temps1 import DispositifKey, noisy_from_legacy
from service.referentiels.text import normalise_name

DEPARTEMENTS = ["75", "93"]
SIAO_TABLES = ("entite", "structure", "groupe_places", "utilisateur", "utilisateur_profil")


def wait_until_final(client: TestClient, headers: dict[str, str], job_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["statut"] in ("valide", "invalide", "termine", "echec", "annule"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.2)


def siao_digests(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {
            t: conn.execute(
                text(f"SELECT count(*) || md5(coalesce(string_agg(x::text, ',' "
                     f"ORDER BY x::text), '')) FROM siao.{t} x")
            ).scalar_one()
            for t in SIAO_TABLES
        }  # fmt: skip


def baseline(offre: DepartementOffre) -> dict[int, str | None]:
    """A trivial rule: the only dispositif whose normalised name equals the structure's."""
    by_name: dict[str, list[str]] = {}
    for d in offre.dispositifs:
        by_name.setdefault(normalise_name(d.nom), []).append(d.identifiant)
    names = {s.id: normalise_name(s.nom) for s in offre.structures}
    result: dict[int, str | None] = {}
    for g in offre.groupes:
        found = by_name.get(names[g.structure_id], [])
        result[g.id] = found[0] if len(found) == 1 else None
    return result


@pytest.mark.usefixtures("celery_worker")
def test_generated_data_noisy_workbook_and_matching(
    engine: Engine,
    api_client: TestClient,
    user_headers,  # type: ignore[no-untyped-def]
) -> None:
    with engine.begin() as conn:
        generate(conn, DEPARTEMENTS, size=60, seed=11)
        noisy = noisy_from_legacy(conn, DEPARTEMENTS, graine=11)
    admin = user_headers("equipe.projet@offre-siao.gouv.fr", "ADMIN_NATIONAL")
    response = api_client.post(
        "/api/v1/imports",
        headers=admin,
        files={"fichier": ("temps1.xlsx", build_template(noisy.prefill))},
        data={"application": "automatique"},
    )
    assert response.status_code == 202, response.text
    job = wait_until_final(api_client, admin, response.json()["id"])
    assert job["statut"] == "termine", api_client.get(
        f"/api/v1/jobs/{job['id']}/anomalies", headers=admin, params={"severite": "erreur"}
    ).json()
    assert job["creations"] == len(noisy.prefill.dispositifs) + len(noisy.prefill.entites)

    with engine.connect() as conn:
        identifiants = {
            DispositifKey(*row[:4]): row[4]
            for row in conn.execute(
                text("SELECT e.siren, d.departement, d.type_code, d.nom_normalise, "
                     "d.identifiant FROM offre.dispositif d JOIN offre.entite e "
                     "ON e.id = d.entite_id")
            )
        }  # fmt: skip
    truth = {
        g: identifiants[v.dispositif] if v.dispositif else None for g, v in noisy.verite.items()
    }
    before = siao_digests(engine)
    proposals: list[PropositionGroupe] = []
    offres: list[DepartementOffre] = []
    with engine.connect() as conn:
        for code in DEPARTEMENTS:
            offres.append(load_departement(conn, code))
            proposals += propose_groupes(offres[-1])
    assert {p.groupe_id for p in proposals} == set(truth)

    first = sum(bool(p.candidats) and p.candidats[0].identifiant == truth[p.groupe_id]
                for p in proposals if truth[p.groupe_id])  # fmt: skip
    expected = sum(1 for v in truth.values() if v)
    trivial = {g: d for o in offres for g, d in baseline(o).items()}
    trivial_right = sum(trivial[g] == d for g, d in truth.items() if d)
    assert first / expected >= 0.85
    assert first > trivial_right + 0.1 * expected
    haute = [p for p in proposals if p.confiance is Confiance.HAUTE]
    assert len(haute) >= expected / 2
    assert sum(p.dispositif == truth[p.groupe_id] for p in haute) >= 0.95 * len(haute)
    for p in proposals:
        if noisy.verite[p.groupe_id].raison == "dna":
            assert p.confiance is Confiance.AUCUNE and p.alertes[0].code == "PLACES_DNA"

    attached = rattachements(proposals, [d for o in offres for d in o.dispositifs])
    alertes: set[str] = set()
    profils: dict[str, set[tuple[str, ...]]] = {}
    with engine.connect() as conn:
        for code in DEPARTEMENTS:
            comptes, contexte = load_comptes(conn, code, attached)
            for p in propose_comptes(comptes, contexte):
                alertes.update(p.codes_alertes)
                profils.setdefault(p.profil or "", set()).add(p.departements)
    assert {"CONFLIT_PROFILS", "COURRIEL_PARTAGE", "COURRIEL_GENERIQUE", "COURRIEL_PERSONNEL",
            "COURRIEL_DEJA_UTILISE"} <= alertes  # fmt: skip
    assert profils["ADMIN_NATIONAL"] == {()}
    assert ("75", "93") in profils["ADMIN_DEPARTEMENTAL"]  # the DRIHL agent
    assert siao_digests(engine) == before  # Temps 2 reads the legacy tables, never writes
