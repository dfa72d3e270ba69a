"""Finding and loading definitions: the built-in ones, then ``SOURCES_DIR``'s, strictly.

A file is read with a YAML loader that keeps timestamps as text and rejects a repeated
key (PyYAML would keep the last silently), its strings are substituted (substitution.py),
and the result is validated against ``SourceDefinition``. Every problem of every file is
collected, so one run of ``item-sync sources validate`` shows them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from shared.sources.declared.models import SourceDefinition
from shared.sources.declared.problems import DefinitionError, Problem, problems_from
from shared.sources.declared.substitution import (
    protect_expressions,
    restore_expressions,
    substitute_all,
)
from shared.sources.declared.variables import naming_variables, variables_in

BUILTIN_DIR = Path(__file__).parent / "builtin"
SUFFIXES = (".yaml", ".yml")
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _StrictLoader(yaml.SafeLoader):
    """safe_load's loader, without implicit timestamps and with repeated keys an error."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


# ``initial: 2024-01-01T00:00:00Z`` stays the text it is, as the API will want it back.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class LoadedSource:
    """A definition and the file it came from; ``builtin`` when it ships with item-sync."""

    definition: SourceDefinition
    file: Path
    builtin: bool


def parse_definition(text: str, *, file: Path, env: Mapping[str, str]) -> SourceDefinition:
    """Parse, substitute and validate one definition; ``DefinitionError`` lists its problems."""
    try:
        protected, expressions = protect_expressions(text)
        data = restore_expressions(_safe_load(protected), expressions)
    except yaml.YAMLError as exc:
        raise DefinitionError([Problem(file, "", f"not valid YAML: {_yaml_error(exc)}")]) from None
    if not isinstance(data, dict):
        message = "must hold one mapping of keys (name, base_url, list, ...)"
        raise DefinitionError([Problem(file, "", message)])
    written = data
    data, unresolved = substitute_all(data, env=env, file=file)
    unresolved = naming_variables(unresolved, written, env)
    try:
        definition = SourceDefinition.model_validate(data)
    except ValidationError as exc:
        # A key whose expression failed is reported once, for the expression.
        found = [p for p in problems_from(file, exc) if not _below_any(p.key, unresolved)]
        raise DefinitionError([*unresolved, *naming_variables(found, written, env)]) from None
    if unresolved:
        raise DefinitionError(unresolved)
    return definition


def written_values(file: Path) -> Any:
    """The file's data as written, before substitution (``${VAR}`` left as text); None when
    it cannot be read. For messages that name the variable a value comes from."""
    try:
        protected, expressions = protect_expressions(file.read_text(encoding="utf-8"))
        return restore_expressions(_safe_load(protected), expressions)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def builtin_variables(builtin_dir: Path = BUILTIN_DIR) -> set[str]:
    """Every environment variable the built-in definitions read (``POKEAPI_BASE_URL``, ...)."""
    names: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            names.update(variables_in(value))

    for file in definition_files(builtin_dir):
        walk(written_values(file))
    return names


def _below_any(key: str, problems: list[Problem]) -> bool:
    return any(key == p.key or key.startswith(f"{p.key}.") for p in problems)


def read_definition(file: Path, *, env: Mapping[str, str]) -> SourceDefinition:
    """Load one definition file; ``DefinitionError`` lists its problems."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise DefinitionError([Problem(file, "", f"cannot be read: {reason}")]) from None
    return parse_definition(text, file=file, env=env)


def definition_files(directory: Path) -> list[Path]:
    """The definition files of a directory (``*.yaml``, ``*.yml``, not hidden), sorted."""
    return sorted(
        path
        for path in directory.iterdir()
        if path.suffix in SUFFIXES and not path.name.startswith(".") and path.is_file()
    )


def check_files(files: Iterable[Path], *, env: Mapping[str, str]) -> list[Problem]:
    """Every problem of these files, and of two of them defining the same name."""
    _, problems = _load_all(list(files), env=env)
    return problems


def check_sources(
    *, env: Mapping[str, str], sources_dir: Path | None, builtin_dir: Path = BUILTIN_DIR
) -> list[Problem]:
    """Every problem of the definitions ``load_sources`` would load."""
    return _collect(env=env, sources_dir=sources_dir, builtin_dir=builtin_dir)[1]


def load_sources(
    *, env: Mapping[str, str], sources_dir: Path | None, builtin_dir: Path = BUILTIN_DIR
) -> dict[str, LoadedSource]:
    """The defined sources by name: built-in ones, replaced by a user file of the same name.

    Raises ``DefinitionError`` with every problem found: the process stops at start-up.
    """
    sources, problems = _collect(env=env, sources_dir=sources_dir, builtin_dir=builtin_dir)
    if problems:
        raise DefinitionError(problems)
    return sources


def _collect(
    *, env: Mapping[str, str], sources_dir: Path | None, builtin_dir: Path
) -> tuple[dict[str, LoadedSource], list[Problem]]:
    user: dict[str, LoadedSource] = {}
    problems: list[Problem] = []
    if sources_dir is not None:
        if sources_dir.is_dir():
            loaded, problems = _load_all(definition_files(sources_dir), env=env)
            user = {name: LoadedSource(d, f, builtin=False) for name, (d, f) in loaded.items()}
        else:
            problems = [Problem(sources_dir, "", "SOURCES_DIR is not a directory")]
    # A built-in file is named after its source, so a replaced one is never read.
    replaced = set(user)
    shipped = definition_files(builtin_dir) if builtin_dir.is_dir() else []
    loaded, builtin_problems = _load_all([f for f in shipped if f.stem not in replaced], env=env)
    for name, (definition, file) in loaded.items():
        if name != file.stem:
            builtin_problems.append(Problem(file, "name", f"a built-in file is named {name}.yaml"))
        user.setdefault(name, LoadedSource(definition, file, builtin=True))
    return dict(sorted(user.items())), [*problems, *builtin_problems]


def _load_all(
    files: list[Path], *, env: Mapping[str, str]
) -> tuple[dict[str, tuple[SourceDefinition, Path]], list[Problem]]:
    loaded: dict[str, tuple[SourceDefinition, Path]] = {}
    problems: list[Problem] = []
    for file in files:
        try:
            definition = read_definition(file, env=env)
        except DefinitionError as exc:
            problems.extend(exc.problems)
            continue
        if definition.name in loaded:
            first = loaded[definition.name][1]
            problems.append(
                Problem(file, "name", f"{definition.name!r} is also defined in {first}")
            )
            continue
        loaded[definition.name] = (definition, file)
    return loaded, problems


def _safe_load(text: str) -> Any:
    """``yaml.safe_load`` with ``_StrictLoader``: plain data only, one document."""
    loader = _StrictLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _yaml_error(error: yaml.YAMLError) -> str:
    """One line: where and what, from PyYAML's several-line message."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"line {mark.line + 1}, column {mark.column + 1}: {error.problem}"
    return " ".join(str(error).split())
