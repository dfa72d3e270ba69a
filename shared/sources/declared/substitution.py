"""``${VAR}``, ``${VAR:-default}`` and ``${file:PATH}`` in a definition's string values.

Substitution runs on the parsed YAML, one string scalar at a time, so a value from the
environment or a secret file stays one string: it can never add keys or YAML syntax.
Keys are not substituted. ``$${`` writes a literal ``${``. A default may itself hold an
expression (``${KEY:-${file:/run/secrets/key}}``), evaluated only when the variable is
unset or empty, as in a shell; ``${VAR:+text}`` is ``text`` only when ``VAR`` is set and
not empty (``${KEY_FILE:+${file:${KEY_FILE}}}`` reads a file only when one is named).
A relative ``${file:}`` path is read from the file's folder.

YAML does not allow ``{`` and ``}`` in a flow mapping's plain values, and the format's own
examples write ``auth: {type: bearer, token: ${GITHUB_TOKEN}}``. So before parsing, each
expression's text is swapped for an inert token of the same length (YAML's line and
column numbers stay right) and swapped back into the parsed strings: still text, still
substituted after parsing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shared.sources.declared.problems import DefinitionError, Problem

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MARK, _PAD = "\u2063", "\u2064"  # invisible separator and plus: plain-scalar text to YAML
_TOKEN = re.compile(f"{_MARK}([0-9]+){_PAD}*")
_FILE = "file:"
_DEFAULT = ":-"
_ALTERNATIVE = ":+"  # ${VAR:+text}: text when VAR is set and not empty, else empty (a shell's)


class _Unresolved(ValueError):
    """One expression that cannot be replaced; the caller adds file and key."""


def protect_expressions(text: str) -> tuple[str, list[str]]:
    """``text`` with each ``${...}`` replaced by a token, and the expressions by number."""
    if _MARK in text or _PAD in text:
        return text, []  # never met in a real file; then expressions go unprotected
    out: list[str] = []
    expressions: list[str] = []
    i = 0
    while (start := text.find("${", i)) >= 0:
        try:
            end = _closing(text, start + 2)
        except _Unresolved:
            break  # left as it is: substitution names the problem with its key
        escaped = start > 0 and text[start - 1] == "$"
        expression = text[start : end + 1]
        out.append(text[i:start])
        if escaped:
            out.append(expression)
        else:
            number = str(len(expressions))
            expressions.append(expression)
            out.append(_MARK + number + _PAD * (len(expression) - 1 - len(number)))
        i = end + 1
    out.append(text[i:])
    return "".join(out), expressions


def restore_expressions(data: Any, expressions: list[str]) -> Any:
    """Parsed ``data`` with the tokens of ``protect_expressions`` turned back into text."""
    if not expressions:
        return data
    if isinstance(data, dict):
        return {
            restore_expressions(k, expressions): restore_expressions(v, expressions)
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [restore_expressions(v, expressions) for v in data]
    if isinstance(data, str):
        return _TOKEN.sub(lambda match: expressions[int(match[1])], data)
    return data


def substitute(data: Any, *, env: Mapping[str, str], file: Path) -> Any:
    """``data`` with every expression in its string values replaced; a ``DefinitionError``
    naming file, key and variable for each one that cannot be."""
    result, problems = substitute_all(data, env=env, file=file)
    if problems:
        raise DefinitionError(problems)
    return result


def substitute_all(data: Any, *, env: Mapping[str, str], file: Path) -> tuple[Any, list[Problem]]:
    """Like ``substitute``, but a value that cannot be replaced stays as written and
    its problem is returned, so the rest of the file can still be checked."""
    problems: list[Problem] = []
    expander = _Expander(env, file.parent)

    def walk(value: Any, key: list[str]) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, [*key, str(k)]) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, [*key, str(i)]) for i, v in enumerate(value)]
        if isinstance(value, str):
            try:
                return expander.expand(value)
            except _Unresolved as exc:
                problems.append(Problem(file, ".".join(key), str(exc)))
        return value

    return walk(data, []), problems


class _Expander:
    def __init__(self, env: Mapping[str, str], base_dir: Path) -> None:
        self._env = env
        self._base_dir = base_dir

    def expand(self, text: str) -> str:
        out: list[str] = []
        i = 0
        while i < len(text):
            if text.startswith("$${", i):
                out.append("${")
                i += 3
            elif text.startswith("${", i):
                end = _closing(text, i + 2)
                out.append(self._evaluate(text[i + 2 : end]))
                i = end + 1
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    def _evaluate(self, expression: str) -> str:
        if expression.startswith(_FILE):
            return self._read(self.expand(expression.removeprefix(_FILE)))
        name, has_default, default = expression.partition(_DEFAULT)
        if _ALTERNATIVE in name:
            name, _, alternative = expression.partition(_ALTERNATIVE)
            if _NAME.match(name):
                return self.expand(alternative) if self._env.get(name) else ""
        if not _NAME.match(name):
            raise _Unresolved(
                f"${{{expression}}} is not an expression; use ${{NAME}}, "
                "${NAME:-default} or ${file:PATH}"
            )
        value = self._env.get(name)
        if value:
            return value
        if has_default:
            return self.expand(default)
        if value is not None:
            return value  # set and empty, with no default: the empty value
        raise _Unresolved(f"${{{name}}} is not set and has no default (write ${{{name}:-…}})")

    def _read(self, path_text: str) -> str:
        if not path_text:
            raise _Unresolved("${file:} names no file")
        path = self._base_dir / Path(path_text).expanduser()
        try:
            # Secret files usually end with a newline that is no part of the secret.
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise _Unresolved(f"${{file:{path_text}}} cannot be read: {reason}") from None


def _closing(text: str, start: int) -> int:
    """The index of the ``}`` that closes the expression opened just before ``start``."""
    depth, i = 1, start
    while i < len(text):
        if text.startswith("${", i):
            depth, i = depth + 1, i + 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise _Unresolved("a ${ without its closing }; write $${ for a literal ${")
