"""Detail requests of a declared source: each record's full document, a bounded few at once.

Paths are built from ``base_url`` and the definition's ``detail.path`` (never from an
upstream URL). Stored validators are sent when the definition asks for conditional
requests; a 304 is a ``NotModifiedItem``. The status table decides what an error means.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from shared.errors import PermanentUpstreamError
from shared.models.pages import FailedItem, FetchedItem, NotModifiedItem
from shared.sources.client import UpstreamClient
from shared.sources.conditional import Conditional
from shared.sources.declared.items import document_item
from shared.sources.declared.models import SourceDefinition
from shared.sources.declared.records import record_name
from shared.sources.declared.refusals import job_failure
from shared.sources.validators import NotModified, Validator

DetailResult = FetchedItem | FailedItem | NotModifiedItem | None  # None: ignored


@dataclass(frozen=True)
class DetailRef:
    """One item to fetch in full: its id, the name its list record gave, and its path."""

    external_id: str
    name: str
    path: str


@dataclass(frozen=True)
class Details:
    """Fetches detail documents for one source."""

    definition: SourceDefinition
    client: UpstreamClient
    conditional: Conditional | None
    in_flight: asyncio.Semaphore
    query: dict[str, str]  # the auth's query parameters, sent with every request

    async def fetch_all(self, refs: list[DetailRef], *, send_validators: bool) -> list[Any]:
        """Every ref's result, in order; the first error cancels the others and is raised."""
        validators: dict[str, Validator] = {}
        if self.conditional is not None:  # one SELECT for the whole page
            validators = await self.conditional.item_validators(
                [ref.external_id for ref in refs], send_validators=send_validators
            )
        # A TaskGroup cancels the page's other requests at the first error (an open
        # breaker, retries exhausted, a rejected key): the command is handled as a whole.
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [
                    group.create_task(self.fetch_one(ref, validators.get(ref.external_id)))
                    for ref in refs
                ]
        except BaseExceptionGroup as errors:
            raise errors.exceptions[0] from None
        return [task.result() for task in tasks]

    async def fetch_one(self, ref: DetailRef, validator: Validator | None) -> DetailResult:
        """One detail: the item, a failure, a 304, or None when the table ignores the status."""
        url = f"{self.definition.base_url}{ref.path}"
        what = f"{self.definition.name} detail {ref.external_id}"
        async with self.in_flight:
            try:
                document = await self.client.get_if_changed(
                    url, what=what, whole=False, validator=validator, params=self.query or None
                )
            except PermanentUpstreamError as exc:
                if exc.action == "job_failed":
                    raise job_failure(self.definition, exc) from exc
                if exc.action == "ignore":
                    return None
                return FailedItem(external_id=ref.external_id, error=str(exc))
        if isinstance(document, NotModified):
            if validator is None:  # unreachable: a 304 needs validators sent
                return FailedItem(external_id=ref.external_id, error="HTTP 304 without validators")
            return NotModifiedItem(
                external_id=ref.external_id,
                etag=validator.etag,
                last_modified=validator.last_modified,
            )
        if not isinstance(document.value, dict):  # a detail is one record: an object
            return FailedItem(external_id=ref.external_id, error="detail is not a JSON object")
        # The detail's own name is the newer one; the list's stands in when it has none.
        name = _top_level_name(document.value, self.definition.list_.name) or ref.name
        sent = document.validator if self.conditional is not None else None
        return document_item(ref.external_id, name, document, sent)


def _top_level_name(summary: dict[str, Any], path: str | None) -> str:
    """The name from a detail's top-level scalars (all that a page of details keeps)."""
    try:
        return record_name(summary, path)
    except PermanentUpstreamError:
        return ""
