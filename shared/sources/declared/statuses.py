"""The status table: which HTTP answer means retry, a failed item, a failed job, or nothing."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator

ErrorAction = Literal["retry", "item_failed", "job_failed", "ignore"]
DEFAULT_ERRORS: dict[str, ErrorAction] = {
    "429": "retry",
    "500-599": "retry",
    "404": "item_failed",
    "401": "job_failed",
    "403": "job_failed",
}
FALLBACK_ACTION: ErrorAction = "item_failed"  # any other status of 300 or more
_STATUS_KEY = re.compile(r"^([3-5][0-9]{2})(?:-([3-5][0-9]{2}))?$")  # 2xx is success


def _status_key(value: Any) -> str:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    match = _STATUS_KEY.match(text) if isinstance(text, str) else None
    if match is None or (match[2] is not None and int(match[2]) < int(match[1])):
        raise ValueError(
            f"{value!r} is not an error status (300 to 599); use e.g. 404 or a range 500-599"
        )
    return text


StatusKey = Annotated[str, BeforeValidator(_status_key, json_schema_input_type=str | int)]


def _each_status_once(table: Any) -> Any:
    """``404`` and ``"404"`` are two YAML keys but one status: never keep one silently."""
    if isinstance(table, dict):
        written = [str(key) for key in table]
        twice = sorted({key for key in written if written.count(key) > 1})
        if twice:
            raise ValueError(f"status {twice[0]} is written twice")
    return table


ErrorTable = Annotated[dict[StatusKey, ErrorAction], BeforeValidator(_each_status_once)]


def action_for(table: dict[str, ErrorAction], status: int) -> ErrorAction:
    """The action for ``status`` in the defaults plus ``table`` (whose entries replace the
    defaults' of the same key); any other status of 300 or more is item_failed."""
    return _lookup({**DEFAULT_ERRORS, **table}, status) or FALLBACK_ACTION


def _lookup(table: dict[str, ErrorAction], status: int) -> ErrorAction | None:
    """An exact status wins over a range; of two ranges, the narrower one."""
    if str(status) in table:
        return table[str(status)]
    ranges = []
    for key, action in table.items():
        low, _, high = key.partition("-")
        if high and int(low) <= status <= int(high):
            ranges.append((int(high) - int(low), action))
    return min(ranges)[1] if ranges else None
