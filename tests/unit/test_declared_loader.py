"""Built-in and user definitions, secrets, the status table and the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.sources.declared.loader import (
    BUILTIN_DIR,
    check_files,
    check_sources,
    load_sources,
    parse_definition,
    read_definition,
)
from shared.sources.declared.models import SourceDefinition
from shared.sources.declared.problems import DefinitionError
from shared.sources.declared.schema import json_schema

LIST = "list: {path: /items, paginator: {type: single}, records: $, id: id}\n"


def _write(folder: Path, file: str, name: str, extra: str = "") -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / file
    path.write_text(f"name: {name}\nbase_url: https://{name}.example\n{extra}{LIST}", "utf-8")
    return path


@pytest.fixture
def builtin(tmp_path: Path) -> Path:
    """A built-in folder holding ``alpha`` and ``beta``."""
    folder = tmp_path / "builtin"
    _write(folder, "alpha.yaml", "alpha")
    _write(folder, "beta.yaml", "beta")
    return folder


def test_builtin_and_user_sources_are_loaded_by_name(builtin: Path, tmp_path: Path) -> None:
    """Every built-in definition and every user file is a source, sorted by name."""
    user = tmp_path / "user"
    _write(user, "gamma.yml", "gamma")
    sources = load_sources(env={}, sources_dir=user, builtin_dir=builtin)
    assert list(sources) == ["alpha", "beta", "gamma"]
    assert sources["alpha"].builtin
    assert not sources["gamma"].builtin
    assert sources["gamma"].file == user / "gamma.yml"


def test_a_user_file_replaces_the_builtin_of_the_same_name(builtin: Path, tmp_path: Path) -> None:
    """A user file whose name is a built-in one wins, whatever the file is called."""
    user = tmp_path / "user"
    mine = _write(user, "my-alpha.yaml", "alpha", extra="concurrency: 2\n")
    sources = load_sources(env={}, sources_dir=user, builtin_dir=builtin)
    assert sources["alpha"].file == mine
    assert sources["alpha"].definition.concurrency == 2


def test_a_replaced_builtin_is_not_read(tmp_path: Path) -> None:
    """A built-in that needs a variable the user never sets is no problem once replaced."""
    builtin = tmp_path / "builtin"
    _write(builtin, "alpha.yaml", "alpha", extra="headers: {X-Key: '${ALPHA_KEY}'}\n")
    user = tmp_path / "user"
    _write(user, "alpha.yaml", "alpha")
    assert check_sources(env={}, sources_dir=user, builtin_dir=builtin) == []
    with pytest.raises(DefinitionError, match=r"ALPHA_KEY"):
        load_sources(env={}, sources_dir=None, builtin_dir=builtin)


def test_two_user_files_with_one_name_are_an_error(builtin: Path, tmp_path: Path) -> None:
    """The second file defining a name is a problem naming both files."""
    user = tmp_path / "user"
    first = _write(user, "a.yaml", "gamma")
    second = _write(user, "b.yaml", "gamma")
    with pytest.raises(DefinitionError) as caught:
        load_sources(env={}, sources_dir=user, builtin_dir=builtin)
    assert str(caught.value) == f"{second}: name: 'gamma' is also defined in {first}"


def test_hidden_and_other_files_in_the_user_folder_are_not_definitions(
    builtin: Path, tmp_path: Path
) -> None:
    """Only ``*.yaml`` and ``*.yml`` count; editor and hidden files do not."""
    user = tmp_path / "user"
    _write(user, "gamma.yaml", "gamma")
    (user / ".gamma.yaml.swp").write_text("junk", "utf-8")
    (user / ".hidden.yaml").write_text("junk: [", "utf-8")
    (user / "README.md").write_text("notes", "utf-8")
    assert list(load_sources(env={}, sources_dir=user, builtin_dir=builtin)) == [
        "alpha",
        "beta",
        "gamma",
    ]


def test_a_sources_dir_that_is_not_a_folder_is_an_error(builtin: Path, tmp_path: Path) -> None:
    """SOURCES_DIR naming nothing is a start-up problem, not an empty set of sources."""
    problems = check_sources(env={}, sources_dir=tmp_path / "nope", builtin_dir=builtin)
    assert [str(p) for p in problems] == [f"{tmp_path / 'nope'}: SOURCES_DIR is not a directory"]


def test_check_files_lists_every_problem_of_every_file(tmp_path: Path) -> None:
    """``sources validate`` sees all problems of all files in one run."""
    good = _write(tmp_path, "good.yaml", "good")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Bad\nbase_url: nowhere\n" + LIST, "utf-8")
    twin = _write(tmp_path, "twin.yaml", "good")
    missing = tmp_path / "missing.yaml"
    assert [str(p) for p in check_files([good, bad, twin, missing], env={})] == [
        f"{bad}: name: must match ^[a-z][a-z0-9_]{{0,31}}$",
        f"{bad}: base_url: 'nowhere' is not an http:// or https:// URL with a host",
        f"{twin}: name: 'good' is also defined in {good}",
        f"{missing}: cannot be read: No such file or directory",
    ]


def test_a_builtin_file_is_named_after_its_source(tmp_path: Path) -> None:
    """A built-in is found by its file name when replaced, so the two must agree."""
    builtin = tmp_path / "builtin"
    wrong = _write(builtin, "alpha.yaml", "omega")
    problems = check_sources(env={}, sources_dir=None, builtin_dir=builtin)
    assert [str(p) for p in problems] == [f"{wrong}: name: a built-in file is named omega.yaml"]


def test_the_shipped_builtin_definitions_load() -> None:
    """Whatever ships in the package loads with an empty environment."""
    assert check_sources(env={}, sources_dir=None, builtin_dir=BUILTIN_DIR) == []


@pytest.mark.parametrize(
    ("auth", "secrets", "headers", "query"),
    [
        ("none", [], {}, {}),
        ("{type: bearer, token: tok-1234}", ["tok-1234"], {"Authorization": "Bearer tok-1234"}, {}),
        (
            "{type: api_key, in: header, name: X-Api-Key, value: k-5678}",
            ["k-5678"],
            {"X-Api-Key": "k-5678"},
            {},
        ),
        (
            "{type: api_key, in: query, name: appid, value: k-5678}",
            ["k-5678"],
            {},
            {"appid": "k-5678"},
        ),
        (
            "{type: basic, username: user, password: pa55word}",
            ["user", "pa55word", "dXNlcjpwYTU1d29yZA=="],
            {"Authorization": "Basic dXNlcjpwYTU1d29yZA=="},
            {},
        ),
    ],
)
def test_every_auth_value_is_listed_as_a_secret(
    tmp_path: Path, auth: str, secrets: list[str], headers: dict[str, str], query: dict[str, str]
) -> None:
    """Each kind of auth lists its values for redaction and says where they are sent."""
    definition = read_definition(_write(tmp_path, "s.yaml", "s", extra=f"auth: {auth}\n"), env={})
    assert definition.secret_values() == secrets
    assert definition.auth.headers() == headers
    assert definition.auth.query() == query
    assert "k-5678" not in repr(definition)


def test_an_empty_secret_loads_and_is_named_blank(tmp_path: Path) -> None:
    """A defined but unused source needs no key; the source refuses the job instead."""
    file = _write(tmp_path, "s.yaml", "s", extra="auth: {type: bearer, token: '${TOKEN:-}'}\n")
    definition = read_definition(file, env={})
    assert definition.secret_values() == []
    assert definition.auth.blank_fields() == ["token"]


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (429, "retry"),
        (503, "retry"),
        (404, "item_failed"),
        (401, "job_failed"),
        (403, "job_failed"),
        (400, "item_failed"),
        (410, "ignore"),
        (502, "ignore"),
        (500, "retry"),
        (418, "job_failed"),
    ],
)
def test_the_status_table_adds_to_the_defaults(tmp_path: Path, status: int, action: str) -> None:
    """The file's entries join the defaults; an exact status wins over a range, a narrow
    range over a wide one, so ``400-499`` leaves the defaults' 401, 403 and 429 alone."""
    table = (
        "errors: {410: ignore, 501-502: ignore, 400-499: job_failed, 400: item_failed,"
        " 404: item_failed}\n"
    )
    definition = read_definition(_write(tmp_path, "s.yaml", "s", extra=table), env={})
    assert definition.error_action(status) == action


