"""docker-compose.yml and .env.example agree with the real CLI and the real settings."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from dotenv import dotenv_values
from pydantic import BaseModel

from services.cli import SERVICES, _parser
from shared.config import Settings
from shared.sources.declared.loader import builtin_variables, load_sources

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"

ITEM_SYNC_SERVICES = ("migrate", "api", "scheduler", "fetcher", "writer")
# Interpolated by compose but read by no Settings: the schema owner's password, given
# only to the mysql init and to migrate (as its DATABASE_PASSWORD).
DEPLOYMENT_VARIABLES = {"MIGRATE_DATABASE_PASSWORD"}
RUNTIME_GRANTS = {"SELECT", "INSERT", "UPDATE"}
MIGRATE_GRANTS = RUNTIME_GRANTS | {"CREATE", "ALTER", "INDEX"}
GRANT = re.compile(r"GRANT (.+?) ON (\S+) TO '([a-z_]+)'@'%'", re.S)
# Variables only compose reads (never item-sync), each with what it means.
COMPOSE_ONLY = {"API_BIND": "the host address the API's port is published on"}
# `${NAME}`, `${NAME:-default}`, `${NAME-default}`: what compose puts there with NAME unset.
COMPOSE_DEFAULT = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")
# `${NAME}`, `${NAME:-default}` or `$NAME`, but not the `$$` escape.
COMPOSE_VARIABLE = re.compile(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)")
# `NAME=value`, or `# NAME=value` for a setting that is unset by default.
ENV_LINE = re.compile(r"^(?:#\s?)?([A-Z][A-Z0-9_]*)=(.*)$")


def compose() -> dict[str, Any]:
    """Return docker-compose.yml parsed, with YAML anchors and merge keys resolved."""
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def service(name: str) -> dict[str, Any]:
    """Return one service's definition from docker-compose.yml."""
    definition = compose()["services"][name]
    assert isinstance(definition, dict)
    return definition


def cli_subcommands() -> set[str]:
    """Return the subcommands the real ``item-sync`` argument parser accepts."""
    actions = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(actions) == 1
    return set(actions[0].choices)


def settings_variables() -> set[str]:
    """Return every environment variable ``Settings`` reads: ``SECTION_FIELD`` upper-cased."""
    names: set[str] = set()
    for section, field in Settings.model_fields.items():
        model = field.annotation
        assert isinstance(model, type), section
        assert issubclass(model, BaseModel), section
        for name in model.model_fields:
            names.add(f"{section.upper()}_{name.upper()}")
    return names


def service_variables() -> set[str]:
    """Every variable item-sync reads: Settings', the built-in definitions' and SOURCES_DIR."""
    return settings_variables() | builtin_variables() | {"SOURCES_DIR"}


def env_example() -> dict[str, str]:
    """Return the variables .env.example lists, commented-out ones included, with values."""
    found: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = ENV_LINE.match(line)
        if match:
            assert match[1] not in found, f"{match[1]} is listed twice"
            found[match[1]] = match[2]
    return found


def interpolate(value: str, **env: str) -> str:
    """``value`` as compose reads it with only ``env`` set: unset variables take their default."""
    return COMPOSE_DEFAULT.sub(lambda m: env.get(m[1], m[2] or ""), value)


def test_api_token_has_no_default_and_anonymous_writes_stay_off() -> None:
    """Compose invents no token: unset, the API refuses to start instead of taking a known one."""
    for name in ITEM_SYNC_SERVICES:
        environment = service(name)["environment"]
        assert interpolate(environment["API_TOKEN"]) == "", name
        assert interpolate(environment.get("API_ALLOW_ANONYMOUS_WRITES", "false")) == "false"
        assert interpolate(environment["API_TOKEN"], API_TOKEN="s3cret") == "s3cret"


def test_published_ports_bind_to_loopback_unless_opened() -> None:
    """Every published port listens on 127.0.0.1 by default; API_BIND opens the API on purpose."""
    for name, definition in compose()["services"].items():
        for port in definition.get("ports", []):
            assert interpolate(str(port)).startswith("127.0.0.1:"), name
    opened = [interpolate(port, API_BIND="192.0.2.10") for port in service("api")["ports"]]
    assert opened == ["192.0.2.10:8080:8080"]


