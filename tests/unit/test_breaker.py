"""The shared circuit breaker's state machine, on fakeredis and on real Redis."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from redis.asyncio import Redis
from structlog.testing import capture_logs

from shared.config import RetrySettings
from shared.errors import CircuitOpenError, PermanentUpstreamError, TransientUpstreamError
from shared.resilience import breaker as breaker_module
from shared.resilience.breaker import Breaker, read_breaker
from shared.resilience.upstream import call_upstream
from shared.streams.names import breaker_key


@pytest.fixture
def redis(any_redis: Redis) -> Redis:
    """The breaker's contract holds on fakeredis and on a real Redis alike."""
    return any_redis


def _breaker(redis: Redis, *, open_ms: int = 60_000, probe_ms: int = 60_000) -> Breaker:
    return Breaker(redis=redis, source="pokemon", threshold=3, open_ms=open_ms, probe_ms=probe_ms)


async def _trip(breaker: Breaker) -> None:
    for _ in range(breaker.threshold):
        await breaker.guard()
        await breaker.failed()


async def _allowed(breaker: Breaker) -> bool:
    try:
        await breaker.guard()
    except CircuitOpenError:
        return False
    return True


async def test_closed_breaker_lets_calls_through(redis: Redis) -> None:
    """A breaker never used is closed and allows calls."""
    assert await _allowed(_breaker(redis))
    assert (await read_breaker(redis, "pokemon")).state == "closed"


async def test_threshold_consecutive_failures_open_it(redis: Redis) -> None:
    """RETRY_CIRCUIT_THRESHOLD failures in a row open the breaker; calls then fail fast."""
    breaker = _breaker(redis)
    for _ in range(2):
        await breaker.guard()
        await breaker.failed()
    assert (await read_breaker(redis, "pokemon")).state == "closed"
    await breaker.failed()
    state = await read_breaker(redis, "pokemon")
    assert (state.state, state.trips) == ("open", 1)
    with pytest.raises(CircuitOpenError) as raised:
        await breaker.guard()
    assert 0 < raised.value.retry_after_s <= 60


async def test_a_success_resets_the_consecutive_count(redis: Redis) -> None:
    """Failures separated by a success never reach the threshold."""
    breaker = _breaker(redis)
    for _ in range(5):
        await breaker.guard()
        await breaker.failed()
        await breaker.failed()
        await breaker.succeeded()
    assert (await read_breaker(redis, "pokemon")).state == "closed"


async def test_state_is_shared_by_every_fetcher(redis: Redis) -> None:
    """Failures seen by different fetchers add up in one breaker that all of them obey."""
    fetchers = [_breaker(redis) for _ in range(3)]
    for breaker in fetchers:
        await breaker.guard()
        await breaker.failed()
    assert [await _allowed(b) for b in fetchers] == [False, False, False]


async def test_after_the_timeout_exactly_one_probe_goes_out(redis: Redis) -> None:
    """Once the open time is over, one caller among many concurrent ones is let through."""
    await _trip(_breaker(redis, open_ms=0))
    fetchers = [_breaker(redis, open_ms=0) for _ in range(10)]
    results = await asyncio.gather(*(_allowed(b) for b in fetchers))
    assert sum(results) == 1
    assert (await read_breaker(redis, "pokemon")).state == "half_open"


async def test_probe_success_closes_the_breaker(redis: Redis) -> None:
    """A successful half-open probe closes the breaker for everyone."""
    await _trip(_breaker(redis, open_ms=0))
    probe = _breaker(redis, open_ms=0)
    await probe.guard()
    await probe.succeeded()
    assert (await read_breaker(redis, "pokemon")).state == "closed"
    assert all([await _allowed(_breaker(redis)) for _ in range(3)])


