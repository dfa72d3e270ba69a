"""``item-sync sources list | validate | schema`` run as a user runs them: a real process."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness.processes import run_cli, service_env
from shared.sources.declared import BUILTIN_DIR

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "a-token-nobody-may-see-0123"
GITHUB = """\
name: github
base_url: ${GITHUB_BASE_URL:-https://api.github.com}
auth: {type: bearer, token: ${GITHUB_TOKEN}}
list:
  path: /repos/acme/widgets/issues
  params: {state: all, per_page: 100}
  paginator: {type: link_header}
  records: $
  id: number
  name: title
"""
MISSPELLED = """\
name: broken
base_url: https://broken.example
list:
  path: /items
  paginater: {type: single}
  records: $
  id: id
"""


@pytest.fixture
def sources_dir(tmp_path: Path) -> Path:
    """A SOURCES_DIR holding one valid definition, ``github``."""
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "github.yaml").write_text(GITHUB, encoding="utf-8")
    return folder


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli("sources", *args, env=service_env(**env), cwd=ROOT)


def test_list_shows_every_source_its_file_and_whether_it_is_enabled(sources_dir: Path) -> None:
    """A SOURCES_DIR file is listed, not enabled, with its path."""
    done = _cli("list", SOURCES_DIR=str(sources_dir), GITHUB_TOKEN=TOKEN)
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines()[1:]}
    assert done.stdout.splitlines()[0].split() == ["name", "enabled", "file"]
    assert rows["github"][1:3] == ["no", str(sources_dir / "github.yaml")]
    assert TOKEN not in done.stdout + done.stderr


def test_validate_the_configured_set_prints_one_ok_line(sources_dir: Path) -> None:
    """No problem: exit 0 and one line naming what was checked."""
    done = _cli("validate", SOURCES_DIR=str(sources_dir), GITHUB_TOKEN=TOKEN)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: ")
    assert "github" in done.stdout
    assert len(done.stdout.splitlines()) == 1


def test_a_misspelled_key_is_one_line_naming_file_and_key(tmp_path: Path) -> None:
    """validate FILE: exit 2, and the line says which file, which key, and what is allowed."""
    file = tmp_path / "broken.yaml"
    file.write_text(MISSPELLED, encoding="utf-8")
    done = _cli("validate", str(file))
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert f"{file}: list.paginater: unknown key; allowed: path, params, paginator," in done.stderr
    assert f"{file}: list.paginator: required, and missing" in lines
    assert lines[-1] == "2 problems in 1 file"
    assert done.stdout == ""


def test_a_bad_file_in_sources_dir_fails_list_and_validate(sources_dir: Path) -> None:
    """The configured set is checked as start-up loads it: a broken file is exit 2 for both."""
    (sources_dir / "broken.yaml").write_text(MISSPELLED, encoding="utf-8")
    for action in ("validate", "list"):
        done = _cli(action, SOURCES_DIR=str(sources_dir), GITHUB_TOKEN=TOKEN)
        assert done.returncode == 2, action
        assert f"{sources_dir / 'broken.yaml'}: list.paginater: unknown key" in done.stderr


def test_a_missing_variable_is_named_and_no_secret_is_printed(sources_dir: Path) -> None:
    """Without GITHUB_TOKEN the definition does not load; the line names the variable."""
    done = _cli("validate", SOURCES_DIR=str(sources_dir))
    assert done.returncode == 2
    file = sources_dir / "github.yaml"
    assert done.stderr.startswith(f"{file}: auth.token: ${{GITHUB_TOKEN}} is not set")


def test_schema_is_json_schema_of_the_format() -> None:
    """schema prints one JSON document, without reading any setting."""
    done = _cli("schema", DATABASE_PORT="not-a-port")
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"name", "base_url", "list"} <= set(schema["required"])


def test_a_user_file_replaces_the_builtin_of_its_name(sources_dir: Path) -> None:
    """A SOURCES_DIR file whose name is a built-in's is the one listed, and says so."""
    shipped = sorted(BUILTIN_DIR.glob("*.yaml"))
    if not shipped:
        pytest.skip("no built-in definition ships yet")
    name = shipped[0].stem
    mine = sources_dir / f"my-{name}.yaml"
    mine.write_text(GITHUB.replace("name: github", f"name: {name}"), encoding="utf-8")
    done = _cli("list", SOURCES_DIR=str(sources_dir), GITHUB_TOKEN=TOKEN)
    assert done.returncode == 0, done.stderr
    (row,) = [line for line in done.stdout.splitlines() if line.split()[0] == name]
    assert row.split()[2:] == [str(mine), "(replaces", "the", "built-in)"]
    assert str(shipped[0]) not in done.stdout
    validated = _cli("validate", SOURCES_DIR=str(sources_dir), GITHUB_TOKEN=TOKEN)
    assert validated.returncode == 0, validated.stderr