def test_settings_variables_are_derived_from_the_real_model() -> None:
    """The variable set built from Settings holds known names and every section."""
    names = settings_variables()
    assert {"API_API_TYPE", "WORKER_SYNC_INTERVAL", "DATABASE_POOL_SIZE"} <= names
    assert "STREAM_CLAIM_IDLE" in names
    assert {"OPENWEATHER_API_KEY_FILE", "POKEAPI_MAX_ITEMS"} <= service_variables()
    assert {name.split("_", 1)[0] for name in names} == {s.upper() for s in Settings.model_fields}


@pytest.mark.parametrize("name", ITEM_SYNC_SERVICES)
def test_item_sync_services_build_here_and_run_a_real_subcommand(name: str) -> None:
    """Each item-sync service builds from the repo root and runs a subcommand the CLI accepts."""
    definition = service(name)
    build = definition["build"]
    context = build["context"] if isinstance(build, dict) else build
    assert context == "."
    command = definition["command"]
    first = command[0] if isinstance(command, list) else command.split()[0]
    assert first == name
    assert first in cli_subcommands()


def test_every_cli_service_is_deployed() -> None:
    """Every long-running service the CLI dispatches has a compose service of that name."""
    assert set(SERVICES) <= set(compose()["services"])
    assert set(SERVICES) <= set(ITEM_SYNC_SERVICES)


@pytest.mark.parametrize("name", ["mysql", "redis"])
def test_backing_services_have_healthchecks(name: str) -> None:
    """MySQL and Redis declare a healthcheck, so dependants can wait for `service_healthy`."""
    test = service(name)["healthcheck"]["test"]
    assert test[0] in {"CMD", "CMD-SHELL"}
    assert len(test) > 1


