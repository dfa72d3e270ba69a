"""${VAR}, ${VAR:-default} and ${file:PATH} in definitions: replaced after parsing, never YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shared.sources.declared.loader import parse_definition
from shared.sources.declared.problems import DefinitionError, Problem
from shared.sources.declared.substitution import (
    protect_expressions,
    restore_expressions,
    substitute,
)

FILE = Path("/defs/github.yaml")


def _one(value: Any, env: dict[str, str], file: Path = FILE) -> Any:
    return substitute({"v": value}, env=env, file=file)["v"]


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("${A}", {"A": "x"}, "x"),
        ("pre-${A}-post", {"A": "x"}, "pre-x-post"),
        ("${A}${B}", {"A": "1", "B": "2"}, "12"),
        ("${A:-d}", {}, "d"),
        ("${A:-d}", {"A": ""}, "d"),
        ("${A:-d}", {"A": "set"}, "set"),
        ("${A:-}", {}, ""),
        ("${A}", {"A": ""}, ""),
        ("${A:-${B:-inner}}", {}, "inner"),
        ("${A:-${B}}", {"B": "b"}, "b"),
        ("${A:-100/s}", {}, "100/s"),
        ("$${A}", {"A": "x"}, "${A}"),
        ("no dollar", {}, "no dollar"),
        ("$A and $ alone", {}, "$A and $ alone"),
    ],
)
def test_expressions_are_replaced_from_the_environment(
    text: str, env: dict[str, str], expected: str
) -> None:
    """Each form gives the variable, or its default when unset or empty, as a shell does."""
    assert _one(text, env) == expected


def test_a_default_is_not_evaluated_when_the_variable_is_set() -> None:
    """``${A:-${MISSING}}`` with A set never looks at MISSING."""
    assert _one("${A:-${MISSING}}", {"A": "a"}) == "a"


def test_only_string_values_are_substituted_and_keys_are_kept() -> None:
    """Numbers, booleans and keys pass through; lists and nested mappings are walked."""
    data = {"${K}": [1, True, None, {"x": "${A}"}]}
    assert substitute(data, env={"A": "a", "K": "k"}, file=FILE) == {
        "${K}": [1, True, None, {"x": "a"}]
    }


def test_a_missing_variable_without_default_names_file_key_and_variable() -> None:
    """Each unset variable is one problem naming the file, the key path and the variable."""
    data = {"auth": {"token": "${GITHUB_TOKEN}"}, "list": {"params": ["${X}", "${Y:-y}"]}}
    with pytest.raises(DefinitionError) as caught:
        substitute(data, env={}, file=FILE)
    assert [str(p) for p in caught.value.problems] == [
        "/defs/github.yaml: auth.token: ${GITHUB_TOKEN} is not set and has no default "
        "(write ${GITHUB_TOKEN:-…})",
        "/defs/github.yaml: list.params.0: ${X} is not set and has no default (write ${X:-…})",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${A", "a ${ without its closing }; write $${ for a literal ${"),
        (
            "${not a name}",
            "${not a name} is not an expression; use ${NAME}, ${NAME:-default} or ${file:PATH}",
        ),
        ("${}", "${} is not an expression; use ${NAME}, ${NAME:-default} or ${file:PATH}"),
        ("${file:}", "${file:} names no file"),
    ],
)
def test_malformed_expressions_are_one_line_each(text: str, message: str) -> None:
    """An expression that is not one of the three forms names itself and the forms."""
    with pytest.raises(DefinitionError) as caught:
        _one(text, {})
    assert caught.value.problems == [Problem(FILE, "v", message)]


def test_file_expressions_read_a_secret_file_without_its_final_newline(tmp_path: Path) -> None:
    """``${file:PATH}`` reads the file (Docker and Kubernetes secrets end with a newline)."""
    (tmp_path / "key").write_text("s3cret-key\n", encoding="utf-8")
    assert _one(f"${{file:{tmp_path}/key}}", {}) == "s3cret-key"


def test_a_relative_file_path_is_read_from_the_definitions_folder(tmp_path: Path) -> None:
    """A relative path counts from the folder of the file that names it, not the cwd."""
    (tmp_path / "token.txt").write_text("tok-123", encoding="utf-8")
    assert _one("${file:token.txt}", {}, file=tmp_path / "github.yaml") == "tok-123"


def test_a_file_path_may_come_from_a_variable(tmp_path: Path) -> None:
    """``${KEY:-${file:${KEY_FILE}}}`` reads the file a variable names when KEY is unset."""
    (tmp_path / "k").write_text("from-file", encoding="utf-8")
    env = {"KEY_FILE": str(tmp_path / "k")}
    assert _one("${KEY:-${file:${KEY_FILE}}}", env) == "from-file"
    assert _one("${KEY:-${file:${KEY_FILE}}}", {**env, "KEY": "from-env"}) == "from-env"


def test_an_unreadable_file_is_a_problem_that_never_shows_content(tmp_path: Path) -> None:
    """A missing secret file names the expression and the reason."""
    with pytest.raises(DefinitionError) as caught:
        _one(f"${{file:{tmp_path}/absent}}", {})
    assert str(caught.value) == (
        f"/defs/github.yaml: v: ${{file:{tmp_path}/absent}} cannot be read: "
        "No such file or directory"
    )


def test_a_value_can_never_inject_yaml() -> None:
    """A variable holding YAML stays one string: it adds no keys and changes no types."""
    text = (
        "name: evil\nbase_url: https://a.example\nlist:\n  path: /x\n  params: {q: ${Q}}\n"
        "  paginator: {type: single}\n  records: $\n  id: id\n"
    )
    definition = parse_definition(text, file=FILE, env={"Q": "x\n  injected: true\nfoo: [1]"})
    assert definition.list_.params == {"q": "x\n  injected: true\nfoo: [1]"}


def test_expressions_in_flow_mappings_parse_as_the_format_writes_them() -> None:
    """``auth: {type: bearer, token: ${GITHUB_TOKEN}}`` is valid, though YAML forbids braces."""
    text = (
        "name: gh\nbase_url: https://api.github.example\n"
        "auth: {type: bearer, token: ${GITHUB_TOKEN}}\n"
        "list: {path: /issues, paginator: {type: link_header}, records: $, id: id,\n"
        "       params: {since: '${SINCE:-x}', per_page: ${PER_PAGE:-100}}}\n"
    )
    definition = parse_definition(text, file=FILE, env={"GITHUB_TOKEN": "ghp_123456"})
    assert definition.secret_values() == ["ghp_123456"]
    assert definition.list_.params == {"since": "x", "per_page": "100"}


def test_protected_text_keeps_yaml_columns() -> None:
    """The token standing for an expression is as long as it, so YAML's columns stay right."""
    text = "a: {b: ${LONG_NAME:-default}, c: ${X}}"
    protected, expressions = protect_expressions(text)
    assert len(protected) == len(text)
    assert expressions == ["${LONG_NAME:-default}", "${X}"]
    assert restore_expressions({"v": protected}, expressions) == {"v": text}
