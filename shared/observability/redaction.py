"""Secrets never leave the process: configured values and key-shaped text become ``***``.

``redact`` is the one function every outgoing text passes through: each log
line (structlog's and the standard library's, see ``shared.observability.logging``), each
error kept in Redis (``itemsync:error:*``, dead letters), each error carried on
a stream entry or stored on a job, and each error answer of the API. The
configured values are registered once at start-up (``register_secrets``); the
patterns catch secrets we were never told about: ``appid=…``, ``"password": …``,
``X-Api-Key: …``, ``Authorization: Bearer|Basic …`` and ``user:pass@`` in URLs.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator

MASK = "***"
# Shorter values would mask ordinary words; settings reject such secrets at start-up.
MIN_SECRET_CHARS = 4

# Names whose value is a secret, as a whole name or its ending (``db_password``).
_KEY_NAMES = (
    r"[A-Za-z0-9_-]*?(?:appid|api[_-]?key|access[_-]?token|auth[_-]?token|token|password"
    r"|passwd|secret|authorization)"
)
_QUOTE = r"\\*[\"']"  # a quote, possibly escaped once or more (JSON inside a JSON string)

# "password": "x", 'token': 'x', {\"appid\": \"x\"} and "password": 1234.
_QUOTED_NAME = re.compile(
    rf"(?i)(?P<head>(?P<q>{_QUOTE}){_KEY_NAMES}(?P=q)\s*:\s*)"
    rf"(?:(?P<vq>{_QUOTE})(?P<value>.*?)(?P=vq)|(?P<bare>[^\s,}}\]\"']+))"
)
# appid=x and password='x' in query strings and messages.
_ASSIGNED = re.compile(
    rf"(?i)(?<![A-Za-z0-9])(?P<name>{_KEY_NAMES})=(?P<q>[\"']?)[^&\s\"',;)]+(?P=q)"
)
# X-Api-Key: x and Authorization: <scheme> x as headers in text.
_HEADER = re.compile(
    r"(?i)(?<![A-Za-z0-9-])(?P<head>(?:x-)?api[_-]?key|x-auth-token|(?:proxy-)?authorization)"
    r"(?P<sep>\s*:\s*)(?P<scheme>(?:basic|bearer|digest|token)\s+)?[^\s,;\"'&]+"
)
# A bearer token, not the words "bearer token": 8+ characters with a digit or symbol.
_BEARER = re.compile(r"(?i)\bbearer\s+(?=[A-Za-z0-9._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,}")
_BASIC = re.compile(r"(?i)\b(?P<scheme>basic\s+)(?P<value>[A-Za-z0-9+/]{4,}={0,2})(?![\w+/=])")
# scheme://user:password@host; the password may hold '@', so up to the last one.
_URL_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/@\s:]*:[^/\s]*@")

_secrets: set[str] = set()  # process-wide on purpose: every logger and store path shares it


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
    text = _QUOTED_NAME.sub(_mask_quoted, text)
    text = _ASSIGNED.sub(lambda m: f"{m['name']}={m['q']}{MASK}{m['q']}", text)
    text = _HEADER.sub(lambda m: f"{m['head']}{m['sep']}{m['scheme'] or ''}{MASK}", text)
    text = _BEARER.sub(f"Bearer {MASK}", text)
    text = _BASIC.sub(_mask_basic, text)
    return _URL_USERINFO.sub(rf"\1{MASK}@", text)


# Text that models carry onto streams and into tables (errors): masked when validated.
RedactedText = Annotated[str, AfterValidator(redact)]


def _mask_quoted(match: re.Match[str]) -> str:
    if match["bare"] is not None:
        return f"{match['head']}{MASK}"
    return f"{match['head']}{match['vq']}{MASK}{match['vq']}"


def _mask_basic(match: re.Match[str]) -> str:
    # Only real credentials (base64 of "user:password"), not the English word "basic".
    try:
        decoded = base64.b64decode(match["value"], validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return match.group(0)
    return f"{match['scheme']}{MASK}" if ":" in decoded else match.group(0)
