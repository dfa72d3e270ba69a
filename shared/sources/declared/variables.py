"""Which environment variables a definition's values come from, for messages that name them.

A problem with a substituted value names the variable it was read from
(``list.paginator.limit: ... (from POKEAPI_PAGE_SIZE='0')``), so an operator fixes the
variable, not the shipped file. Values under ``auth`` are secrets and shown as ``***``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from shared.sources.declared.paths import MISSING, walk
from shared.sources.declared.problems import Problem

_VARIABLE = re.compile(r"\$\{(?!file:)([A-Za-z_][A-Za-z0-9_]*)")
_MASKED_SECTION = "auth"


def variables_in(text: str) -> list[str]:
    """The variable names ``${...}`` expressions in ``text`` read, in order, once each."""
    return list(dict.fromkeys(_VARIABLE.findall(text)))


def written_at(written: Any, key: str) -> Any:
    """The value as written at a problem's key path (``list.paginator.limit``), if any."""
    value = walk(written, key.split(".") if key else [])
    return None if value is MISSING else value


def naming_variables(
    problems: list[Problem], written: Any, env: Mapping[str, str]
) -> list[Problem]:
    """``problems`` with each one's message naming the set variables its value came from."""
    named: list[Problem] = []
    for problem in problems:
        value = written_at(written, problem.key)
        names = [n for n in variables_in(value) if n in env] if isinstance(value, str) else []
        if not names:
            named.append(problem)
            continue
        secret = problem.key.split(".")[0] == _MASKED_SECTION
        shown = ", ".join(f"{n}={'***' if secret else repr(env[n])}" for n in names)
        named.append(Problem(problem.file, problem.key, f"{problem.message} (from {shown})"))
    return named
