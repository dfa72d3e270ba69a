"""A circuit breaker per source whose state lives in Redis, shared by every fetcher.

closed ──(RETRY_CIRCUIT_THRESHOLD consecutive failures)──▶ open
open ──(RETRY_CIRCUIT_TIMEOUT elapsed: the first caller becomes the one probe)──▶ half_open
half_open ──(probe succeeds)──▶ closed      half_open ──(probe fails)──▶ open

Every transition runs in one Lua script on Redis's clock, so fetchers on many
hosts agree. ``redis-cli HGETALL itemsync:breaker:<source>`` shows the state.
State the script cannot read (a field that is not a number, an unknown state, a key
of another type) is deleted and the breaker starts closed: the one caller that reset
it logs ``breaker.state_reset``. A garbled buffer must never fail every fetch.

A fetcher whose own calls succeed may skip re-reading a closed breaker for
``recheck_s``: one Redis round trip per request was a fifth of a fetcher's time.
When that reading is due, one call re-reads it and the calls that come meanwhile
share its answer if it is still clean (closed, no failures); any other answer each
reads for itself, so a half-open breaker still lets one probe through. Any failure a
fetcher sees sends it back to Redis on every call.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.errors import CircuitOpenError, CorruptState
from shared.events.model import EventOut, EventType
from shared.events.publish import publish_event
from shared.streams.names import breaker_key
from shared.values.clock import utc_now

log = structlog.get_logger()

_SCRIPT = """
local key = KEYS[1]
local op = ARGV[1]
local threshold = tonumber(ARGV[2])
local open_ms = tonumber(ARGV[3])
local probe_ms = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- Redis is a recoverable buffer: state nobody can read (a redis-cli slip, a key of
-- another type) is dropped and the breaker starts closed, rather than failing every call.
local function unreadable(h)
  local s = h.state or 'closed'
  if s ~= 'closed' and s ~= 'open' and s ~= 'half_open' then
    return 'state ' .. string.sub(s, 1, 40) .. ' is none of closed, open, half_open'
  end
  for _, name in ipairs({'failures', 'trips', 'probes', 'opened_at_ms', 'open_until_ms',
                         'probe_until_ms', 'closed_at_ms'}) do
    local v = h[name]
    if v ~= nil and (#v > 18 or not string.match(v, '^%-?%d+$')) then
      return name .. ' ' .. string.sub(v, 1, 40) .. ' is not a whole number'
    end
  end
  if s == 'open' and h.open_until_ms == nil then return 'state open without open_until_ms' end
  if s == 'half_open' and h.probe_until_ms == nil then
    return 'state half_open without probe_until_ms'
  end
  return nil
end

local h = {}
local raw = redis.pcall('HGETALL', key)
local reset
if raw.err then
  reset = 'not a hash'
else
  for i = 1, #raw, 2 do h[raw[i]] = raw[i + 1] end
  reset = unreadable(h)
end
if reset then
  redis.call('DEL', key)
  h = {}
end
local state = h.state or 'closed'
local failures = tonumber(h.failures or '0')

local function trip()
  redis.call('HSET', key, 'state', 'open', 'opened_at_ms', now, 'open_until_ms', now + open_ms,
             'failures', failures)
  redis.call('HINCRBY', key, 'trips', 1)
  return {'open', 0, failures, 'opened'}
end

local function run()
  if op == 'allow' then
    if state == 'closed' then return {'closed', 1, failures} end
    if state == 'open' then
      local open_until = tonumber(h.open_until_ms)
      if now < open_until then return {'open', 0, open_until - now} end
      redis.call('HSET', key, 'state', 'half_open', 'probe_until_ms', now + probe_ms)
      redis.call('HINCRBY', key, 'probes', 1)
      return {'half_open', 1, 0}
    end
    local probe_until = tonumber(h.probe_until_ms)
    if now < probe_until then return {'half_open', 0, probe_until - now} end
    redis.call('HSET', key, 'probe_until_ms', now + probe_ms)
    redis.call('HINCRBY', key, 'probes', 1)
    return {'half_open', 1, 0}
  elseif op == 'success' then
    if state ~= 'closed' then
      redis.call('HSET', key, 'state', 'closed', 'failures', 0, 'closed_at_ms', now)
      return {'closed', 1, 0, 'closed'}
    elseif failures > 0 then
      redis.call('HSET', key, 'failures', 0)
    end
    return {'closed', 1, 0}
  elseif op == 'failure' then
    if state == 'half_open' then return trip() end
    if state == 'open' then return {'open', 0, 0} end
    failures = failures + 1
    if failures >= threshold then return trip() end
    redis.call('HSET', key, 'state', 'closed', 'failures', failures)
    return {'closed', 1, failures}
  end
end

if op ~= 'allow' and op ~= 'success' and op ~= 'failure' then
  return redis.error_reply('unknown breaker op ' .. op)
end
local reply = run()
if reset then  -- the caller that reset it says so, once
  reply[4] = reply[4] or ''
  reply[5] = reset
end
return reply
"""


@dataclass(frozen=True)
class BreakerState:
    """A snapshot of one breaker, as ``/health`` and ``item-sync status`` show it."""

    source: str
    state: str
    failures: int
    trips: int
    open_until_ms: int | None


@dataclass
class Breaker:
    """One source's breaker. ``guard`` before a call; ``succeeded``/``failed`` after it."""

    redis: Redis
    source: str
    threshold: int
    open_ms: int
    probe_ms: int
    recheck_s: float = 0.0  # how long a clean, closed reading may be reused
    _clean: bool = True  # last known: closed with no failures, so a success needs no write
    _clean_until: float = field(default=0.0, init=False)  # monotonic; reuse the reading until
    # The re-read of a clean reading in flight, shared by the calls that come meanwhile.
    _rereading: asyncio.Future[tuple[str, int, int]] | None = field(default=None, init=False)

    async def guard(self) -> None:
        """Return when a call may go out; raise ``CircuitOpenError`` with the wait otherwise."""
        if self._clean and time.monotonic() < self._clean_until:
            return
        shared = self._rereading if self._clean else None
        if shared is not None and _is_clean(await asyncio.shield(shared)):
            return
        state, allowed, extra = await self._read()
        if not allowed:
            raise CircuitOpenError(self.source, retry_after_s=max(extra, 1) / 1000)
        self._clean = state == "closed" and extra == 0
        self._clean_until = time.monotonic() + self.recheck_s if self._clean else 0.0

    async def _read(self) -> tuple[str, int, int]:
        """``allow`` in Redis; a re-read of a clean reading is shared (see the docstring)."""
        if not (self._clean and self.recheck_s > 0):
            return await self._run("allow")
        rereading = asyncio.ensure_future(self._run("allow"))
        self._rereading = rereading
        rereading.add_done_callback(self._reread)
        return await asyncio.shield(rereading)  # a cancelled caller leaves it to the others

    def _reread(self, rereading: asyncio.Future[tuple[str, int, int]]) -> None:
        if self._rereading is rereading:
            self._rereading = None
        if not rereading.cancelled():
            rereading.exception()  # retrieved here too: every waiter may have been cancelled

    async def succeeded(self) -> None:
        """Record a call that reached a healthy upstream."""
        if not self._clean:
            await self._run("success")
            self._clean = True

    async def failed(self) -> None:
        """Record a call that found the upstream failing (timeout, 5xx, 429, broken body)."""
        self._clean = False
        self._clean_until = 0.0
        await self._run("failure")

    async def _run(self, op: str) -> tuple[str, int, int]:
        reply: Any = await self.redis.eval(
            _SCRIPT, 1, breaker_key(self.source), op, self.threshold, self.open_ms, self.probe_ms
        )
        state = _text(reply[0])
        if len(reply) > 4:
            log.warning(
                "breaker.state_reset",
                source=self.source,
                key=breaker_key(self.source),
                reason=_text(reply[4]),
            )
        if len(reply) > 3 and reply[3]:  # this call moved the breaker: the one to announce it
            await self._announce(state, int(reply[2]) if state == "open" else 0)
        return state, int(reply[1]), int(reply[2])

    async def _announce(self, state: str, failures: int) -> None:
        kind = EventType.BREAKER_OPENED if state == "open" else EventType.BREAKER_CLOSED
        data = {"state": state, "failures": failures, "open_ms": self.open_ms}
        await publish_event(
            self.redis, EventOut(type=kind, at=utc_now(), source=self.source, data=data)
        )


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


BREAKER_STATES = ("closed", "open", "half_open")
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,19}")