async def test_probe_failure_reopens_the_breaker(redis: Redis) -> None:
    """A failed half-open probe opens the breaker again for a full timeout."""
    await _trip(_breaker(redis, open_ms=0))
    probe = _breaker(redis, open_ms=60_000)
    await redis.hset(breaker_key("pokemon"), "open_until_ms", 0)
    await probe.guard()
    await probe.failed()
    state = await read_breaker(redis, "pokemon")
    assert (state.state, state.trips) == ("open", 2)
    assert not await _allowed(probe)


async def test_a_lost_probe_is_replaced_after_its_deadline(redis: Redis) -> None:
    """If the probing fetcher dies, another probe is allowed once the probe time is over."""
    await _trip(_breaker(redis, open_ms=0, probe_ms=0))
    assert await _allowed(_breaker(redis, open_ms=0, probe_ms=0))
    assert await _allowed(_breaker(redis, open_ms=0, probe_ms=0))
    raw: Any = await redis.hget(breaker_key("pokemon"), "probes")
    assert int(raw) == 2


async def test_state_is_readable_as_a_plain_hash(redis: Redis) -> None:
    """An operator sees state, failures and trips with HGETALL."""
    await _trip(_breaker(redis))
    raw: Any = await redis.hgetall(breaker_key("pokemon"))
    fields = {k.decode(): v.decode() for k, v in raw.items()}
    assert fields["state"] == "open"
    assert fields["trips"] == "1"
    assert int(fields["open_until_ms"]) > int(fields["opened_at_ms"])


async def test_call_upstream_counts_transient_failures_and_stops_when_open(redis: Redis) -> None:
    """Retried transient failures trip the breaker, and the open breaker stops further calls."""
    breaker = _breaker(redis)
    calls = 0

    async def failing() -> None:
        nonlocal calls
        calls += 1
        raise TransientUpstreamError("HTTP 503")

    with pytest.raises(TransientUpstreamError):  # 3 attempts under stamina testing
        await call_upstream(failing, breaker=breaker, retry=RetrySettings())
    assert calls == 3
    with pytest.raises(CircuitOpenError):
        await call_upstream(failing, breaker=breaker, retry=RetrySettings())
    assert calls == 3


async def test_permanent_errors_count_as_an_answering_upstream(redis: Redis) -> None:
    """A 404 proves the upstream is up: it resets the failure count and is not retried."""
    breaker = _breaker(redis)
    await breaker.guard()
    await breaker.failed()
    await breaker.failed()
    calls = 0

    async def missing() -> None:
        nonlocal calls
        calls += 1
        raise PermanentUpstreamError("HTTP 404", status=404)

    with pytest.raises(PermanentUpstreamError):
        await call_upstream(missing, breaker=breaker, retry=RetrySettings())
    assert calls == 1
    assert (await read_breaker(redis, "pokemon")).failures == 0


