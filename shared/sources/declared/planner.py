"""Planning a declared source's job: the definition's first requests as commands, no I/O.

A ``list`` starts at the first page of the walk (one per ``for_each`` value); a
``detail`` is one ``DetailCommand`` for ``params.id``, or for a for-each source one
list request for that value. The type of ``params.id`` follows the definition: a
source whose id pattern captures digits takes a number or digits, as PokeAPI's did.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Discriminator, StringConstraints, Tag

from shared.errors import InvalidRequest
from shared.models.commands import Command, DetailCommand, PageCommand
from shared.models.http import TAG_MARK
from shared.models.spec import MAX_ID, DetailParams, ListParams, SyncSpec, json_int
from shared.sources.declared.models import SourceDefinition
from shared.sources.declared.pagination import PageRequest, first_requests
from shared.sources.declared.paginators import (
    OffsetPaginator,
    PageNumberPaginator,
    SinglePaginator,
)

MAX_TEXT_ID = 180  # DetailCommand.external_id
MAX_VALUE_CHARS = 100  # a for_each value, as OPENWEATHER_CITIES always allowed
# Every character str.strip() removes, spelled out: regex engines disagree on what \s is.
_BLANKS = (
    "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_DIGIT_GROUP = re.compile(r"\((?:\\d|\[0-9\])[+*]\)")

# A JSON integer, or its ASCII digits, within a BIGINT; tagged by JSON type, so an
# error names ``params.id`` and not a union member.
DIGITS_ID: Any = Annotated[
    Annotated[json_int(ge=1, le=MAX_ID), Tag(f"{TAG_MARK}number")]
    | Annotated[str, StringConstraints(pattern=r"^[0-9]{1,18}$"), Tag(f"{TAG_MARK}digits")],
    Discriminator(
        lambda value: f"{TAG_MARK}digits" if isinstance(value, str) else f"{TAG_MARK}number"
    ),
]
# Text, not blank.
TEXT_ID: Any = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_TEXT_ID, pattern=f"[^{_BLANKS}]")
]
# One for_each value: not blank, without the list's comma.
VALUE_ID: Any = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=MAX_VALUE_CHARS, pattern=f"^[^,]*[^,{_BLANKS}][^,]*$"
    ),
]


def id_type(definition: SourceDefinition) -> Any:
    """The type of a detail sync's ``params.id`` for this definition."""
    spec = definition.list_
    if spec.for_each is not None:
        return VALUE_ID
    if spec.id.pattern is not None and _DIGIT_GROUP.search(spec.id.pattern):
        return DIGITS_ID
    return TEXT_ID


class DeclaredPlanner:
    """Plans the jobs of one declared source from its definition alone."""

    def __init__(self, definition: SourceDefinition) -> None:
        self.definition = definition
        self.name = definition.name
        self.detail_id: Any = id_type(definition)
        self.incremental = definition.incremental is not None

    def plan(self, spec: SyncSpec, *, since: str | None = None) -> list[Command]:
        """The first commands of ``spec``; ``since`` is the stored incremental cursor
        (the caller passes none for a forced sync)."""
        if isinstance(spec.params, DetailParams):
            return self._plan_detail(spec.params)
        requests = first_requests(self.definition, since=since)
        values = self._values()
        commands: list[Command] = [
            self._command(request, value, incremental=since is not None and self.incremental)
            for request, value in zip(requests, values, strict=True)
        ]
        return self._with_window(spec, commands)

    def _plan_detail(self, params: DetailParams) -> list[Command]:
        spec = self.definition.list_
        if spec.for_each is not None:
            value = str(params.id).strip()
            only = spec.for_each.model_copy(update={"values": value})
            one = spec.model_copy(update={"for_each": only})
            (request,) = first_requests(self.definition.model_copy(update={"list_": one}))
            return [self._command(request, value, incremental=False)]
        if self.definition.detail is None:
            raise InvalidRequest(
                f"{self.name} has no detail request: its definition has no detail.path",
                field="params.id",
            )
        external_id = str(int(params.id)) if self.detail_id is DIGITS_ID else str(params.id)
        return [DetailCommand(external_id=external_id)]

    def _values(self) -> list[str | None]:
        for_each = self.definition.list_.for_each
        return list(for_each.value_list()) if for_each is not None else [None]

    def _command(
        self, request: PageRequest, value: str | None, *, incremental: bool
    ) -> PageCommand:
        single = isinstance(self.definition.list_.paginator, SinglePaginator)
        return PageCommand(
            url=request.url,
            params=request.params,
            page=request.page,
            for_each=value,
            fan_out=not single,
            incremental=incremental,
        )

    def fanned_out(self, command: Command, pages_total: int | None) -> list[Command]:
        """The pages a first page fanned out to, given the job's page count.

        Only a walk whose size is known fans out (offset with ``total``, page_number with
        ``total_pages``). A sequential walk's next page is known only to the one before,
        and a for_each job's count is the sum of its walks: such a walk answers its first
        page again, to be walked anew (the pages already written land as duplicates).
        """
        paginator = self.definition.list_.paginator
        if not isinstance(command, PageCommand) or not command.fan_out or command.page != 1:
            return []
        if command.for_each is not None or pages_total is None:
            return [command]
        if isinstance(paginator, OffsetPaginator) and paginator.total is not None:
            param = paginator.offset_param
            start = int(command.params.get(param, "0"))
            step = int(command.params.get(paginator.limit_param, str(paginator.limit)))
        elif isinstance(paginator, PageNumberPaginator) and paginator.total_pages is not None:
            param = paginator.page_param
            start, step = int(command.params.get(param, str(paginator.start))), 1
        else:
            return [command]
        return [
            command.model_copy(
                update={
                    "params": {**command.params, param: str(start + step * i)},
                    "page": 1 + i,
                    "fanned": True,
                    "fan_out": False,
                }
            )
            for i in range(1, pages_total)
        ]

    def _with_window(self, spec: SyncSpec, commands: list[Command]) -> list[Command]:
        """An offset list's first page at ``params.offset`` / ``params.limit`` when given."""
        paginator = self.definition.list_.paginator
        if not isinstance(spec.params, ListParams) or not isinstance(paginator, OffsetPaginator):
            return commands
        window: dict[str, str] = {}
        if spec.params.offset is not None:
            window[paginator.offset_param] = str(spec.params.offset)
        if spec.params.limit is not None:
            window[paginator.limit_param] = str(spec.params.limit)
        return [
            c.model_copy(update={"params": {**c.params, **window}})
            if isinstance(c, PageCommand)
            else c
            for c in commands
        ]
