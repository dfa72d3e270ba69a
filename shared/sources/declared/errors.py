"""What goes wrong while walking a declared source's answers, named for what happens next."""

from __future__ import annotations

from shared.errors import JobFailedError, PermanentUpstreamError


class PageShapeError(PermanentUpstreamError):
    """An answer lacks what the definition points at (a path, an id): that page fails."""


class PaginationError(JobFailedError):
    """The walk cannot end well (``max_pages``, a repeating cursor, a foreign host): the job
    fails, since carrying on would loop or leave the API, and stopping would truncate."""