async def test_a_clean_closed_reading_is_reused_only_until_recheck(
    redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fetcher whose calls succeed reuses a closed reading for ``recheck_s``, then re-reads.

    The breaker's clock is the test's, so however slowly the trip runs the reading is still
    fresh until the test moves the clock past ``recheck_s``.
    """
    now = [1000.0]
    monkeypatch.setattr(breaker_module, "time", SimpleNamespace(monotonic=lambda: now[0]))
    reader = Breaker(
        redis=redis, source="pokemon", threshold=3, open_ms=60_000, probe_ms=60_000, recheck_s=0.2
    )
    assert await _allowed(reader)
    await _trip(_breaker(redis))  # another fetcher opens it meanwhile
    assert await _allowed(reader)  # still inside the reused reading
    now[0] += 0.19
    assert await _allowed(reader)  # still inside, just
    now[0] += 0.02
    assert not await _allowed(reader)


async def test_a_failure_seen_ends_the_reused_reading(redis: Redis) -> None:
    """After a failed call of its own a fetcher asks Redis again on every call."""
    reader = Breaker(
        redis=redis, source="pokemon", threshold=1, open_ms=60_000, probe_ms=60_000, recheck_s=60
    )
    assert await _allowed(reader)
    await reader.failed()  # threshold 1: this opens it
    assert not await _allowed(reader)


async def _guards(breaker: Breaker, calls: int) -> list[bool]:
    return list(await asyncio.gather(*(_allowed(breaker) for _ in range(calls))))


async def test_calls_that_come_while_a_clean_reading_is_reread_share_that_read(
    redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the reused reading is due, one call re-reads it; the others wait for its answer."""
    reader = Breaker(
        redis=redis, source="pokemon", threshold=3, open_ms=60_000, probe_ms=60_000, recheck_s=0.05
    )
    reads = 0
    real_eval = redis.eval

    async def counted(*args: Any) -> Any:
        nonlocal reads
        reads += 1
        return await real_eval(*args)

    monkeypatch.setattr(redis, "eval", counted)
    assert await _guards(reader, 20) == [True] * 20
    assert reads == 1
    await asyncio.sleep(0.06)
    assert await _guards(reader, 20) == [True] * 20
    assert reads == 2


async def test_a_shared_reread_that_finds_a_probe_due_lets_one_call_through(redis: Redis) -> None:
    """Another fetcher opened the breaker and its open time is over: of the calls that
    come together, one is the half-open probe and the others are held back."""
    reader = Breaker(
        redis=redis, source="pokemon", threshold=3, open_ms=60_000, probe_ms=60_000, recheck_s=0.05
    )
    assert await _allowed(reader)
    await _trip(_breaker(redis, open_ms=20))
    await asyncio.sleep(0.06)
    assert sorted(await _guards(reader, 20)) == [False] * 19 + [True]
    assert (await read_breaker(redis, "pokemon")).state == "half_open"


GARBLED = {
    "failures not a number": {"state": "closed", "failures": "lots"},
    "state unknown": {"state": "ajar", "failures": "1"},
    "open without open_until_ms": {"state": "open", "failures": "5"},
    "open_until_ms not a number": {"state": "open", "open_until_ms": "soon"},
    "half_open without probe_until_ms": {"state": "half_open"},
    "trips not a whole number": {"state": "closed", "failures": "2", "trips": "1.5"},
    "probes not a number": {"state": "open", "open_until_ms": "0", "probes": "many"},
}


@pytest.mark.parametrize("fields", GARBLED.values(), ids=GARBLED.keys())
async def test_a_garbled_hash_is_reset_to_closed_once_and_never_fails_a_call(
    redis: Redis, fields: dict[str, str]
) -> None:
    """Unreadable state (a redis-cli slip, a partial write) resets the breaker: calls go on."""
    await redis.hset(breaker_key("pokemon"), mapping=fields)
    breaker = _breaker(redis)
    with capture_logs() as logs:
        assert await _allowed(breaker)
        await breaker.failed()
        await breaker.failed()
    resets = [line for line in logs if line["event"] == "breaker.state_reset"]
    assert len(resets) == 1, logs
    assert resets[0]["source"] == "pokemon"
    state = await read_breaker(redis, "pokemon")  # readable again, and counting afresh
    assert (state.state, state.failures) == ("closed", 2)
    await breaker.failed()
    assert (await read_breaker(redis, "pokemon")).state == "open"


@pytest.mark.parametrize("op", ["allow", "success", "failure"])
async def test_a_key_of_another_type_is_replaced_by_a_closed_breaker(redis: Redis, op: str) -> None:
    """A string (or any non-hash) where the breaker's hash belongs is reset, whatever the call."""
    await redis.set(breaker_key("pokemon"), "open")
    breaker = _breaker(redis)
    breaker._clean = False  # every call goes to Redis
    with capture_logs() as logs:
        if op == "allow":
            assert await _allowed(breaker)
        elif op == "success":
            await breaker.succeeded()
        else:
            await breaker.failed()
    assert [line["event"] for line in logs if line["event"].startswith("breaker.")] == [
        "breaker.state_reset"
    ]
    assert (await read_breaker(redis, "pokemon")).state == "closed"
