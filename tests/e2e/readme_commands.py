"""The shell commands a README section prints, and the answers it promises for them.

A section runs from its ``## Title`` to the next ``## `` heading, subsections included.
In its fenced ``sh`` blocks, a command is a line that is neither blank nor a comment
(a trailing ``\\`` continues it). The comment lines right under a command, before the next
blank line, are its expected answer:

- a leading three-digit HTTP status (``# 202 {...}``) is compared exactly;
- an answer that starts with ``{"`` is JSON: every key it names must be in the real answer;
- any other line must appear in the output, where ``…`` stands for anything, numbers may
  differ and runs of spaces are loose; a line starting with ``HTTP/`` is compared exactly;
- a last line ``(exit N)`` is the exit status (0 otherwise).

A ``yaml`` block whose first line is ``# <path>`` is a file the reader writes there.

Comment lines above a command describe it and are not compared.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_FENCE_OPEN = re.compile(r"^```(\w*)\s*$")
_EXIT = re.compile(r"^\(exit (\d+)\)$")
_FILE_NAME = re.compile(r"^# (\S+\.ya?ml)$")
_STATUS_FIRST = re.compile(r"^(\d{3}) (.*)$")
_JSON_KEY = re.compile(r'"(\w+)"\s*:')
ELLIPSIS = "…"


@dataclass(frozen=True)
class ReadmeCommand:
    """One command as printed, with the expected-answer lines under it."""

    section: str
    text: str
    expected: tuple[str, ...]

    @property
    def expected_status(self) -> int | None:
        """The HTTP status the README promises, if the answer starts with one."""
        if not self.expected:
            return None
        match = _STATUS_FIRST.match(self.expected[0])
        return int(match[1]) if match else None

    @property
    def expected_body(self) -> list[str]:
        """The expected lines without the leading status and the exit status."""
        lines = [line for line in self.expected if not _EXIT.match(line)]
        if lines and self.expected_status is not None:
            lines[0] = lines[0][4:]
        return lines

    @property
    def expected_exit(self) -> int:
        """The exit status the README promises: ``(exit N)`` as the last line, else 0."""
        match = _EXIT.match(self.expected[-1]) if self.expected else None
        return int(match[1]) if match else 0


@dataclass(frozen=True)
class ReadmeFile:
    """A ``yaml`` block headed ``# <path>``: a file the reader writes, as printed."""

    path: str
    text: str


def section_text(readme: str, title: str) -> str:
    """The body of ``## <title>`` up to the next second-level heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    if match is None:
        raise LookupError(f"the README has no section '## {title}'")
    return match[1]


def commands_in(readme: str, title: str) -> list[ReadmeCommand]:
    """Every command of the ``sh`` blocks in one section, in order."""
    return [step for step in steps_in(readme, title) if isinstance(step, ReadmeCommand)]


def steps_in(readme: str, title: str) -> list[ReadmeCommand | ReadmeFile]:
    """The section's commands and the files it has the reader write, in order."""
    steps: list[ReadmeCommand | ReadmeFile] = []
    for language, block in _blocks(section_text(readme, title)):
        if language == "sh":
            steps.extend(_commands_of_block(title, block))
        elif language == "yaml" and block and (name := _FILE_NAME.match(block[0].strip())):
            steps.append(ReadmeFile(name[1], "\n".join(block) + "\n"))
    return steps


def _blocks(text: str) -> list[tuple[str, list[str]]]:
    blocks: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    language = ""
    for line in text.splitlines():
        stripped = line.strip()
        if current is None:
            if opened := _FENCE_OPEN.match(stripped):
                current, language = [], opened[1]
        elif stripped.startswith("```"):
            blocks.append((language, current))
            current = None
        else:
            current.append(line)
    return blocks


def _commands_of_block(section: str, lines: list[str]) -> list[ReadmeCommand]:
    found: list[tuple[str, list[str]]] = []
    expecting: list[str] | None = None  # the answer lines of the last command, while they run
    pending = ""
    for line in lines:
        stripped = line.strip()
        if pending:
            pending += " " + stripped.removesuffix("\\").strip()
            if not stripped.endswith("\\"):
                expecting = []
                found.append((pending, expecting))
                pending = ""
            continue
        if not stripped:
            expecting = None
        elif stripped.startswith("#"):
            if expecting is not None:
                expecting.append(stripped[1:].strip())
        elif stripped.endswith("\\"):
            pending = stripped.removesuffix("\\").strip()
        else:
            expecting = []
            found.append((stripped, expecting))
    return [ReadmeCommand(section, text, tuple(answer)) for text, answer in found]


def answer_mismatches(command: ReadmeCommand, output: str) -> list[str]:
    """How ``output`` differs from what the README says; empty when it matches."""
    body = [line for line in command.expected_body if line]
    if not body:
        return []
    if body[0].startswith('{"'):
        return _json_mismatches(" ".join(body), output)
    return [f"no line like {line!r}" for line in body if not _line_found(line, output)]


def _json_mismatches(expected: str, output: str) -> list[str]:
    try:
        answer = json.loads(output)
    except ValueError:
        return [f"not JSON: {output[:200]!r}"]
    missing = sorted(set(_JSON_KEY.findall(expected)) - _keys(answer))
    return [f"keys missing from the answer: {', '.join(missing)}"] if missing else []


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for inner in value.values() for key in _keys(inner)}
    if isinstance(value, list):
        return {key for inner in value for key in _keys(inner)}
    return set()


def _line_found(expected: str, output: str) -> bool:
    if expected.startswith("HTTP/"):
        return any(line.strip() == expected for line in output.splitlines())
    pattern = re.escape(expected)
    pattern = pattern.replace(ELLIPSIS, ".*?")
    pattern = re.sub(r"\d+", r"\\d+", pattern)
    pattern = re.sub(r"(?:\\ )+", r"\\s+", pattern)
    return re.search(pattern, output) is not None