def test_the_change_signal_is_read_under_base_url_or_at_its_own_url(tmp_path: Path) -> None:
    """``change_signal.path`` joins base_url; ``url`` replaces it; ``enabled: false`` skips it."""
    extra = (
        "change_signal: {path: /meta/, field: hash, url: '${SIGNAL_URL:-}',"
        " enabled: '${ON:-true}'}\n"
    )
    file = _write(tmp_path, "s.yaml", "s", extra=extra)
    signal = read_definition(file, env={}).change_signal
    assert signal is not None
    assert signal.signal_url("https://s.example") == "https://s.example/meta/"
    other = read_definition(file, env={"SIGNAL_URL": "http://cdn.example/m"}).change_signal
    assert other is not None
    assert other.signal_url("https://s.example") == "http://cdn.example/m"
    off = read_definition(file, env={"ON": "false"}).change_signal
    assert off is not None
    assert off.signal_url("https://s.example") is None


def test_the_json_schema_comes_from_the_models() -> None:
    """The schema forbids unknown keys and names every paginator type and auth form."""
    schema = json_schema()
    text = json.dumps(schema)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"name", "base_url", "list"}
    for paginator in ("single", "offset", "page_number", "cursor", "next_url", "link_header"):
        assert f'"const": "{paginator}"' in text
    assert '"const": "none"' in text
    assert set(SourceDefinition.model_fields) - {"list_"} <= set(schema["properties"]) | {"list"}


def test_the_full_examples_of_the_shipped_format_load() -> None:
    """Every complete definition in SOURCES.md (pokemon, openweather) is valid as written."""
    text = (BUILTIN_DIR.parent / "SOURCES.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    examples = [block for block in blocks if block.startswith("name: ")]
    assert len(examples) == 2
    for block in examples:
        definition = parse_definition(
            block, file=Path("SOURCES.md"), env={"OPENWEATHER_API_KEY": "ow-key-123"}
        )
        assert definition.name in ("pokemon", "openweather")


def test_the_json_schema_lets_numbers_and_paths_be_expressions() -> None:
    """``limit: ${PAGE_SIZE:-20}`` is valid to an editor, as it is to the loader."""
    offset = json_schema()["$defs"]["OffsetPaginator"]["properties"]
    assert {"type": "integer", "minimum": 1} in offset["limit"]["anyOf"]
    assert any(s.get("pattern") == r"\$\{" for s in offset["limit"]["anyOf"])
    assert any(s.get("pattern") == r"\$\{" for s in offset["total"]["anyOf"][0]["anyOf"])
