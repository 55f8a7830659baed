"""The one settings object: nothing else in the project reads the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service import pile


def sqlalchemy_url(url: str) -> str:
    """Accept a plain ``postgresql://`` URL and use it with psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def libpq_url(url: str) -> str:
    """The same URL as psycopg.connect() and the PostgreSQL tools expect it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OFFRE_", extra="ignore", populate_by_name=True)

    # DATABASE_URL / REDIS_URL keep their conventional, prefix-less names.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    secret_key: str | None = Field(default=None, validation_alias="OFFRE_SECRET_KEY")

    # The nearest `.offre` from the current folder upwards: any subfolder of the project finds
    # the data folder (and the stack `offre up` runs there) without exporting anything.
    data_dir: Path = Field(default_factory=lambda: pile.find_data_dir(Path.cwd()))
    log_json: bool = False
    log_level: str = "INFO"

    # Uploads and parsing limits (ARCHITECTURE.md §5, RELIABILITY-NOTES.md "Uploads").
    max_upload_bytes: int = 20 * 1024 * 1024
    max_rows_per_file: int = 200_000
    max_columns: int = 200
    # A workbook of 1,024 sheets holds more than 2,000 parts; only the sheets an import reads
    # are ever inflated, so the count only guards the central directory itself.
    max_zip_entries: int = 10_000
    max_zip_uncompressed_bytes: int = 600 * 1024 * 1024
    max_zip_ratio: int = 200
    # An error report details at most this many anomalies of each code (the totals are all
    # counted, and anomalies.csv lists every one).
    report_max_anomalies_per_code: int = 1_000

    # Work units and leases (ARCHITECTURE.md §4).
    batch_size: int = 5_000
    # A file with more Dispositifs rows is analysed in parts of this many lines that several
    # workers take (service/imports/analysis.py); each holds its rows' cells (calamine cannot
    # stream), about 100 MB at 25 000 rows.
    analysis_part_rows: int = Field(25_000, ge=10)
    lease_seconds: int = 120
    max_attempts: int = 5
    reconcile_every_seconds: float = 30.0
    broker_visibility_timeout: int = 6 * 3600
    # A prefork child keeps the peak memory of its largest analysis (calamine holds a whole
    # sheet): past this resident size it is replaced once its task is done. An idle child is
    # ~100 MB, mostly shared with the parent: 250 replaces any child that grew by a large file
    # (issue 13: the worker's processes under 400 MB together).
    worker_max_memory_mb: int = 250

    # Isolates the broker keys and pub/sub channels of one deployment (or one test session)
    # sharing a Redis server.
    redis_prefix: str = ""

    # `offre historique generer` writes fictitious legacy rows into DATABASE_URL only when this
    # says that the configured database is a demo one (never a real SI SIAO).
    allow_demo_data: bool = False

    # Fault injection for the end-to-end tests (service/failpoints.py); empty in production.
    failpoints: str = ""

    # A download being built is waited for this long before answering 202 « en préparation ».
    export_wait_seconds: float = 30.0
    # Open event streams check the caller's rights again this often.
    events_recheck_seconds: float = 30.0

    # Bearer tokens of the local mode: for this API only, and short-lived (a token asking for a
    # longer life than this is refused).
    token_ttl_hours: int = Field(12, ge=1, le=24 * 7)
    token_audience: str = "offre-siao-api"

    # Database connections of one process (the API's event streams hold none while waiting).
    db_pool_size: int = 15
    db_pool_overflow: int = 10
    db_pool_timeout: float = 30.0

    # What one account may ask at once (429 beyond): jobs waiting or being analysed, uploads per
    # minute; files and staged rows of jobs older than the retention are purged (figures kept).
    max_active_jobs_per_account: int = 3
    uploads_per_minute: int = 10
    retention_days: int = 30

    # Web console (/console/): how people sign in, and how long a session lasts.
    auth_mode: Literal["local", "oidc"] = "local"
    console_session_hours: int = 8
    # ProConnect-style OpenID Connect (auth_mode = oidc): the provider's issuer URL (discovery
    # at /.well-known/openid-configuration), our client, and the signature algorithms we accept.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid email profile"
    oidc_algorithms: str = "RS256"
    # Where the DSFR files are served from (filled by `make setup`); empty: the package's
    # api/console/static/dsfr.
    console_assets_dir: Path | None = None
    # Flower, linked from the console for the national team.
    flower_url: str = "http://127.0.0.1:5555"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    public_url: str | None = None

    # `utilisateur:mot_de_passe` of Flower in production (the variable Flower itself reads);
    # on the embedded stack `offre flower` generates them in the data folder.
    flower_basic_auth: str | None = Field(default=None, validation_alias="FLOWER_BASIC_AUTH")
    flower_host: str = "127.0.0.1"

    # The stack `offre up` announced in the data folder (service/pile.py): alive, or left behind
    # by a stack that did not stop cleanly.
    _running: pile.Pile | None = PrivateAttr(None)
    _stale: pile.Pile | None = PrivateAttr(None)
    _database_from_stack: bool = PrivateAttr(False)

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value.encode()) < 32:
            raise ValueError(
                "OFFRE_SECRET_KEY est trop courte : la clé de signature des jetons doit faire au "
                "moins 32 octets (par exemple : python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')."
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _psycopg3_url(cls, value: str | None) -> str | None:
        return None if value is None else sqlalchemy_url(value)

    @model_validator(mode="after")
    def _running_stack(self) -> Settings:
        """What is not set comes from the stack running in the data folder, if any."""
        found = pile.read(Path(self.data_dir))
        if found is None:
            return self
        if not found.alive:
            self._stale = found
            return self
        self._running = found
        if self.database_url is None:
            self.database_url = sqlalchemy_url(found.database_url)
            self._database_from_stack = True
        if self.redis_url is None:
            self.redis_url = found.redis_url
        return self

    @property
    def running_stack(self) -> pile.Pile | None:
        return self._running

    @property
    def database_from_stack(self) -> bool:
        """DATABASE_URL is not set: the database is the running stack's."""
        return self._database_from_stack

    @property
    def stale_stack(self) -> pile.Pile | None:
        return self._stale

    @property
    def api_base_url(self) -> str:
        if self.public_url:
            return self.public_url
        if self._running is not None:
            return self._running.api_url
        return f"http://{self.api_host}:{self.api_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
