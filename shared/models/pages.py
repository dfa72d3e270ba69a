"""Pages on ``itemsync:pages``: what a fetcher got, for a writer to store."""

from __future__ import annotations

from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, Field, model_validator

from shared.models.envelope import Envelope
from shared.observability.redaction import RedactedText
from shared.values.hashing import content_hash


class FetchedItem(BaseModel, frozen=True):
    """One upstream item as fetched: its id, display name and its JSON as received.

    ``payload`` is the upstream's JSON *text*, carried as a string so no reader has to
    build the objects of a multi-MB document; ``content_hash`` is the sha256 of its
    canonical form (``shared/sources/documents.py``), computed once by the fetcher.
    """

    external_id: str = Field(min_length=1, max_length=191)
    name: str = Field(max_length=255)
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    payload: str = Field(min_length=2)
    # The validators upstream sent with this payload, kept for the next conditional GET.
    etag: str | None = Field(default=None, max_length=255)
    last_modified: str | None = Field(default=None, max_length=64)

    @model_validator(mode="before")
    @classmethod
    def _from_parsed_payload(cls, data: Any) -> Any:
        # Pages written before payloads travelled as text carry the parsed object.
        if isinstance(data, dict) and isinstance(data.get("payload"), dict | list):
            payload = data["payload"]
            text = orjson.dumps(payload).decode()
            return {**data, "payload": text, "content_hash": content_hash(payload)}
        return data


class NotModifiedItem(BaseModel, frozen=True):
    """An item upstream answered 304 for: unchanged since the validators we sent.

    The writer counts it unchanged and touches ``synced_at`` only, provided the row
    still holds those validators; the payload never travels.
    """

    external_id: str = Field(min_length=1, max_length=191)
    etag: str | None = Field(default=None, max_length=255)
    last_modified: str | None = Field(default=None, max_length=64)


class FailedItem(BaseModel, frozen=True):
    """An item whose fetch failed permanently; recorded on the job, not retried."""

    external_id: str = Field(min_length=1, max_length=191)
    error: RedactedText = Field(max_length=1000)
    attempts: int = Field(default=1, ge=1)


class Page(BaseModel, frozen=True):
    """One unit of writing: applied exactly once per ``(job_id, page_key)``."""

    type: Literal["page"] = "page"
    page_key: str = Field(min_length=1, max_length=191)
    items: list[FetchedItem] = Field(default_factory=list)
    failed: list[FailedItem] = Field(default_factory=list)
    not_modified: list[NotModifiedItem] = Field(default_factory=list)
    total: int | None = Field(default=None, ge=0)  # upstream's count, where it has one
    pages_total: int | None = Field(default=None, ge=1)  # set by the page that fans out
    # A for_each job counts one page per value as it opens; the page that ends a value's
    # walk (``walk_ended``) adds the walk's other pages, so the job ends once every walk
    # has and every page counted landed, whatever order the writers commit them in.
    pages_added: int = Field(default=0, ge=0)
    walk_ended: bool = False
    fetched_at: AwareDatetime
    # A failure of the whole job (the upstream rejected our credentials, say): the
    # writer closes the job as failed with this message, masked like every stored error.
    job_error: RedactedText | None = Field(default=None, max_length=1000)
    # The source's change signal as this complete list job started, and whether it was
    # unchanged, so the job ends at once with every stored item counted unchanged.
    change_signal: str | None = Field(default=None, max_length=191)
    unchanged_by_signal: bool = False
    # Incremental sources: the largest cursor_field among the page's records, which the
    # writer keeps for the source once the job succeeds; and whether the page asked for
    # changed records only, which keeps the job from marking deletions.
    cursor: str | None = Field(default=None, max_length=191)
    incremental: bool = False


class PageMessage(BaseModel, frozen=True):
    """A page with its envelope, as read from or written to the stream."""

    envelope: Envelope
    page: Page

    @property
    def page_key(self) -> str:
        """The page's identity within its job."""
        return self.page.page_key