def test_dependants_wait_for_healthy_backing_services_and_migrations() -> None:
    """Migrate waits for a healthy MySQL; the API and workers wait for migrate and Redis."""
    assert service("migrate")["depends_on"]["mysql"]["condition"] == "service_healthy"
    for name in ("api", "scheduler", "fetcher", "writer"):
        depends = service(name)["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name


def test_api_healthcheck_hits_health() -> None:
    """The api healthcheck requests /health on the port the API listens on."""
    api = service("api")
    probe = " ".join(api["healthcheck"]["test"])
    assert "http://localhost:8080/health" in probe
    assert [interpolate(port) for port in api["ports"]] == ["127.0.0.1:8080:8080"]


@pytest.mark.parametrize("name", ["scheduler", "fetcher", "writer"])
def test_worker_healthcheck_runs_the_health_subcommand(name: str) -> None:
    """Each worker's healthcheck runs `item-sync health`, a subcommand the CLI accepts."""
    test = service(name)["healthcheck"]["test"]
    assert test[:3] == ["CMD", "item-sync", "health"]
    assert "health" in cli_subcommands()
    args = _parser().parse_args(test[2:])
    assert args.command == "health"
    assert "METRICS_PORT" not in service(name)["environment"]  # the default, 8091, is probed


def test_fetcher_is_scalable() -> None:
    """The fetcher has no container_name and no host port, so `--scale fetcher=N` works."""
    fetcher = service("fetcher")
    assert "container_name" not in fetcher
    assert "ports" not in fetcher


def test_compose_variables_are_settings() -> None:
    """Every ${VAR} compose interpolates and every variable item-sync services get is read."""
    known = service_variables()
    referenced = set(COMPOSE_VARIABLE.findall(COMPOSE_FILE.read_text(encoding="utf-8")))
    assert referenced, "docker-compose.yml interpolates no variable"
    assert referenced - known - DEPLOYMENT_VARIABLES - set(COMPOSE_ONLY) == set()
    for name in ITEM_SYNC_SERVICES:
        environment = service(name)["environment"]
        assert isinstance(environment, dict), name
        assert set(environment) - known == set(), name
        assert environment["DATABASE_HOST"] == "mysql"
        assert environment["REDIS_HOST"] == "redis"


def test_env_example_lists_only_settings_variables() -> None:
    """Every variable in .env.example is one that Settings reads."""
    assert set(env_example()) - service_variables() == set()


def test_env_example_lists_every_settings_variable() -> None:
    """Every variable Settings reads appears in .env.example."""
    assert service_variables() - set(env_example()) == set()


def test_env_example_leaves_secrets_empty() -> None:
    """Passwords, keys and tokens carry no value in .env.example."""
    for name, value in env_example().items():
        if any(word in name for word in ("PASSWORD", "KEY", "TOKEN")):
            assert value == "", name


def test_env_example_values_are_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading .env.example yields exactly the settings you get with nothing set."""
    for name in settings_variables():
        monkeypatch.delenv(name, raising=False)
    from_example = Settings(_env_file=ENV_EXAMPLE)
    defaults = Settings(_env_file=None)
    assert from_example.model_dump() == defaults.model_dump()
    example_env = {k: v for k, v in dotenv_values(ENV_EXAMPLE).items() if v is not None}
    assert {
        name: source.definition
        for name, source in load_sources(env=example_env, sources_dir=None).items()
    } == {
        name: source.definition for name, source in load_sources(env={}, sources_dir=None).items()
    }


def _user_grants() -> dict[str, tuple[set[str], str]]:
    """user -> (privileges, on what) from the mysql init config."""
    content = compose()["configs"]["mysql-users"]["content"]
    return {
        user: ({p.strip() for p in privileges.split(",")}, target)
        for privileges, target, user in GRANT.findall(content)
    }


def test_services_use_a_least_privilege_database_user() -> None:
    """Services connect as item_sync (rows only), migrate as item_sync_migrate; never root."""
    for name in ("api", "scheduler", "fetcher", "writer"):
        assert service(name)["environment"]["DATABASE_USER"] == "item_sync", name
    assert service("migrate")["environment"]["DATABASE_USER"] == "item_sync_migrate"
    grants = _user_grants()
    assert grants["item_sync"] == (RUNTIME_GRANTS, "item_sync.*")
    assert grants["item_sync_migrate"] == (MIGRATE_GRANTS, "item_sync.*")
    content = compose()["configs"]["mysql-users"]["content"]
    assert "ALL" not in content
    assert "GRANT OPTION" not in content


def test_mysql_creates_the_users_on_first_start_and_root_is_unused() -> None:
    """The init config is mounted where the image runs it; root has no known password."""
    mysql = service("mysql")
    (mounted,) = mysql["configs"]
    assert mounted["source"] == "mysql-users"
    assert mounted["target"].startswith("/docker-entrypoint-initdb.d/")
    assert mounted["target"].endswith(".sql")
    assert mysql["environment"] == {"MYSQL_RANDOM_ROOT_PASSWORD": "yes"}


def redis_options() -> dict[str, str]:
    """The ``--option value`` pairs the redis service starts ``redis-server`` with."""
    command = service("redis")["command"]
    assert isinstance(command, list)
    assert command[0] == "redis-server"
    pairs = command[1:]
    assert len(pairs) % 2 == 0, pairs
    return {str(pairs[i]).removeprefix("--"): str(pairs[i + 1]) for i in range(0, len(pairs), 2)}


def megabytes(size: str) -> int:
    """Redis's ``512mb`` / ``1gb`` memory sizes in bytes."""
    match = re.fullmatch(r"(\d+)(mb|gb)", size.lower())
    assert match is not None, size
    return int(match[1]) * 1024 ** {"mb": 2, "gb": 3}[match[2]]


def test_redis_runs_as_a_queue_that_keeps_its_data() -> None:
    """Redis appends every write to an AOF fsynced each second, on a named volume."""
    options = redis_options()
    assert options["appendonly"] == "yes"
    assert options["appendfsync"] == "everysec"
    volumes = service("redis")["volumes"]
    assert "redis-data:/data" in volumes  # the image's working directory, where the AOF goes
    assert "redis-data" in compose()["volumes"]


def test_redis_refuses_writes_rather_than_evict_and_fits_the_backpressure_budget() -> None:
    """A full Redis evicts nothing, and its maxmemory leaves room above the pages budget."""
    options = redis_options()
    assert options["maxmemory-policy"] == "noeviction"
    environment = service("fetcher")["environment"]
    budget = re.fullmatch(
        r"\$\{STREAM_PAGES_MAX_BYTES:-(\d+)\}", environment["STREAM_PAGES_MAX_BYTES"]
    )
    assert budget is not None
    assert int(budget[1]) == Settings(_env_file=None).stream.pages_max_bytes
    # fetchers stop at the budget, but the pages they hold still land, and the cache needs room
    assert megabytes(options["maxmemory"]) >= 2 * int(budget[1])
