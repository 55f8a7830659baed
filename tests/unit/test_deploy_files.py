"""docker-compose.yml and deploy/ stay consistent with the CLI (no Docker engine runs here).

PyYAML is not a dependency: the compose file is written in a small YAML subset (two-space block
mappings, scalar lists, one-line JSON flow sequences, anchors and ``<<`` merges) that
:func:`load_compose` reads, and refuses anything else, so the file keeps that simple style.
"""

from __future__ import annotations

import os
import re
import shlex
import tomllib
from typing import Any

import pytest
import typer.main

from service.cli.main import app as cli_app
from service.config import Settings
from tests.support.deploy_files import (
    COMPOSE,
    DOCKERFILE,
    ENTRYPOINT,
    README,
    ROOT,
    ComposeSyntaxError,
    dockerfile,
    dockerfile_instruction,
    load_compose,
)

APP_SERVICES = {"migrate", "api", "worker", "beat", "flower"}
EXPECTED_COMMANDS = {
    "migrate": ["offre", "db", "upgrade"],
    "api": ["offre", "api", "--port", "8000"],
    "worker": ["offre", "worker"],
    "beat": ["offre", "beat"],
    "flower": ["offre", "flower", "--port", "5555"],
}


# -- a reader for the YAML subset of docker-compose.yml ------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = compose["services"]
    return result


def test_reader_understands_merges_and_refuses_other_yaml() -> None:
    doc = load_compose(
        "x: &base\n  a: '1'\n  env: &env\n    K: v\n"
        's:\n  <<: *base\n  a: "2"  # commentaire\n'
        '  l:\n    - un\n    - "deux # pas un commentaire"\n'
        '  env:\n    <<: *env\n    L: w\n  cmd: ["offre", "api"]\n'
    )
    assert doc["s"] == {
        "a": "2",
        "env": {"K": "v", "L": "w"},
        "l": ["un", "deux # pas un commentaire"],
        "cmd": ["offre", "api"],
    }
    for bad in ("a: {b: 1}\n", "a:\n  b: 1\n    c: 2\n", "a: 1\na: 2\n", "a: |\n  x\n"):
        with pytest.raises(ComposeSyntaxError):
            load_compose(bad)


# -- the CLI ---------------------------------------------------------------------------------------


def parse_cli(args: list[str]) -> dict[str, Any]:
    """Parse ``offre <args>`` as the CLI would, without running it: the command must exist and
    its options and values must be accepted. Returns the parsed parameters."""
    assert args and args[0] == "offre", f"la commande doit commencer par « offre » : {args}"
    command: Any = typer.main.get_command(cli_app)
    rest, path = list(args[1:]), ["offre"]
    while hasattr(command, "list_commands"):  # a group: the next word names a sub-command
        assert rest and not rest[0].startswith("-"), f"« {' '.join(path)} » : sous-commande ?"
        name = rest.pop(0)
        sub = command.get_command(typer.Context(command), name)
        assert sub is not None, f"« {' '.join([*path, name])} » : commande inconnue de la CLI"
        command, path = sub, [*path, name]
    try:
        context = command.make_context(" ".join(path), rest)
    except typer.TyperException as exc:
        pytest.fail(f"« {' '.join(args)} » refusée par la CLI : {exc}")
    return dict(context.params)


def test_cli_parser_catches_wrong_commands_and_options() -> None:
    assert parse_cli(["offre", "api", "--port", "8000"]) == {"port": 8000, "host": None}
    for wrong in (
        ["offre", "serveur"],
        ["offre", "api", "--prot", "8000"],
        ["offre", "api", "--port", "huit"],
        ["offre", "db"],
        ["offre", "db", "migrer"],
    ):
        with pytest.raises((AssertionError, pytest.fail.Exception)):
            parse_cli(wrong)


def test_console_script_is_the_cli_parsed_here() -> None:
    """The script's entry sends the servers' commands to the same functions as the whole CLI
    parsed here, and everything else to it."""
    from service.cli import entry, stack

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["offre"] == "service.cli.entry:main"
    commands = {c.callback for c in cli_app.registered_commands}
    assert set(entry.SERVERS) == {stack.api, stack.worker, stack.beat, stack.flower} <= commands


# -- docker-compose.yml --------------------------------------------------------------------------


