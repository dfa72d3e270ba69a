"""When a declared source cannot run a job at all: a missing secret, a rejected one.

The messages name the source and the status or key, never a value: they are shown on
the job as they are.
"""

from __future__ import annotations

from pathlib import Path

from shared.errors import JobFailedError, PermanentUpstreamError
from shared.sources.declared.loader import written_values
from shared.sources.declared.models import SourceDefinition
from shared.sources.declared.variables import variables_in

_CREDENTIAL = {"bearer": "token", "api_key": "API key", "basic": "username and password"}


def job_failure(definition: SourceDefinition, exc: PermanentUpstreamError) -> JobFailedError:
    """The job's error for an answer whose status the errors table makes ``job_failed``."""
    credential = _CREDENTIAL.get(definition.auth.type)
    if exc.status in (401, 403) and credential is not None:
        return JobFailedError(f"{definition.name} rejected the {credential} (HTTP {exc.status})")
    return JobFailedError(
        f"{definition.name} answered HTTP {exc.status}, which its errors table makes job_failed"
    )


def missing_secret(definition: SourceDefinition, hint: str | None = None) -> str | None:
    """The job's error when an auth value is empty (None when every one is set).

    ``hint`` says where the value comes from (``set OPENWEATHER_API_KEY``).
    """
    blank = definition.auth.blank_fields()
    if not blank:
        return None
    field = blank[0].removesuffix("_")
    credential = _CREDENTIAL.get(definition.auth.type, field)
    where = hint or f"set auth.{field} in its definition"
    return f"{definition.name} has no {credential}: {where}"


def secret_hint(definition: SourceDefinition, file: Path) -> str | None:
    """``set A or B``: the variables the first blank auth value is read from, as written."""
    blank = definition.auth.blank_fields()
    written = written_values(file)
    auth = written.get("auth") if isinstance(written, dict) else None
    if not blank or not isinstance(auth, dict):
        return None
    key = blank[0].removesuffix("_")  # in_ is ``in``; secrets are never in_
    names = variables_in(str(auth.get(key, "")))
    return f"set {' or '.join(names)}" if names else None
