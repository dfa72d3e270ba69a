"""The error taxonomy: each class names what the caller does next."""

from __future__ import annotations


class ItemSyncError(Exception):
    """Base for every error we raise on purpose."""


class ConfigError(ItemSyncError):
    """A setting is missing or invalid: the process stops with one line."""


class UpstreamError(ItemSyncError):
    """An upstream API call did not give us what we asked for."""


class TransientUpstreamError(UpstreamError):
    """Timeout, 5xx, 429 or broken body: retry with backoff; honour ``retry_after_s``."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PermanentUpstreamError(UpstreamError):
    """404, 400, 401: recorded in the page's ``failed`` and not retried.

    ``action`` is what the source's status table says the answer means: ``item_failed``
    (the default), ``job_failed`` (the source turns it into ``JobFailedError``) or
    ``ignore`` (the answer counts as holding nothing).
    """

    def __init__(
        self, message: str, *, status: int | None = None, action: str = "item_failed"
    ) -> None:
        super().__init__(message)
        self.status = status
        self.action = action


class InvalidMessage(ItemSyncError):
    """A stream entry that cannot be decoded or handled: dead-lettered at once with the reason."""


class Delay(ItemSyncError):
    """Not now: the consumer loop requeues the message after ``retry_after_s``; not a failure."""

    def __init__(self, reason: str, *, retry_after_s: float) -> None:
        super().__init__(f"{reason}; retry in {retry_after_s:.1f}s")
        self.reason = reason
        self.retry_after_s = retry_after_s


class NotFound(ItemSyncError):
    """The requested resource does not exist: HTTP 404."""


class InvalidRequest(ItemSyncError):
    """The client sent something we cannot act on: HTTP 400."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidField(InvalidRequest):
    """A field holds a value outside what the API describes: HTTP 422, like any failed check."""


class CorruptState(ItemSyncError):
    """Redis holds a value we cannot read: report it by name, never crash on it."""


class CircuitOpenError(UpstreamError):
    """The source's breaker is open: delay the command, never dead-letter it."""

    def __init__(self, source: str, retry_after_s: float) -> None:
        super().__init__(f"circuit for {source!r} is open; retry in {retry_after_s:.1f}s")
        self.source = source
        self.retry_after_s = retry_after_s


class JobFailedError(UpstreamError):
    """The whole job cannot succeed (the upstream rejected our key): close it as failed.

    The message is shown on the job as it is, so it never holds a secret or a URL.
    """
