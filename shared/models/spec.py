"""What a sync is asked to do: a typed spec, validated once where it enters, stored with its job.

The API, the scheduler and the CLI each build a ``SyncSpec``; ``launch_sync``
plans it and ``open_job`` stores it (``sync_jobs.source``, ``operation``,
``params`` as JSON, ``force_sync``). Whoever reads a job back (the deletion
mirror, the re-driver) parses those columns into the same ``SyncSpec``.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from shared.values.hashing import canonical_json

MAX_OFFSET = 1_000_000_000  # far past any source; keeps SQL and JSON integers in range
MAX_ID = 2**63 - 1  # a BIGINT, and an integer every JSON encoder can write

Operation = Literal["list", "detail"]


def _json_integer(value: object) -> object:
    # JSON has one integer type: lax pydantic would also take "5" and true, which the
    # description calls invalid. 1.0 is an integer in JSON Schema and passes.
    if isinstance(value, str | bool):
        raise ValueError("must be a JSON integer")
    return value


def json_int(*, ge: int, le: int) -> Any:
    """An integer from JSON within ``ge..le``, for types built at run time."""
    return Annotated[int, Field(ge=ge, le=le), BeforeValidator(_json_integer)]


# Bounds come before the validator, so the description shows them as minimum and maximum.
JsonOffset = Annotated[int, Field(ge=0, le=MAX_OFFSET), BeforeValidator(_json_integer)]
JsonLimit = Annotated[int, Field(ge=1, le=100), BeforeValidator(_json_integer)]


class ListParams(BaseModel):
    """``params`` of a ``list`` sync: the page window."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offset: JsonOffset | None = None
    limit: JsonLimit | None = None


class DetailParams(BaseModel):
    """``params`` of a ``detail`` sync: the one item's id.

    Each source narrows ``id`` to its own type (``SourcePlanner.detail_id``) where a
    request enters; a stored spec keeps the JSON type it was given.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int | str


class SyncSpec(BaseModel):
    """One sync: which source, which operation with its params, and whether it is forced."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    operation: Operation = "list"
    params: ListParams | DetailParams = Field(default_factory=ListParams)
    force_sync: bool = False

    @model_validator(mode="after")
    def _params_fit_the_operation(self) -> SyncSpec:
        wanted = DetailParams if self.operation == "detail" else ListParams
        if not isinstance(self.params, wanted):
            raise ValueError(f"params do not fit a {self.operation} sync")
        return self

    @classmethod
    def full_list(cls, source: str) -> SyncSpec:
        """A ``list`` of the whole source, unforced: what the scheduler opens."""
        return cls(source=source)

    @classmethod
    def from_stored(
        cls, *, source: str, operation: str, params_json: str | bytes, force_sync: bool
    ) -> SyncSpec:
        """The spec of a stored job, from its ``sync_jobs`` columns."""
        params_type = DetailParams if operation == "detail" else ListParams
        return cls.model_validate(
            {
                "source": source,
                "operation": operation,
                "params": params_type.model_validate_json(params_json),
                "force_sync": force_sync,
            }
        )

    def stored_params(self) -> str:
        """``sync_jobs.params``: the params as given, without the ones left out."""
        return orjson.dumps(self.params_dict()).decode()

    def params_dict(self) -> dict[str, Any]:
        """The params as given, without the ones left out."""
        return self.params.model_dump(exclude_none=True)

    @property
    def active_key(self) -> str:
        """What makes two syncs identical: same source, operation, params and force."""
        identity = {
            "source": self.source,
            "operation": self.operation,
            "params": self.params_dict(),
            "force_sync": self.force_sync,
        }
        return hashlib.sha256(canonical_json(identity)).hexdigest()

    @property
    def is_complete_list(self) -> bool:
        """True for a sync that covers the whole source: a ``list`` from offset 0."""
        return isinstance(self.params, ListParams) and not self.params.offset
