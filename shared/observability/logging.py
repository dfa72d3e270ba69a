"""``configure_logging()``: JSON lines off a terminal, readable console on one; secrets masked.

structlog events and standard-library records (aiohttp, asyncio, stamina's
fallbacks, ...) go through one chain: the same fields, the same masking
(``redact_secrets``), the same renderer and the same sink (``shared.observability.log_sink``).
"""

from __future__ import annotations

import json
import logging
import math
import sys
from collections.abc import Iterable, MutableMapping
from contextvars import ContextVar
from typing import Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from shared.observability.log_sink import LineHandler, LineSink, line_logger_factory, stdout_sink
from shared.observability.redaction import redact, register_secrets

_PLAIN = (int, float, bool, type(None))
CUT_MARK = " [cut]"


def configure_logging(
    *,
    service: str,
    level: str = "info",
    fmt: str = "auto",
    secrets: Iterable[str | None] = (),
    sink: LineSink | None = None,
) -> None:
    """Set up structlog and the root logger once per process; every line carries ``service``,
    no line a secret. Lines go to ``sink``, by default stdout falling back to stderr."""
    register_secrets(secrets)
    sink = sink or stdout_sink()
    console = fmt == "console" or (fmt == "auto" and sink.max_line_bytes is None and _on_tty())
    renderer: Processor = (
        structlog.dev.ConsoleRenderer(colors=_on_tty())
        if console
        else FittedJSONRenderer(sink.max_line_bytes)
    )
    common: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        _merge_request_fields,
        _ServiceField(service),
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    numeric_level = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[
            *common,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            redact_secrets,  # last before rendering: tracebacks are text by now
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=line_logger_factory(sink),
        cache_logger_on_first_use=True,
    )
    _route_standard_logging(sink, common, renderer, numeric_level)


def _route_standard_logging(
    sink: LineSink, common: list[Processor], renderer: Processor, level: int
) -> None:
    """Send every standard-library record through the same fields, masking and renderer."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            *common,
            structlog.stdlib.add_logger_name,
            structlog.processors.format_exc_info,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            redact_secrets,
            renderer,
        ],
    )
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, LineHandler)]:
        root.removeHandler(handler)  # configured again (tests): one handler, not two
    root.addHandler(LineHandler(sink, formatter))
    root.setLevel(level)


_REQUEST_FIELDS: ContextVar[dict[str, str] | None] = ContextVar("request_fields", default=None)


def bind_request_fields(**fields: str) -> None:
    """Put ``fields`` (a request's id, method and path) on every line logged in this context
    from now on, in place of the last request's.

    One context variable set per request, read only when a line is written: structlog's
    ``clear_contextvars`` and ``bind_contextvars`` cost a busy API a few percent of its reads.
    """
    _REQUEST_FIELDS.set(fields)


def _merge_request_fields(
    logger: WrappedLogger, method_name: str, event_dict: EventDict
) -> EventDict:
    for name, value in (_REQUEST_FIELDS.get() or {}).items():
        event_dict.setdefault(name, value)
    return event_dict


class _ServiceField:
    """Adds ``service`` to every line, whatever the context binds."""

    def __init__(self, service: str) -> None:
        self._service = service

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", self._service)
        return event_dict


class FittedJSONRenderer:
    """One JSON object a line; with ``max_bytes``, lines are cut to fit it, newline included.

    A pipe writes at most ``PIPE_BUF`` bytes in one piece, so a longer line could
    be split by another process's line. Rather than lose whole lines, the longest
    values lose their middle (marked ``[cut]``) and the line is marked
    ``"truncated": true``; it stays valid JSON.
    """

    def __init__(self, max_bytes: int | None) -> None:
        self._max_bytes = max_bytes
        self._render = structlog.processors.JSONRenderer()

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> str:
        line = str(self._render(logger, method_name, event_dict))
        if self._max_bytes is None or len(line) < self._max_bytes:  # ASCII: chars are bytes
            return line
        return self._fit(logger, method_name, dict(event_dict), self._max_bytes)

    def _fit(
        self, logger: WrappedLogger, method_name: str, fields: dict[str, Any], max_bytes: int
    ) -> str:
        fields["truncated"] = True
        for _ in range(2 * len(fields) + 4):
            line = str(self._render(logger, method_name, fields))
            excess = len(line) + 1 - max_bytes
            if excess <= 0:
                return line
            key = max(fields, key=lambda name: len(_as_text(fields[name])))
            text = _as_text(fields[key])
            # Remove characters in proportion to their JSON size: escapes take up to 6 bytes.
            rendered = max(len(json.dumps(text)) - 2, 1)
            chars = math.ceil(len(text) * (excess + len(CUT_MARK)) / rendered)
            fields[key] = _cut_middle(text, chars)
        short = {name: fields.get(name) for name in ("event", "service", "level", "timestamp")}
        short["event"] = _as_text(short["event"])[:200]
        return str(self._render(logger, method_name, {**short, "truncated": True}))


def _cut_middle(text: str, chars: int) -> str:
    """``text`` less ``chars`` characters from its middle: a traceback keeps its last line."""
    keep = max(len(text) - chars, 0)
    tail = keep // 2
    return text[: keep - tail] + CUT_MARK + text[len(text) - tail :]


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=repr)


def _on_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # closed, or replaced by a test harness
        return False


def redact_secrets(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask secrets in every value, nested ones and exceptions included."""
    for key, value in event_dict.items():
        event_dict[key] = _redacted(value)
    return event_dict


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redacted(item) for item in value]
    # Anything else is rendered with repr (str for exceptions): mask that text if it must.
    text = str(value) if isinstance(value, BaseException) else repr(value)
    masked = redact(text)
    return value if masked == text else masked
