"""How a source reaches its upstream: one session, the source's shared breaker and budget."""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp

from shared.config import RetrySettings
from shared.resilience.budget import RequestBudget
from shared.resilience.guard import CallGuard
from shared.resilience.upstream import call_upstream
from shared.sources.documents import JsonDocument
from shared.sources.http import StatusActions, get_if_changed, unconditional
from shared.sources.validators import NotModified, Validator


@dataclass(frozen=True)
class UpstreamClient:
    """GETs JSON documents for one source through its breaker, budget and the retry policy."""

    source: str
    session: aiohttp.ClientSession
    breaker: CallGuard
    retry: RetrySettings
    timeout_s: float
    budget: RequestBudget | None = None
    # Sent with every request (a definition's and its auth's): never shown in a repr.
    headers: dict[str, str] | None = field(default=None, repr=False)
    actions: StatusActions | None = None  # the source's status table; None: 429/5xx retried

    async def get_document(
        self, url: str, *, what: str, params: dict[str, str] | None = None, whole: bool = True
    ) -> JsonDocument:
        """The JSON document at ``url``; ``what`` names the call in errors (never the URL).

        ``whole=False`` keeps only an object's top-level scalars parsed (see ``JsonDocument``).
        """
        answer = await self.get_if_changed(
            url, what=what, validator=None, params=params, whole=whole
        )
        return unconditional(answer, what=what)

    async def get_if_changed(
        self,
        url: str,
        *,
        what: str,
        validator: Validator | None,
        params: dict[str, str] | None = None,
        whole: bool = True,
    ) -> JsonDocument | NotModified:
        """The document at ``url``, or ``NotModified`` when ``validator`` still holds."""
        return await call_upstream(
            lambda: get_if_changed(
                self.session,
                url,
                source=self.source,
                what=what,
                timeout_s=self.timeout_s,
                params=params,
                whole=whole,
                validator=validator,
                headers=self.headers,
                actions=self.actions,
            ),
            breaker=self.breaker,
            retry=self.retry,
            budget=self.budget,
        )
