"""How a declared source proves who it is. Every value under ``auth`` is a secret.

The values are ``SecretStr`` (masked in every repr and error), and ``secret_values``
lists them for redaction. A value may be empty when the definition loads (a source that
is defined but not enabled needs no key); ``blank_fields`` lets the source refuse the job.
"""

from __future__ import annotations

import base64
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, field_validator

from shared.observability.redaction import MIN_SECRET_CHARS

_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")  # an RFC 9110 token


class _Auth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*")
    @classmethod
    def _maskable(cls, value: Any) -> Any:
        # Redaction masks secrets of MIN_SECRET_CHARS or more: a shorter one would show.
        if isinstance(value, SecretStr) and 0 < len(value.get_secret_value()) < MIN_SECRET_CHARS:
            raise ValueError(
                f"too short to mask in logs: use at least {MIN_SECRET_CHARS} characters"
            )
        return value

    def secret_values(self) -> list[str]:
        """Every non-empty secret of this auth, to register with redaction."""
        secrets = [v for v in self.__dict__.values() if isinstance(v, SecretStr)]
        return [text for text in (s.get_secret_value() for s in secrets) if text]

    def blank_fields(self) -> list[str]:
        """The names of secrets that are empty: a request with them cannot succeed."""
        return [
            name
            for name, value in self.__dict__.items()
            if isinstance(value, SecretStr) and not value.get_secret_value()
        ]

    def headers(self) -> dict[str, str]:
        """Headers to send with every request."""
        return {}

    def query(self) -> dict[str, str]:
        """Query parameters to send with every request."""
        return {}


class NoAuth(_Auth):
    """``auth: none``: public APIs."""

    type: Literal["none"] = "none"


class BearerAuth(_Auth):
    """``Authorization: Bearer <token>``."""

    type: Literal["bearer"]
    token: SecretStr

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token.get_secret_value()}"}


class ApiKeyAuth(_Auth):
    """A key in a header (``X-Api-Key``) or a query parameter (``appid``)."""

    type: Literal["api_key"]
    in_: Literal["header", "query"] = Field(alias="in")
    name: str = Field(min_length=1)
    value: SecretStr

    @field_validator("name")
    @classmethod
    def _token(cls, name: str) -> str:
        if not _HEADER_NAME.match(name):
            raise ValueError(f"{name!r} is not a header or parameter name")
        return name

    def headers(self) -> dict[str, str]:
        return {self.name: self.value.get_secret_value()} if self.in_ == "header" else {}

    def query(self) -> dict[str, str]:
        return {self.name: self.value.get_secret_value()} if self.in_ == "query" else {}


class BasicAuth(_Auth):
    """HTTP basic: ``Authorization: Basic base64(username:password)``."""

    type: Literal["basic"]
    username: SecretStr
    password: SecretStr

    def secret_values(self) -> list[str]:
        """Both values and the encoded header value, which is what a log would show."""
        return [*super().secret_values(), self._encoded()]

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Basic {self._encoded()}"}

    def _encoded(self) -> str:
        pair = f"{self.username.get_secret_value()}:{self.password.get_secret_value()}"
        return base64.b64encode(pair.encode()).decode("ascii")


def _none_as_model(value: Any) -> Any:
    """``auth: none`` is short for ``{type: none}``."""
    return {"type": "none"} if value == "none" else value


AUTH_TYPES = ("none", "bearer", "api_key", "basic")
Auth = Annotated[
    NoAuth | BearerAuth | ApiKeyAuth | BasicAuth,
    Field(discriminator="type"),
    BeforeValidator(
        _none_as_model,
        json_schema_input_type=Literal["none"] | NoAuth | BearerAuth | ApiKeyAuth | BasicAuth,
    ),
]
