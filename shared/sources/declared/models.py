"""The declarative source format as pydantic models: one ``SourceDefinition`` per YAML file.

Every model forbids unknown keys, so a misspelled key is an error and never ignored. The
same models give ``json_schema()``; SOURCES.md beside them is the prose of what they accept.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictStr,
    field_validator,
    model_validator,
)

from shared.sources.declared.auth import Auth, NoAuth
from shared.sources.declared.paginators import Paginator, paginator_params
from shared.sources.declared.paths import JsonPath, check_path
from shared.sources.declared.statuses import ErrorAction, ErrorTable, action_for
from shared.sources.declared.templates import RECORD_PREFIX, check_request_path, placeholders
from shared.values.durations import PositiveDuration
from shared.values.rates import RateLimit

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
_IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"

RequestPath = Annotated[StrictStr, AfterValidator(check_request_path)]
ParamName = Annotated[StrictStr, Field(min_length=1, max_length=100)]


def _query_value(value: Any) -> Any:
    """A query value may be written as a YAML number (``per_page: 100``); it is sent as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


ParamValue = Annotated[StrictStr, BeforeValidator(_query_value, json_schema_input_type=str | int)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IdSpec(_Strict):
    """The record's id: the value at ``path``, or the one group ``pattern`` finds in it."""

    path: JsonPath
    pattern: StrictStr | None = None

    @field_validator("pattern")
    @classmethod
    def _one_group(cls, pattern: str | None) -> str | None:
        if pattern is None:
            return None
        try:
            groups = re.compile(pattern).groups
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        if groups != 1:
            raise ValueError(f"needs exactly one group (the id), has {groups}: {pattern!r}")
        return pattern


def _path_as_id(value: Any) -> Any:
    return {"path": value} if isinstance(value, str) else value  # ``id: id`` is {path: id}


IdField = Annotated[IdSpec, BeforeValidator(_path_as_id, json_schema_input_type=JsonPath | IdSpec)]


class ForEach(_Strict):
    """A fixed set of list requests: one per comma-separated value, named ``{as}``."""

    values: StrictStr
    as_: Annotated[StrictStr, Field(alias="as", pattern=_IDENTIFIER)]

    @field_validator("values")
    @classmethod
    def _some(cls, values: str) -> str:
        if not [value for value in values.split(",") if value.strip()]:
            raise ValueError("name at least one value (a comma list: London,Paris)")
        return values

    def value_list(self) -> list[str]:
        """The values in the order given, trimmed, without blanks or repeats."""
        return list(dict.fromkeys(v.strip() for v in self.values.split(",") if v.strip()))


class ListSpec(_Strict):
    """How a ``list`` sync walks the collection, and what a record, its id and name are."""

    path: RequestPath
    params: dict[ParamName, ParamValue] = Field(default_factory=dict)
    paginator: Paginator
    records: JsonPath
    id: IdField
    name: JsonPath | None = None
    for_each: ForEach | None = None

    @model_validator(mode="after")
    def _known_placeholders(self) -> ListSpec:
        allowed = {self.for_each.as_} if self.for_each else set()
        hint = f"use {{{self.for_each.as_}}}" if self.for_each else "this list has no for_each"
        for key, text in [
            ("path", self.path),
            *((f"params.{k}", v) for k, v in self.params.items()),
        ]:
            try:
                names = placeholders(text)
            except ValueError as exc:
                raise KeyedError(key, str(exc)) from None
            for name in names:
                if name not in allowed:
                    raise KeyedError(key, f"unknown placeholder {{{name}}}; {hint}")
        for param in paginator_params(self.paginator):
            if param in self.params:
                raise KeyedError(f"params.{param}", "the paginator sends this parameter")
        return self


class DetailSpec(_Strict):
    """Each record's full document: ``path`` with ``{id}`` and ``{record.<path>}``."""

    path: RequestPath

    @field_validator("path")
    @classmethod
    def _known_placeholders(cls, path: str) -> str:
        for name in placeholders(path):
            field = name.removeprefix(RECORD_PREFIX)
            if name == "id" or (name.startswith(RECORD_PREFIX) and _is_path(field)):
                continue
            raise ValueError(f"unknown placeholder {{{name}}}; use {{id}} or {{record.<path>}}")
        return path


class Incremental(_Strict):
    """Ask only for records changed since the largest ``cursor_field`` of the last success."""

    cursor_field: JsonPath
    param: ParamName
    initial: Annotated[StrictStr, Field(min_length=1)] | None = None  # None: first sync sends none


class ChangeSignal(_Strict):
    """A cheap request whose ``field`` changes when the data does; unchanged, a list ends."""

    enabled: bool = True
    path: RequestPath | None = None  # joined to base_url
    url: StrictStr = ""  # a whole URL instead of path; empty: use path
    field: JsonPath

    @model_validator(mode="after")
    def _somewhere(self) -> ChangeSignal:
        if self.url and not self.url.startswith(("http://", "https://")):
            raise KeyedError("url", "must start with http:// or https://")
        if not self.url and self.path is None:
            raise ValueError("give path (under base_url) or url")
        return self

    def signal_url(self, base_url: str) -> str | None:
        """Where the signal is read, or None when it is switched off."""
        if not self.enabled:
            return None
        return self.url or f"{base_url}{self.path}"


def _one_line(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError("a header value is one line")  # a line break would start a new header
    return value


HeaderName = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")]  # RFC 9110
HeaderValue = Annotated[
    StrictStr,
    BeforeValidator(_query_value, json_schema_input_type=str | int),
    AfterValidator(_one_line),
]


def _base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http:// or https:// URL with a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("no query, fragment or user:password here; use params or auth")
    return value.rstrip("/")


class SourceDefinition(_Strict):
    """One declared source: how to reach its API and read its records."""

    name: Annotated[StrictStr, Field(pattern=NAME_PATTERN)]
    base_url: Annotated[StrictStr, AfterValidator(_base_url)]
    auth: Auth = NoAuth()
    headers: dict[HeaderName, HeaderValue] = Field(default_factory=dict)
    rate_limit: RateLimit = None
    timeout: PositiveDuration = timedelta(seconds=30)
    concurrency: int = Field(default=32, ge=1, le=256)
    # Send stored validators (If-None-Match / If-Modified-Since). On by default: only an
    # upstream that sent validators is ever asked conditionally.
    conditional: bool = True
    change_signal: ChangeSignal | None = None
    list_: ListSpec = Field(alias="list")
    detail: DetailSpec | None = None
    errors: ErrorTable = Field(default_factory=dict)
    incremental: Incremental | None = None

    @model_validator(mode="after")
    def _incremental_param_free(self) -> SourceDefinition:
        taken = [*self.list_.params, *paginator_params(self.list_.paginator)]
        if self.incremental is not None and self.incremental.param in taken:
            raise KeyedError("incremental.param", "the list already sends this parameter")
        return self

    def secret_values(self) -> list[str]:
        """Every secret of the definition (all of ``auth``), to register with redaction."""
        return self.auth.secret_values()

    def error_action(self, status: int) -> ErrorAction:
        """What an answer with ``status`` means (see ``action_for``)."""
        return action_for(self.errors, status)


def _is_path(text: str) -> bool:
    try:
        check_path(text)
    except ValueError:
        return False
    return True


class KeyedError(ValueError):
    """A model check about one key below the model: the problem line names that key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