def _is_clean(reading: tuple[str, int, int]) -> bool:
    state, allowed, extra = reading
    return state == "closed" and bool(allowed) and extra == 0


async def read_breaker(redis: Redis, source: str) -> BreakerState:
    """The breaker as stored (``closed`` when it was never used).

    Raises ``CorruptState`` naming the key and field when the hash cannot be read.
    """
    key = breaker_key(source)
    try:
        raw: Any = await redis.hgetall(key)
    except ResponseError as exc:  # WRONGTYPE: something else wrote a non-hash here
        raise CorruptState(f"{key} is not a hash") from exc
    fields: dict[str, str] = {}
    for name, value in raw.items():
        field_name = name.decode("utf-8", "replace")
        try:
            fields[field_name] = value.decode()
        except UnicodeDecodeError:
            raise CorruptState(f"{key}: {field_name} is not UTF-8") from None
    state = fields.get("state", "closed")
    if state not in BREAKER_STATES:
        raise CorruptState(f"{key}: state {state[:40]!r} is none of {', '.join(BREAKER_STATES)}")
    if state == "open" and "open_until_ms" not in fields:
        raise CorruptState(f"{key}: state open without open_until_ms")
    until = _int_field(key, fields, "open_until_ms")
    return BreakerState(
        source=source,
        state=state,
        failures=_int_field(key, fields, "failures") or 0,
        trips=_int_field(key, fields, "trips") or 0,
        open_until_ms=until if state != "closed" else None,
    )


def _int_field(key: str, fields: dict[str, str], name: str) -> int | None:
    value = fields.get(name)
    if value is None:
        return None
    if _WHOLE_NUMBER.fullmatch(value) is None:
        raise CorruptState(f"{key}: {name} {value[:40]!r} is not a whole number")
    return int(value)
