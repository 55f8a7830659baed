"""Every route of the API × the 10 profiles × in/out of scope (ARCHITECTURE.md §5).

401 without a valid token, 403 for an action the profile does not hold, 404 for a resource out of
the caller's reach (a job of another département, the offre of another département), 2xx where
allowed. The routes are enumerated from ``create_app()``: a new route without a rule in ``ROUTES``
makes the matrix fail.

The expectations are written out by hand from DOMAIN.md §4 in ``CALLERS`` (what each caller may
do with the shared job and the offre of 75), never computed with ``service.auth``.

The resources are set up once for the module (accounts, an entité, one applied import job of 75
submitted by an ADMIN_DEPARTEMENTAL of 75); a case that changes a job (confirm, cancel, revert)
and is expected to succeed works on a fresh job of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.support.samples import luhn_siren
from tests.support.workbooks import xlsx_bytes

API = "/api/v1"
SIREN = "732829320"  # the entité of the shared import, with its dispositifs in 75
ENTITE_SIREN = "130000003"  # the entité of the entité-scoped accounts (inserted with SQL)
DISPOSITIFS_75 = 2

ENTITES = ["SIREN", "Raison sociale", "Forme juridique", "Département du siège"]
DISPOSITIFS = [
    "Identifiant",
    "SIREN de l'entité",
    "Nom du dispositif",
    "Type de dispositif",
    "Département",
    "Capacité financée",
    "Date d'ouverture",
]
ENTITE_ROW = [SIREN, "Association Aurore", "Association loi 1901", "75"]
DISPOSITIF_ROWS: list[list[object]] = [
    [None, SIREN, "CHRS Les Lilas", "CHRS", "75", 40, "01/02/2020"],
    [None, SIREN, "Maraude de nuit", "Maraude", "75", None, None],
]
FINAL = ("valide", "invalide", "termine", "echec", "annule")


def workbook(dispositifs: list[list[object]] = DISPOSITIF_ROWS) -> bytes:
    return xlsx_bytes(
        {"Entités": [ENTITES, ENTITE_ROW], "Dispositifs": [DISPOSITIFS, *dispositifs]}
    )


# -- who calls -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """A caller and, by hand from DOMAIN.md §4, what it may do here.

    The shared job is an import of 75 submitted by ``soumetteur`` (ADMIN_DEPARTEMENTAL of 75).
    """

    nom: str
    profil: str | None = None  # None: no account behind the token
    departements: tuple[str, ...] = ()
    jeton: str = "compte"  # compte | aucun | invalide | inconnu
    importe: bool = False  # may submit a Temps 1 import
    lit_job: bool = False  # may read the shared job (and its anomalies, plan, events)
    agit_job: bool = False  # may confirm, cancel or revert it
    lit_offre: bool = False  # holds a right to read the offre at all
    lit_75: bool = False  # may read the offre of 75
    importe_75: bool = False  # may import (and so export) the offre of 75
    rattache: bool = False  # holds the Temps 2 right (rattachement) for some département
    rattache_75: bool = False  # may do the Temps 2 of 75
    acquitte: bool = False  # may acknowledge the alerts of legacy accounts (national team)
    bascule: bool = False  # may see the preparation and launch waves (Temps 3, national team)

    @property
    def courriel(self) -> str:
        return f"{self.nom.replace('_', '.')}@exemple.gouv.fr"


DRIHL = ("75", "92", "93", "94")


def full(nom: str, profil: str, departements: tuple[str, ...] = ()) -> Caller:
    """A caller who may do everything here with the shared job and the offre of 75."""
    return Caller(nom, profil, departements, "compte", True, True, True, True, True, True)


def temps2(caller: Caller, in_75: bool) -> Caller:
    """A caller holding the Temps 2 right, for 75 or elsewhere."""
    return replace(caller, rattache=True, rattache_75=in_75)


CALLERS = [
    Caller("anonyme", jeton="aucun"),
    Caller("jeton_invalide", jeton="invalide"),
    Caller("compte_inconnu", jeton="inconnu"),
    full("soumetteur", "ADMIN_DEPARTEMENTAL", ("75",)),
    replace(temps2(full("admin_national", "ADMIN_NATIONAL"), True), acquitte=True, bascule=True),
    full("admin_dep_75", "ADMIN_DEPARTEMENTAL", ("75",)),
    full("admin_dep_drihl", "ADMIN_DEPARTEMENTAL", DRIHL),
    Caller("admin_dep_69", "ADMIN_DEPARTEMENTAL", ("69",), importe=True, lit_offre=True),
    Caller("analyste_75", "ANALYSTE", ("75",), lit_job=True, lit_offre=True, lit_75=True),
    Caller("analyste_69", "ANALYSTE", ("69",), lit_offre=True),
    temps2(full("admin_siao_75", "ADMIN_SIAO", ("75",)), True),
    temps2(Caller("admin_siao_69", "ADMIN_SIAO", ("69",), importe=True, lit_offre=True), False),
    temps2(
        Caller(
            "admin_siao_92_93_94", "ADMIN_SIAO", ("92", "93", "94"), importe=True, lit_offre=True
        ),
        False,
    ),
    # Temps 2 only: reads the offre of its département, not the Temps 1 jobs.
    temps2(
        Caller("operateur_siao_75", "OPERATEUR_SIAO", ("75",), lit_offre=True, lit_75=True), True
    ),
    temps2(Caller("operateur_siao_69", "OPERATEUR_SIAO", ("69",), lit_offre=True), False),
    Caller("ecoutant_115_75", "ECOUTANT_115", ("75",)),
    Caller("ecoutant_115_69", "ECOUTANT_115", ("69",)),
    Caller("gestionnaire_entite", "GESTIONNAIRE_ENTITE"),
    Caller("assistant", "ASSISTANT"),
    Caller("responsable_dispositif", "RESPONSABLE_DISPOSITIF"),
    Caller("travailleur_social", "TRAVAILLEUR_SOCIAL"),
]

PROFILS = {
    "ADMIN_NATIONAL",
    "ADMIN_DEPARTEMENTAL",
    "ANALYSTE",
    "ADMIN_SIAO",
    "OPERATEUR_SIAO",
    "ECOUTANT_115",
    "GESTIONNAIRE_ENTITE",
    "ASSISTANT",
    "RESPONSABLE_DISPOSITIF",
    "TRAVAILLEUR_SOCIAL",
}
ENTITE_PROFILS = {
    "GESTIONNAIRE_ENTITE",
    "ASSISTANT",
    "RESPONSABLE_DISPOSITIF",
    "TRAVAILLEUR_SOCIAL",
}


# -- the world of this module --------------------------------------------------------------------


@dataclass
class World:
    client: TestClient
    headers: dict[str, dict[str, str]]
    job_id: int = 0
    serial: list[int] = field(default_factory=lambda: [0])
    # Temps 2 in 75: a legacy groupe, a legacy account any Temps 2 profile may decide, and
    # the département's workbook 2 as exported.
    groupe_75: int = 0
    compte_75: int = 0
    classeur_75: bytes = b""

    def of(self, caller: Caller) -> dict[str, str]:
        return self.headers[caller.nom]

    def submit(self, headers: dict[str, str], data: bytes, **form: str) -> httpx.Response:
        files = {"fichier": ("offre.xlsx", data)}
        return self.client.post(f"{API}/imports", headers=headers, files=files, data=form)

    def wait(
        self,
        headers: dict[str, str],
        job_id: int,
        until: Callable[[dict[str, Any]], bool] = lambda j: j["statut"] in FINAL,
        timeout: float = 30,
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            response = self.client.get(f"{API}/jobs/{job_id}", headers=headers)
            assert response.status_code == 200, response.text
            job: dict[str, Any] = response.json()
            if until(job):
                return job
            assert time.monotonic() < deadline, job
            time.sleep(0.05)

    def settled(self, headers: dict[str, str], job_id: int) -> dict[str, Any]:
        """Wait until the job no longer holds its département (analysed, applied or ended)."""
        return self.wait(headers, job_id, lambda j: j["statut"] not in ("en_attente", "analyse"))

    def fresh_job(self, statut: str) -> int:
        """A new import of 75 by ``soumetteur``: analysed (``valide``) or applied (``termine``,
        with one new dispositif of its own, so that it has something to revert)."""
        owner = self.headers["soumetteur"]
        if statut == "valide":
            response = self.submit(owner, workbook())
        else:
            self.serial[0] += 1
            row = [None, SIREN, f"Halte de nuit n° {self.serial[0]}", "Halte de nuit", "75"]
            response = self.submit(owner, workbook([[*row, None, None]]), application="automatique")
        assert response.status_code == 202, response.text
        job = self.wait(owner, response.json()["id"])
        assert job["statut"] == statut, job
        return int(job["id"])


def _empty_tables(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        names = conn.scalars(
            text(
                "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
                "WHERE schemaname IN ('offre', 'siao') ORDER BY 1"
            )
        ).all()
        return [n for n in names if conn.scalar(text(f"SELECT NOT EXISTS (SELECT 1 FROM {n})"))]


@pytest.fixture
def clean_db() -> None:
    """This module keeps its resources for all its tests: see ``world`` for the cleaning."""


@pytest.fixture(scope="module")
def world(engine: Engine, api_client: TestClient, celery_worker: Any) -> Iterator[World]:
    from service.auth.accounts import add_user
    from service.auth.tokens import issue_token
    from service.config import get_settings
    from service.db.engine import session_scope

    # What this module writes is emptied at its end, as tests/integration/conftest.py does
    # after each test elsewhere.
    to_empty = _empty_tables(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO offre.entite (siren, raison_sociale, departement_siege) "
                "VALUES (:siren, 'Entité des comptes entité', '75')"
            ),
            {"siren": ENTITE_SIREN},
        )
    settings = get_settings()
    other_key = settings.model_copy(update={"secret_key": "une-autre-cle-" + "z" * 50})
    headers: dict[str, dict[str, str]] = {}
    with session_scope() as session:
        for caller in CALLERS:
            if caller.profil is not None:
                entite = ENTITE_SIREN if caller.profil in ENTITE_PROFILS else None
                add_user(session, caller.courriel, caller.profil, caller.departements, entite)
    for caller in CALLERS:
        token = {
            "aucun": None,
            "invalide": issue_token(caller.courriel, other_key),
            "inconnu": issue_token(caller.courriel, settings),
            "compte": issue_token(caller.courriel, settings),
        }[caller.jeton]
        headers[caller.nom] = {} if token is None else {"Authorization": f"Bearer {token}"}
    world = World(api_client, headers)
    response = world.submit(headers["soumetteur"], workbook(), application="automatique")
    assert response.status_code == 202, response.text
    shared = world.wait(headers["soumetteur"], response.json()["id"])
    assert shared["statut"] == "termine", shared
    world.job_id = shared["id"]
    _temps2_75(engine, world)
    yield world
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(to_empty)} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE offre.dispositif_sequence SET dernier = 0"))
        conn.execute(text("UPDATE offre.departement SET module_actif = false, bascule_le = NULL"))


def _temps2_75(engine: Engine, world: World) -> None:
    from service.legacy.generator import generate

    with engine.begin() as conn:
        generate(conn, ["75"], size=12, seed=5)
        world.groupe_75 = conn.scalar(
            text(
                "SELECT g.id FROM siao.groupe_places g JOIN siao.structure s "
                "ON s.id = g.structure_id WHERE s.departement = '75' AND s.actif AND g.actif "
                "ORDER BY g.id LIMIT 1"
            )
        )
        # Decided by a SIAO profile: no legacy profile of the État or Observation sociale.
        world.compte_75 = conn.scalar(
            text(
                "SELECT u.id FROM siao.utilisateur u WHERE u.departement = '75' AND u.actif "
                "AND EXISTS (SELECT 1 FROM siao.utilisateur_profil x "
                " WHERE x.utilisateur_id = u.id) "
                "AND NOT EXISTS (SELECT 1 FROM siao.utilisateur_profil x "
                " JOIN offre.profil_historique h ON h.code = x.profil_historique_code "
                " JOIN offre.profil p ON p.code = h.profil_cible_code "
                " WHERE x.utilisateur_id = u.id AND p.famille IN ('ETAT', 'OBSERVATION_SOCIALE')) "
                "ORDER BY u.id LIMIT 1"
            )
        )
    response = world.client.get(
        f"{API}/departements/75/rattachement.xlsx", headers=world.headers["admin_national"]
    )
    assert response.status_code == 200, response.text
    world.classeur_75 = response.content


# -- the rule of each route ----------------------------------------------------------------------


def _read_job(c: Caller) -> int:
    return 200 if c.lit_job else 404


def _act_on_job(c: Caller) -> int:
    if not c.lit_job:
        return 404  # out of reach: not even its existence
    return 202 if c.agit_job else 403


def _preview_revert(c: Caller) -> int:
    """Those who may revert the job may see what the revert would do."""
    return 200 if _act_on_job(c) == 202 else _act_on_job(c)


def _export_offre_75(c: Caller) -> int:
    if not c.importe:
        return 403
    return 200 if c.importe_75 else 404


def _read_offre_75(c: Caller) -> int:
    if not c.lit_offre:
        return 403
    return 200 if c.lit_75 else 404


@dataclass(frozen=True)
class Route:
    expected: Callable[[Caller], int]
    call: Callable[[World, Caller, bool], httpx.Response]
    check: Callable[[World, Caller, httpx.Response], None] = lambda w, c, r: None


def _job_url(suffix: str) -> Callable[[World, Caller, bool], httpx.Response]:
    def call(w: World, c: Caller, _: bool) -> httpx.Response:
        return w.client.get(f"{API}/jobs/{w.job_id}{suffix}", headers=w.of(c))

    return call


# -- POST /imports


def _import(w: World, c: Caller, _: bool) -> httpx.Response:
    return w.submit(w.of(c), workbook())


def _import_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert body["soumis_par"] == c.courriel
    assert body["type"] == "import_offre"
    # Leave no job holding a département for the next case.
    w.settled(w.of(c), body["id"])


# -- GET /jobs


def _list(w: World, c: Caller, _: bool) -> httpx.Response:
    return w.client.get(f"{API}/jobs", headers=w.of(c), params={"taille": 1000})


def _list_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert set(body) == {"items", "total", "page", "taille"}
    ids = {j["id"] for j in body["items"]}
    assert (w.job_id in ids) is c.lit_job, ids


def _detail_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert (body["id"], body["statut"], body["soumis_par"]) == (
        w.job_id,
        "termine",
        "soumetteur@exemple.gouv.fr",
    )
    assert [d["departement"] for d in body["departements"]] == ["75"]


def _page_check(w: World, c: Caller, r: httpx.Response) -> None:
    assert set(r.json()) >= {"items", "total", "page", "taille"}


def _preview_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert body["resume"]["id"] == w.job_id
    assert body["total"] == 1 + DISPOSITIFS_75  # the entité and the dispositifs


def _events(w: World, c: Caller, _: bool) -> httpx.Response:
    return w.client.get(f"{API}/jobs/{w.job_id}/evenements", headers=w.of(c), params={"attente": 1})


def _events_check(w: World, c: Caller, r: httpx.Response) -> None:
    assert r.headers["content-type"].startswith("text/event-stream")
    assert r.text.startswith("event: progression\ndata: ")
    assert f'"id": {w.job_id}' in r.text


# -- POST /jobs/{id}/appliquer, /annuler, /revenir: a fresh job when the action should succeed


def _confirm(w: World, c: Caller, allowed: bool) -> httpx.Response:
    job_id = w.fresh_job("valide") if allowed else w.job_id
    return w.client.post(f"{API}/jobs/{job_id}/appliquer", headers=w.of(c))


def _confirm_check(w: World, c: Caller, r: httpx.Response) -> None:
    job_id = r.json()["id"]
    assert job_id != w.job_id
    assert w.wait(w.of(c), job_id)["statut"] == "termine"


def _cancel(w: World, c: Caller, allowed: bool) -> httpx.Response:
    job_id = w.fresh_job("valide") if allowed else w.job_id
    return w.client.post(f"{API}/jobs/{job_id}/annuler", headers=w.of(c))


def _cancel_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert body["id"] != w.job_id
    assert body["statut"] == "annule"


def _revert(w: World, c: Caller, allowed: bool) -> httpx.Response:
    job_id = w.fresh_job("termine") if allowed else w.job_id
    return w.client.post(f"{API}/jobs/{job_id}/revenir", headers=w.of(c))


def _revert_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert body["type"] == "retour_arriere"
    assert body["soumis_par"] == c.courriel
    assert w.wait(w.of(c), body["id"])["statut"] == "termine"
    # The dispositif of the reverted job is gone: the offre of 75 is as the shared job left it.
    listing = w.client.get(f"{API}/departements/75/dispositifs", headers=w.of(c)).json()
    assert listing["total"] == DISPOSITIFS_75


def _revert_preview(w: World, c: Caller, allowed: bool) -> httpx.Response:
    # A preview writes nothing: the shared job serves every caller.
    return w.client.get(f"{API}/jobs/{w.job_id}/revenir/apercu", headers=w.of(c))


def _revert_preview_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert body["job_source_id"] == w.job_id and body["job_entier"]
    # The shared job created the dispositifs of 75.
    (part,) = [p for p in body["parties"] if p["departement"] == "75"]
    assert part["a_supprimer"] == DISPOSITIFS_75


# -- the offre


def _dispositifs(w: World, c: Caller, _: bool) -> httpx.Response:
    return w.client.get(f"{API}/departements/75/dispositifs", headers=w.of(c))


def _dispositifs_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert body["total"] == DISPOSITIFS_75
    assert {d["departement"] for d in body["items"]} == {"75"}


def _entite(w: World, c: Caller, _: bool) -> httpx.Response:
    return w.client.get(f"{API}/entites/{SIREN}", headers=w.of(c))


def _entite_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert body["siren"] == SIREN
    # Entités are national; their dispositifs are shown within the caller's scope only.
    assert len(body["dispositifs"]) == (DISPOSITIFS_75 if c.lit_75 else 0)


# -- workbooks to download

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _get(url: str) -> Callable[[World, Caller, bool], httpx.Response]:
    def call(w: World, c: Caller, _: bool) -> httpx.Response:
        return w.client.get(url.format(job_id=w.job_id), headers=w.of(c))

    return call


def _xlsx_check(w: World, c: Caller, r: httpx.Response) -> None:
    assert r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"].startswith("attachment; filename=")
    assert r.content[:2] == b"PK"  # a ZIP container, as every xlsx


def _csv_check(w: World, c: Caller, r: httpx.Response) -> None:
    assert r.headers["content-type"].startswith("text/csv")
    assert ";" in r.text.splitlines()[0]  # at least its header line


# -- screen entry (issue 10): a created dispositif is reverted at once, so that the offre of 75
# stays as the shared job left it.

ENTITE_CHANGES = {"raison_sociale": "Entité des comptes entité", "commune": "Paris"}


def _create_entite(w: World, c: Caller, allowed: bool) -> httpx.Response:
    w.serial[0] += 1
    siren = luhn_siren(100_000 + w.serial[0])
    body = {"siren": siren, "raison_sociale": f"Entité de {c.nom}", "departement_siege": "75"}
    return w.client.post(f"{API}/entites", headers=w.of(c), json=body)


def _entite_created(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert body["raison_sociale"] == f"Entité de {c.nom}"
    assert isinstance(body["job_id"], int)


def _update_entite(w: World, c: Caller, _: bool) -> httpx.Response:
    return w.client.patch(
        f"{API}/entites/{ENTITE_SIREN}", headers=w.of(c), json={"commune": f"Ville de {c.nom}"}
    )


def _entite_updated(w: World, c: Caller, r: httpx.Response) -> None:
    assert (r.json()["siren"], r.json()["commune"]) == (ENTITE_SIREN, f"Ville de {c.nom}")


def _own_departement(c: Caller) -> str:
    return c.departements[0] if c.departements else "13"


def _create_dispositif(w: World, c: Caller, allowed: bool) -> httpx.Response:
    body = {
        "siren": SIREN,
        "nom": f"Accueil de jour de {c.nom}",
        "type_code": "Accueil de jour",
        "departement": _own_departement(c),
    }
    return w.client.post(f"{API}/dispositifs", headers=w.of(c), json=body)


def _dispositif_created(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert body["identifiant"].startswith(f"DSP-{_own_departement(c)}-")
    revert = w.client.post(f"{API}/jobs/{body['job_id']}/revenir", headers=w.of(c))
    assert revert.status_code == 202, revert.text
    assert w.wait(w.of(c), revert.json()["id"])["statut"] == "termine"
    gone = w.client.get(f"{API}/dispositifs/{body['identifiant']}", headers=w.of(c))
    assert gone.status_code == 404


def _patch_dispositif(w: World, c: Caller, _: bool) -> httpx.Response:
    return w.client.patch(
        f"{API}/dispositifs/DSP-75-000001", headers=w.of(c), json={"commune": f"Paris {c.nom}"}
    )


def _dispositif_patched(w: World, c: Caller, r: httpx.Response) -> None:
    assert (r.json()["identifiant"], r.json()["commune"]) == ("DSP-75-000001", f"Paris {c.nom}")


def _write_offre_75(c: Caller) -> int:
    if not c.importe:
        return 403
    return 200 if c.importe_75 else 404


def _get_dispositif(w: World, c: Caller, _: bool) -> httpx.Response:
    return w.client.get(f"{API}/dispositifs/DSP-75-000001", headers=w.of(c))


def _dispositif_read(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert body["departement"] == "75"
    assert body["historique"][0]["job_id"] == w.job_id
    assert body["historique"][0]["action"] == "creation"


# -- Temps 2


def _temps2_75_rule(c: Caller) -> int:
    if not c.rattache:
        return 403
    return 200 if c.rattache_75 else 404


def _rattachement(w: World, c: Caller, _: bool) -> httpx.Response:
    files = {"fichier": ("rattachement-75.xlsx", w.classeur_75)}
    return w.client.post(f"{API}/rattachements", headers=w.of(c), files=files)


def _rattachement_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert (body["type"], body["soumis_par"], body["departement"]) == (
        "rattachement",
        c.courriel,
        "75",
    )
    assert w.settled(w.of(c), body["id"])["statut"] == "valide"  # nothing changed: no error


def _put_groupe(w: World, c: Caller, _: bool) -> httpx.Response:
    return w.client.put(
        f"{API}/groupes-places/{w.groupe_75}/rattachement",
        headers=w.of(c),
        json={"decision": "exclure"},
    )


def _put_groupe_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert (body["groupe"], body["departement"]) == (w.groupe_75, "75")
    assert body["decision"] == {"decision": "exclure", "dispositif": None, "commentaire": None}


def _put_compte(w: World, c: Caller, _: bool) -> httpx.Response:
    return w.client.put(
        f"{API}/utilisateurs-historiques/{w.compte_75}/migration",
        headers=w.of(c),
        json={"decision": "desactiver"},
    )


def _put_compte_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert (body["id"], body["departement"]) == (w.compte_75, "75")
    assert body["decision"]["decision"] == "desactiver"


def _acknowledge(w: World, c: Caller, _: bool) -> httpx.Response:
    return w.client.post(
        f"{API}/utilisateurs-historiques/{w.compte_75}/alertes/acquitter", headers=w.of(c)
    )


def _acknowledge_check(w: World, c: Caller, r: httpx.Response) -> None:
    assert all(a["acquittee"] for a in r.json()["alertes"])


def _propositions_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert body["total"] > 0
    assert w.groupe_75 in {p["groupe"] for p in body["items"]}


def _progression_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert body["departement"] == "75"
    assert body["groupes"]["total"] > 0


# -- the capacity report (Temps 3): the offre's readers, each for its scope


def _capacites_75_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert (body["departement"], body["statut"]) == ("75", "non_bascule")  # not switched here


def _capacites_check(w: World, c: Caller, r: httpx.Response) -> None:
    codes = [d["departement"] for d in r.json()["departements"]]
    assert ("75" in codes) is c.lit_75, codes
    assert len(codes) == (101 if c.profil == "ADMIN_NATIONAL" else len(c.departements))


# -- Temps 3


def _bascule_rule(ok: int) -> Callable[[Caller], int]:
    return lambda c: ok if c.bascule else 403


def _national_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert body["total"] == 101
    item = next(i for i in body["items"] if i["departement"] == "75")
    assert item["statut"] == "bloque" and item["bloquants"]["GROUPE_NON_RATTACHE"] > 0


def _departement_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert (body["departement"], body["statut"]) == ("75", "bloque")
    assert {d["code"] for d in body["details"]} >= {"GROUPE_NON_RATTACHE"}


def _wave(w: World, c: Caller, _: bool) -> httpx.Response:
    # A simulation: it writes nothing, whatever the caller.
    body = {"departements": ["75"], "simulation": True}
    return w.client.post(f"{API}/bascules", headers=w.of(c), json=body)


def _wave_check(w: World, c: Caller, r: httpx.Response) -> None:
    body = r.json()
    assert (body["type"], body["simulation"], body["soumis_par"]) == ("bascule", True, c.courriel)
    job = w.wait(w.of(c), body["id"])  # 75 is not ready: its one unit says why
    assert job["statut"] == "echec", job
    assert "GROUPE_NON_RATTACHE" in job["departements"][0]["message"]


ROUTES: dict[tuple[str, str], Route] = {
    ("POST", f"{API}/imports"): Route(lambda c: 202 if c.importe else 403, _import, _import_check),
    ("GET", f"{API}/jobs"): Route(lambda c: 200, _list, _list_check),
    ("GET", f"{API}/jobs/{{job_id}}"): Route(_read_job, _job_url(""), _detail_check),
    ("GET", f"{API}/jobs/{{job_id}}/anomalies"): Route(
        _read_job, _job_url("/anomalies"), _page_check
    ),
    ("GET", f"{API}/jobs/{{job_id}}/apercu"): Route(_read_job, _job_url("/apercu"), _preview_check),
    ("GET", f"{API}/jobs/{{job_id}}/evenements"): Route(_read_job, _events, _events_check),
    ("POST", f"{API}/jobs/{{job_id}}/appliquer"): Route(_act_on_job, _confirm, _confirm_check),
    ("POST", f"{API}/jobs/{{job_id}}/annuler"): Route(_act_on_job, _cancel, _cancel_check),
    ("POST", f"{API}/jobs/{{job_id}}/revenir"): Route(_act_on_job, _revert, _revert_check),
    ("GET", f"{API}/jobs/{{job_id}}/revenir/apercu"): Route(
        _preview_revert, _revert_preview, _revert_preview_check
    ),
    ("GET", f"{API}/departements/{{code}}/dispositifs"): Route(
        _read_offre_75, _dispositifs, _dispositifs_check
    ),
    ("GET", f"{API}/modeles/offre.xlsx"): Route(
        lambda c: 200 if c.importe else 403, _get(f"{API}/modeles/offre.xlsx"), _xlsx_check
    ),
    ("GET", f"{API}/departements/{{code}}/offre.xlsx"): Route(
        _export_offre_75, _get(f"{API}/departements/75/offre.xlsx"), _xlsx_check
    ),
    ("GET", f"{API}/jobs/{{job_id}}/rapport.xlsx"): Route(
        _read_job, _get(f"{API}/jobs/{{job_id}}/rapport.xlsx"), _xlsx_check
    ),
    ("GET", f"{API}/jobs/{{job_id}}/anomalies.csv"): Route(
        _read_job, _get(f"{API}/jobs/{{job_id}}/anomalies.csv"), _csv_check
    ),
    ("GET", f"{API}/entites/{{siren}}"): Route(
        lambda c: 200 if c.lit_offre else 403, _entite, _entite_check
    ),
    ("POST", f"{API}/entites"): Route(
        lambda c: 201 if c.importe else 403, _create_entite, _entite_created
    ),
    ("PATCH", f"{API}/entites/{{siren}}"): Route(
        lambda c: 200 if c.importe else 403, _update_entite, _entite_updated
    ),
    ("POST", f"{API}/dispositifs"): Route(
        lambda c: 201 if c.importe else 403, _create_dispositif, _dispositif_created
    ),
    ("PATCH", f"{API}/dispositifs/{{identifiant}}"): Route(
        _write_offre_75, _patch_dispositif, _dispositif_patched
    ),
    ("GET", f"{API}/dispositifs/{{identifiant}}"): Route(
        _read_offre_75, _get_dispositif, _dispositif_read
    ),
    ("GET", f"{API}/departements/{{code}}/rattachement.xlsx"): Route(
        _temps2_75_rule, _get(f"{API}/departements/75/rattachement.xlsx"), _xlsx_check
    ),
    ("POST", f"{API}/rattachements"): Route(
        lambda c: 202 if _temps2_75_rule(c) == 200 else _temps2_75_rule(c),
        _rattachement,
        _rattachement_check,
    ),
    ("PUT", f"{API}/groupes-places/{{groupe_id}}/rattachement"): Route(
        _temps2_75_rule, _put_groupe, _put_groupe_check
    ),
    ("PUT", f"{API}/utilisateurs-historiques/{{utilisateur_id}}/migration"): Route(
        _temps2_75_rule, _put_compte, _put_compte_check
    ),
    ("POST", f"{API}/utilisateurs-historiques/{{utilisateur_id}}/alertes/acquitter"): Route(
        lambda c: 200 if c.acquitte else 403, _acknowledge, _acknowledge_check
    ),
    ("GET", f"{API}/departements/{{code}}/propositions"): Route(
        _temps2_75_rule, _get(f"{API}/departements/75/propositions"), _propositions_check
    ),
    ("GET", f"{API}/departements/{{code}}/rattachement"): Route(
        _temps2_75_rule, _get(f"{API}/departements/75/rattachement"), _progression_check
    ),
    ("GET", f"{API}/departements/{{code}}/capacites"): Route(
        _read_offre_75, _get(f"{API}/departements/75/capacites"), _capacites_75_check
    ),
    ("GET", f"{API}/departements/{{code}}/capacites.xlsx"): Route(
        _read_offre_75, _get(f"{API}/departements/75/capacites.xlsx"), _xlsx_check
    ),
    ("GET", f"{API}/capacites"): Route(
        lambda c: 200 if c.lit_offre else 403, _get(f"{API}/capacites"), _capacites_check
    ),
    ("GET", f"{API}/capacites.xlsx"): Route(
        lambda c: 200 if c.lit_offre else 403, _get(f"{API}/capacites.xlsx"), _xlsx_check
    ),
    ("GET", f"{API}/bascules/preparation"): Route(
        _bascule_rule(200), _get(f"{API}/bascules/preparation"), _national_check
    ),
    ("GET", f"{API}/departements/{{code}}/bascule/preparation"): Route(
        _bascule_rule(200),
        _get(f"{API}/departements/75/bascule/preparation"),
        _departement_check,
    ),
    ("POST", f"{API}/bascules"): Route(_bascule_rule(202), _wave, _wave_check),
    ("GET", f"{API}/departements/{{code}}/groupes-places"): Route(
        _read_offre_75, _get(f"{API}/departements/75/groupes-places"), _page_check
    ),
}

# Served outside /api/v1, without authentication; checked by the tests at the end of this file.
PUBLIC = {
    "/health",
    "/ready",
    "/metrics",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/openapi.json",
}


def app_routes() -> list[tuple[str, str]]:
    """(method, path) of every route of a fresh app, included routers flattened."""
    from fastapi import routing

    from api.app import create_app

    routes: list[Any] = list(create_app().routes)
    flatten = getattr(routing, "iter_route_contexts", None)  # FastAPI with lazy included routers
    if flatten is not None:
        routes = list(flatten(routes))
    return sorted(
        (method, route.path)
        for route in routes
        for method in (getattr(route, "methods", None) or ())  # a Mount (/console) has none
        if method != "HEAD"
    )


APP_ROUTES = app_routes()
API_ROUTES = [r for r in APP_ROUTES if r[1].startswith(API + "/")]

ERROR_CODES = {
    "aucun": "NON_AUTHENTIFIE",
    "invalide": "JETON_INVALIDE",
    "inconnu": "COMPTE_INCONNU",
}


# Cases where the code is known to disagree with DOMAIN.md §4 (reported, not fixed here). The
# marks are strict: once the code is fixed, the case passes and the mark must go.
KNOWN_BUGS: dict[tuple[tuple[str, str], str], str] = {}


def cases() -> list[Any]:
    return [
        pytest.param(
            route,
            caller,
            id=f"{route[0]} {route[1]}-{caller.nom}",
            marks=[pytest.mark.xfail(reason=KNOWN_BUGS[(route, caller.nom)], strict=True)]
            if (route, caller.nom) in KNOWN_BUGS
            else [],
        )
        for route in API_ROUTES
        for caller in CALLERS
    ]


@pytest.mark.parametrize(("route", "caller"), cases())
def test_route_by_profile_and_scope(world: World, route: tuple[str, str], caller: Caller) -> None:
    rule = ROUTES.get(route)
    assert rule is not None, f"route {route} sans règle dans ROUTES : ajoutez-la au tableau"
    expected = 401 if caller.jeton != "compte" else rule.expected(caller)
    response = rule.call(world, caller, expected < 300)
    assert response.status_code == expected, (caller.nom, response.text)
    if expected >= 400:
        body = response.json()
        assert set(body) == {"code", "message", "details"}, body
        assert isinstance(body["details"], dict)
        if expected == 401:
            assert body["code"] == ERROR_CODES[caller.jeton]
        else:
            assert body["code"] == {403: "INTERDIT", 404: "INTROUVABLE"}[expected]
        if expected == 404:
            assert "introuvable" in body["message"]
    else:
        rule.check(world, caller, response)


# -- the tables themselves -----------------------------------------------------------------------


def test_route_table_is_exactly_the_app_routes() -> None:
    assert len(API_ROUTES) >= 10
    assert set(ROUTES) == set(API_ROUTES)
    # Every route outside /api/v1 is one of the public ones tested below.
    assert {path for _, path in APP_ROUTES if not path.startswith(API + "/")} <= PUBLIC


def test_callers_cover_the_ten_profiles_in_and_out_of_scope() -> None:
    assert {c.profil for c in CALLERS} - {None} == PROFILS
    for profil in ("ADMIN_DEPARTEMENTAL", "ANALYSTE", "ADMIN_SIAO", "OPERATEUR_SIAO"):
        scoped = [c for c in CALLERS if c.profil == profil]
        assert any(c.lit_75 for c in scoped) and any(not c.lit_75 for c in scoped), profil
    assert any(len(c.departements) > 1 and c.lit_75 for c in CALLERS)  # DRIHL-like, inside
    assert any(len(c.departements) > 1 and not c.lit_75 for c in CALLERS)  # several, outside


# -- errors in French, health, documentation -----------------------------------------------------


def test_token_checks_come_before_anything_else(world: World) -> None:
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer"}):
        response = world.client.get(f"{API}/jobs/999999", headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "NON_AUTHENTIFIE"
        assert "jeton" in response.json()["message"].lower()
    garbage = world.client.get(f"{API}/jobs", headers={"Authorization": "Bearer pas.un.jeton"})
    assert (garbage.status_code, garbage.json()["code"]) == (401, "JETON_INVALIDE")


def test_unknown_job_and_departement_answer_404(world: World) -> None:
    national = world.headers["admin_national"]
    response = world.client.get(f"{API}/jobs/999999", headers=national)
    assert (response.status_code, response.json()["code"]) == (404, "INTROUVABLE")
    response = world.client.get(f"{API}/departements/00/dispositifs", headers=national)
    assert (response.status_code, response.json()["code"]) == (404, "INTROUVABLE")
    response = world.client.get(f"{API}/entites/552081317", headers=national)
    assert (response.status_code, response.json()["code"]) == (404, "INTROUVABLE")


def test_forcing_a_revert_is_for_the_national_team(world: World) -> None:
    response = world.client.post(
        f"{API}/jobs/{world.job_id}/revenir",
        headers=world.headers["soumetteur"],
        json={"forcer": True},
    )
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "INTERDIT"


def test_unknown_route_is_a_french_404(api_client: TestClient) -> None:
    for path in ("/api/v1/inconnue", "/nulle-part"):
        response = api_client.get(path)
        assert response.status_code == 404
        assert response.json() == {
            "code": "INTROUVABLE",
            "message": "Ressource introuvable.",
            "details": {},
        }


def test_wrong_method_and_bad_parameters_are_french(world: World) -> None:
    response = world.client.delete(f"{API}/jobs", headers=world.headers["admin_national"])
    assert response.status_code == 405
    assert response.json()["code"] == "METHODE_NON_AUTORISEE"
    assert "Méthode" in response.json()["message"]
    response = world.client.get(
        f"{API}/jobs", headers=world.headers["admin_national"], params={"taille": 0}
    )
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["message"]) == (
        "REQUETE_INVALIDE",
        "Paramètres de la requête invalides.",
    )
    assert [c["champ"] for c in body["details"]["champs"]] == ["query.taille"]


def test_health_and_ready(api_client: TestClient) -> None:
    health = api_client.get("/health")
    assert (health.status_code, health.json()) == (200, {"statut": "ok"})
    ready = api_client.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"statut": "pret", "verifications": {"postgresql": "ok", "redis": "ok"}}


def test_metrics_are_served_without_personal_data(world: World) -> None:
    response = world.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'offre_jobs{statut="termine",type="import_offre"}' in response.text
    assert "@exemple.gouv.fr" not in response.text  # served without a token: no e-mail


def test_documentation_is_served(api_client: TestClient) -> None:
    docs = api_client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    schema = api_client.get("/openapi.json")
    assert schema.status_code == 200
    documented = {
        (method.upper(), path)
        for path, operations in schema.json()["paths"].items()
        for method in operations
    }
    assert set(API_ROUTES) <= documented