def test_the_services(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {"postgres", "redis", *APP_SERVICES}


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_services_run_the_expected_cli_command(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    command = services[name]["command"]
    assert command == EXPECTED_COMMANDS[name]
    parse_cli(command)


def test_app_services_share_one_image_built_by_the_dockerfile(
    services: dict[str, dict[str, Any]],
) -> None:
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    (image,) = images
    assert image.startswith("offre-siao:")
    for name in APP_SERVICES:
        build = services[name]["build"]
        assert (ROOT / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE


@pytest.mark.parametrize("name", ["postgres", "redis", *sorted(APP_SERVICES)])
def test_every_service_has_a_healthcheck_or_is_one_shot(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    service = services[name]
    one_shot = service.get("restart") == "no"
    assert one_shot or "healthcheck" in service, name
    assert one_shot == (name == "migrate")
    if "healthcheck" in service:
        test = service["healthcheck"]["test"]
        assert isinstance(test, list) and test[0] in ("CMD", "CMD-SHELL"), test
        for key in ("interval", "timeout", "retries"):
            assert key in service["healthcheck"], (name, key)


def _python_snippet(test: list[str]) -> str | None:
    if test[:3] == ["CMD", "python", "-c"]:
        return test[3]
    return None


@pytest.mark.parametrize("name", ["api", "beat", "flower"])
def test_python_healthchecks_compile(services: dict[str, dict[str, Any]], name: str) -> None:
    snippet = _python_snippet(services[name]["healthcheck"]["test"])
    assert snippet is not None
    compile(snippet, f"healthcheck {name}", "exec")


def test_worker_healthcheck_is_a_valid_celery_command(services: dict[str, dict[str, Any]]) -> None:
    import click
    from celery.bin.celery import celery

    kind, line = services["worker"]["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    words = shlex.split(line.replace("$$", "$"))
    assert words[:3] == ["python", "-m", "celery"], words
    assert words[3:6] == ["-A", "workers.app", "inspect"], words
    root = celery.make_context("celery", words[3:5])
    assert root.params["app"] == "workers.app"
    inspect = celery.get_command(root, "inspect")
    assert inspect is not None
    try:
        parsed = inspect.make_context("inspect", words[6:], parent=root).params
    except click.ClickException as exc:
        pytest.fail(f"healthcheck du worker refusé par celery : {exc.format_message()}")
    assert parsed["command"] == "ping"
    # The worker keeps celery's default node name, celery@<hostname>.
    assert parsed["destination"] == ["celery@$HOSTNAME"]
    from service.cli.stack import worker_command

    assert not {"-n", "--hostname"} & set(worker_command())


def test_healthchecks_probe_what_the_commands_serve(services: dict[str, dict[str, Any]]) -> None:
    api_port = parse_cli(services["api"]["command"])["port"]
    api_probe = str(_python_snippet(services["api"]["healthcheck"]["test"]))
    assert f"http://127.0.0.1:{api_port}/ready" in api_probe
    flower_port = parse_cli(services["flower"]["command"])["port"]
    flower_probe = str(_python_snippet(services["flower"]["healthcheck"]["test"]))
    assert f"http://127.0.0.1:{flower_port}/healthcheck" in flower_probe
    worker = " ".join(services["worker"]["healthcheck"]["test"])
    assert "-A workers.app inspect ping" in worker
    assert "$$HOSTNAME" in worker  # escaped for compose, expanded by the container's shell
    assert services["postgres"]["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"][1]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    published = {p.rsplit(":", 1)[1] for p in services["api"]["ports"]}
    assert published == {str(api_port)}
    assert {p.rsplit(":", 1)[1] for p in services["flower"]["ports"]} == {str(flower_port)}


def test_backing_services(services: dict[str, dict[str, Any]], compose: dict[str, Any]) -> None:
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    command = services["redis"]["command"]
    assert command[0] == "redis-server"
    flags = dict(zip(command[1::2], command[2::2], strict=True))
    assert flags == {
        "--appendonly": "yes",
        "--appendfsync": "everysec",
        "--maxmemory-policy": "noeviction",
    }
    for name, mount in (("postgres", "/var/lib/postgresql/data"), ("redis", "/data")):
        (volume,) = services[name]["volumes"]
        source, _, target = volume.partition(":")
        assert target == mount
        assert source in compose["volumes"], f"volume nommé attendu pour {name}"


def test_start_order(services: dict[str, dict[str, Any]]) -> None:
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("api", "worker", "beat"):
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name
    assert services["flower"]["depends_on"]["redis"] == {"condition": "service_healthy"}
    # Every dependency is a service with a healthcheck, or the one-shot migration.
    for name, service in services.items():
        for dependency, rule in service.get("depends_on", {}).items():
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], (name, dependency)
            else:
                assert rule["condition"] == "service_completed_successfully"
                assert services[dependency].get("restart") == "no", (name, dependency)


def _settings_env_names() -> set[str]:
    names = set()
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        names.add(alias if isinstance(alias, str) else f"OFFRE_{name.upper()}")
    return names


_REQUIRED = re.compile(r"^\$\{(?P<var>[A-Z_]+):\?[^}]+\}$")


def test_environment_and_no_committed_secret(services: dict[str, dict[str, Any]]) -> None:
    settings_env = _settings_env_names()
    for name in APP_SERVICES:
        env = services[name]["environment"]
        database = re.fullmatch(
            r"postgresql://offre:(?P<pw>.+)@postgres:5432/offre", env["DATABASE_URL"]
        )
        assert database is not None, env["DATABASE_URL"]
        assert _REQUIRED.match(database["pw"]), "mot de passe en clair dans DATABASE_URL"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert _REQUIRED.match(env["OFFRE_SECRET_KEY"]), "OFFRE_SECRET_KEY doit venir du .env"
        for key in env:
            if key.startswith("OFFRE_"):
                assert key in settings_env, f"{name} : {key} n'est pas un réglage de Settings"
    password = services["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert (match := _REQUIRED.match(password)) and match["var"] == "POSTGRES_PASSWORD"
    assert _REQUIRED.match(services["flower"]["environment"]["FLOWER_BASIC_AUTH"])
    # Flower is published on the host's loopback interface only.
    assert all(p.startswith("127.0.0.1:") for p in services["flower"]["ports"])


# -- deploy/Dockerfile ---------------------------------------------------------------------------


def test_dockerfile_base_image_and_install() -> None:
    steps = dockerfile()
    bases = [args.split()[0] for keyword, args in steps if keyword == "FROM"]
    # Python stages, and one Node stage that only installs the console's DSFR files.
    assert bases and all(base in ("python:3.11-slim", "node:20-slim") for base in bases), bases
    assert bases[-1] == "python:3.11-slim" and bases.count("node:20-slim") <= 1, bases
    runs = [args for keyword, args in steps if keyword == "RUN"]
    installs = [r for r in runs if "pip install" in r]
    assert len(installs) == 1, installs
    assert re.search(r"pip install -c constraints\.txt \.(\s|$)", installs[0]), installs[0]
    for run in runs:
        assert "[test]" not in run and "pip install -e" not in run, run
        for dev in ("pytest", "mypy", "ruff", "hypothesis"):
            assert dev not in run, run


def test_dockerfile_copies_existing_files_and_every_package() -> None:
    copied: set[str] = set()
    for keyword, args in dockerfile():
        if keyword != "COPY":
            continue
        parts = args.split()
        flags = [p for p in parts if p.startswith("--")]
        paths = [p for p in parts if not p.startswith("--")]
        if any(f.startswith("--from=") for f in flags):
            continue
        for source in paths[:-1]:
            assert (ROOT / source).exists(), f"COPY {source} : absent du dépôt"
            copied.add(source.rstrip("/"))
    assert {"pyproject.toml", "constraints.txt"} <= copied
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages <= copied, f"paquets non copiés dans l'image : {packages - copied}"


def test_dockerfile_runs_offre_as_an_unprivileged_user() -> None:
    steps = dockerfile()
    users = [args for keyword, args in steps if keyword == "USER"]
    assert users, "aucun USER : l'image tournerait en root"
    assert users[-1].split(":")[0] not in ("root", "0")
    keywords = [keyword for keyword, _ in steps]
    assert keywords.index("USER") < keywords.index("ENTRYPOINT")
    (entrypoint,) = dockerfile_instruction("ENTRYPOINT")
    target = [
        args.split()
        for keyword, args in steps
        if keyword == "COPY" and args.split()[-1].endswith(entrypoint)
    ]
    assert len(target) == 1 and "deploy/entrypoint.sh" in target[0], target
    assert "--chmod=0755" in target[0] or os.access(ENTRYPOINT, os.X_OK)
    command = dockerfile_instruction("CMD")
    assert parse_cli(command) == {"port": 8000, "host": None}
    assert command == EXPECTED_COMMANDS["api"]


# -- deploy/entrypoint.sh ------------------------------------------------------------------------


# The CLI and the entrypoint are run for real in tests/e2e/test_deploy_commands.py.


# -- deploy/README.md ----------------------------------------------------------------------------


def test_readme_documents_the_stack(services: dict[str, dict[str, Any]]) -> None:
    text = README.read_text(encoding="utf-8")
    for name, service in services.items():
        assert f"`{name}`" in text, name
        if name in APP_SERVICES:
            assert f"`{' '.join(service['command'])}`" in text, name
    assert "--scale worker=" in text
    assert "Flower" in text
    compose_text = COMPOSE.read_text(encoding="utf-8")
    settings_env = _settings_env_names()
    for variable in set(re.findall(r"`((?:OFFRE|FLOWER|POSTGRES)_[A-Z_]+)`", text)):
        known = variable in settings_env or f"${{{variable}" in compose_text
        assert known, f"{variable} : ni réglage de Settings ni variable du compose"
    for variable in ("DATABASE_URL", "REDIS_URL", "OFFRE_SECRET_KEY"):
        assert f"`{variable}`" in text
