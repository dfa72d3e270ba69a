"""``item-sync sources list | validate [FILE...] | check NAME | schema``: declared sources.

Nothing here reaches Redis or MySQL: these commands read definition files
and say what they hold, so a user can check a file before any service loads it.
``sources check`` (source_check.py) is the one that sends requests.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from services.ops.source_check import run_check
from shared.config import RetrySettings
from shared.sources.declared import (
    BUILTIN_DIR,
    DefinitionError,
    LoadedSource,
    Problem,
    check_files,
    check_sources,
    json_schema,
    load_sources,
    read_definition,
)
from shared.sources.declared.loader import definition_files
from shared.sources.declared.refusals import secret_hint

EXIT_INVALID = 2  # as at start-up: a definition that does not load is a configuration error


@dataclass(frozen=True)
class SourcesConfig:
    """Where definitions come from and which sources are enabled: what every command reads."""

    env: Mapping[str, str]  # ${VAR} substitution
    sources_dir: Path | None  # SOURCES_DIR
    enabled: Sequence[str]  # API_API_TYPE
    builtin_dir: Path = BUILTIN_DIR


def run_list(config: SourcesConfig) -> int:
    """Print every defined source, whether it is enabled and its file; exit 2 if any is bad."""
    try:
        sources = _load(config)
    except DefinitionError as exc:
        _print_problems(exc.problems)
        return EXIT_INVALID
    if not sources:
        print("no sources defined: put a <name>.yaml in SOURCES_DIR")
        return 0
    width = max(len(name) for name in sources)
    print(f"{'name':<{width}}  enabled  file")
    for name, source in sources.items():
        enabled = "yes" if name in config.enabled else "no"
        print(f"{name:<{width}}  {enabled:<7}  {source.file}{_origin(source, config)}")
    return 0


def _origin(source: LoadedSource, config: SourcesConfig) -> str:
    if source.builtin:
        return "  (built-in)"
    if (config.builtin_dir / f"{source.definition.name}.yaml").is_file():
        return "  (replaces the built-in)"
    return ""


def run_validate(config: SourcesConfig, files: Sequence[Path]) -> int:
    """Check these files (a folder: its definitions), or the configured set; 2 on any problem."""
    if files:
        paths = _expand(files)
        problems = check_files(paths, env=config.env)
        checked = _count(len(paths), "file")
    else:
        problems = check_sources(
            env=config.env, sources_dir=config.sources_dir, builtin_dir=config.builtin_dir
        )
        checked = ""
    if problems:
        _print_problems(problems)
        files_with = len({problem.file for problem in problems})
        summary = f"{_count(len(problems), 'problem')} in {_count(files_with, 'file')}"
        print(summary, file=sys.stderr)
        return EXIT_INVALID
    names = _names(config, files)
    checked = checked or _count(len(names), "source")
    print(f"ok: {checked}, no problems" + (f" ({', '.join(names)})" if names else ""))
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _expand(files: Sequence[Path]) -> list[Path]:
    """The files as given; a folder stands for the definition files in it."""
    expanded: list[Path] = []
    for path in files:
        expanded.extend(definition_files(path) if path.is_dir() else [path])
    return expanded


def _names(config: SourcesConfig, files: Sequence[Path]) -> list[str]:
    """The source names the (valid) files define, sorted."""
    if not files:
        return list(_load(config))
    return sorted(read_definition(path, env=config.env).name for path in _expand(files))


def run_check_named(config: SourcesConfig, name: str, retry: RetrySettings) -> int:
    """``sources check NAME``: the named source's first page (and one detail), stored nowhere."""
    try:
        sources = _load(config)
    except DefinitionError as exc:
        _print_problems(exc.problems)
        return EXIT_INVALID
    if name not in sources:
        known = ", ".join(sources) or "none"
        print(f"error: no source is named {name!r}; defined: {known}", file=sys.stderr)
        return EXIT_INVALID
    loaded = sources[name]
    return run_check(loaded.definition, retry, hint=secret_hint(loaded.definition, loaded.file))


def run_schema() -> int:
    """Print the JSON Schema of a definition file."""
    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return 0


def _load(config: SourcesConfig) -> dict[str, LoadedSource]:
    return load_sources(
        env=config.env, sources_dir=config.sources_dir, builtin_dir=config.builtin_dir
    )


def _print_problems(problems: Sequence[Problem]) -> None:
    # One line each, file and key first: the lines a start-up refusal prints too.
    for problem in problems:
        print(problem, file=sys.stderr)
