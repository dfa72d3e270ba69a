"""How a source reaches its upstream: one session, the source's shared breaker and budget."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from shared.config import RetrySettings
from shared.resilience.breaker import Breaker
from shared.resilience.budget import RequestBudget
from shared.resilience.upstream import call_upstream
from shared.sources.documents import JsonDocument
from shared.sources.http import get_document, get_if_changed
from shared.sources.validators import NotModified, Validator


@dataclass(frozen=True)
class UpstreamClient:
    """GETs JSON documents for one source through its breaker, budget and the retry policy."""

    source: str
    session: aiohttp.ClientSession
    breaker: Breaker
    retry: RetrySettings
    timeout_s: float
    budget: RequestBudget | None = None

    async def get_document(
        self, url: str, *, what: str, params: dict[str, str] | None = None, whole: bool = True
    ) -> JsonDocument:
        """The JSON document at ``url``; ``what`` names the call in errors (never the URL).

        ``whole=False`` keeps only an object's top-level scalars parsed (see ``JsonDocument``).
        """
        return await call_upstream(
            lambda: get_document(
                self.session,
                url,
                source=self.source,
                what=what,
                timeout_s=self.timeout_s,
                params=params,
                whole=whole,
            ),
            breaker=self.breaker,
            retry=self.retry,
            budget=self.budget,
        )

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
            ),
            breaker=self.breaker,
            retry=self.retry,
            budget=self.budget,
        )
