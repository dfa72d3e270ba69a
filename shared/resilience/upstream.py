"""Every upstream call goes through here: the breaker, the request budget, the retry policy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from shared.config import RetrySettings
from shared.errors import PermanentUpstreamError, TransientUpstreamError
from shared.resilience.budget import RequestBudget
from shared.resilience.guard import CallGuard
from shared.resilience.retry import upstream_attempts

T = TypeVar("T")


async def call_upstream(
    call: Callable[[], Awaitable[T]],
    *,
    breaker: CallGuard,
    retry: RetrySettings,
    budget: RequestBudget | None = None,
) -> T:
    """Run ``call`` with retries; each attempt asks the breaker, then takes a budget token.

    An open breaker raises ``CircuitOpenError``, which is not retried here: the
    command waits for the breaker instead. A permanent error proves the upstream
    answers, so it counts as a success for the breaker. Every attempt is a request,
    so every attempt waits for its own slot in the source's budget.
    """
    try:  # most calls succeed at once: only a failed one pays for a retry context
        return await _attempt(call, breaker, budget)
    except TransientUpstreamError as exc:
        first_failure: TransientUpstreamError | None = exc
    async for attempt in upstream_attempts(retry):
        with attempt:
            if first_failure is not None:
                # Hand stamina the first attempt's error: it backs off (or honours
                # Retry-After) and counts the retry as if it had made that attempt.
                failure, first_failure = first_failure, None
                raise failure
            return await _attempt(call, breaker, budget)
    raise AssertionError("unreachable: stamina raises when attempts run out")


async def _attempt(
    call: Callable[[], Awaitable[T]], breaker: CallGuard, budget: RequestBudget | None
) -> T:
    await breaker.guard()
    if budget is not None:
        await budget.take()
    try:
        result = await call()
    except TransientUpstreamError:
        await breaker.failed()
        raise
    except PermanentUpstreamError:
        await breaker.succeeded()
        raise
    await breaker.succeeded()
    return result
