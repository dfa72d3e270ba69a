"""Secrets never leave the process: configured values and key-shaped text become ``***``.

The values are registered once at start-up (``register_secrets``); ``redact`` is
then applied to every log line (see ``shared.logging``) and to every error text
built from a library exception before it is stored on a job or a stream entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
MIN_SECRET_CHARS = 4  # shorter values would mask ordinary words; reject them at start-up instead

# key=value in query strings and messages, bearer tokens, and passwords in URLs.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"(?i)(?<![A-Za-z0-9])(appid|api[_-]?key|access[_-]?token|token|password|passwd|secret)"
            r"=[^&\s\"',;)]+"
        ),
        rf"\1={MASK}",
    ),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), f"Bearer {MASK}"),
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/@\s:]*:[^/@\s]*@"), rf"\1{MASK}@"),
)

_secrets: set[str] = set()  # process-wide on purpose: every logger and error path shares it


def register_secrets(values: Iterable[str | None]) -> None:
    """Remember secret values so that ``redact`` masks them wherever they appear."""
    for value in values:
        if value and len(value) >= MIN_SECRET_CHARS:
            _secrets.add(value)


def forget_secrets() -> None:
    """Drop every registered value (tests start from a clean slate)."""
    _secrets.clear()


def redact(text: str) -> str:
    """``text`` with every registered secret and every key-shaped fragment masked."""
    # Longest first, so a secret that contains another is masked whole.
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
