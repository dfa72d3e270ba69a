"""Whether Redis is set up to hold a queue: it keeps its data and never evicts a key.

Without persistence a restart drops every stream entry; an evicting ``maxmemory-policy``
drops entries, breaker state and scheduler claims whenever memory runs short. The
pipeline survives both (open jobs are re-driven from MySQL), so ``/health`` reports them
as warnings and keeps answering 200.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

READ_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class RedisDurability:
    """What Redis reports about keeping its data."""

    aof_enabled: bool
    save_points: str | None  # CONFIG GET save: "" is none; None when CONFIG is not allowed
    maxmemory_policy: str


def durability_warnings(durability: RedisDurability) -> list[str]:
    """One line per way this Redis can lose queued entries; empty when it cannot."""
    warnings: list[str] = []
    if not durability.aof_enabled and durability.save_points == "":
        warnings.append(
            "redis: no persistence (appendonly no, no save points): a restart loses every "
            "queued entry; set appendonly yes and appendfsync everysec"
        )
    elif not durability.aof_enabled and durability.save_points is None:
        warnings.append(
            "redis: appendonly no, and CONFIG GET save is not allowed to tell the save points; "
            "set appendonly yes and appendfsync everysec"
        )
    if durability.maxmemory_policy != "noeviction":
        warnings.append(
            f"redis: maxmemory-policy is {durability.maxmemory_policy}: under memory pressure "
            "Redis evicts queued entries and locks; set maxmemory-policy noeviction"
        )
    return warnings


async def read_durability(redis: Redis) -> RedisDurability:
    """Ask Redis how it keeps its data (``INFO persistence``, ``INFO memory``, ``CONFIG GET``)."""
    persistence: dict[str, Any] = await redis.info("persistence")
    memory: dict[str, Any] = await redis.info("memory")
    try:
        config: dict[Any, Any] = await redis.config_get("save")
    except ResponseError:  # managed Redis often renames or forbids CONFIG
        save_points = None
    else:
        raw = config.get("save", config.get(b"save", ""))
        save_points = (raw.decode() if isinstance(raw, bytes) else str(raw)).strip()
    policy = memory.get("maxmemory_policy", "noeviction")
    return RedisDurability(
        aof_enabled=int(persistence.get("aof_enabled", 0)) == 1,
        save_points=save_points,
        maxmemory_policy=policy.decode() if isinstance(policy, bytes) else str(policy),
    )


async def redis_warnings(redis: Redis) -> list[str]:
    """The durability warnings of this Redis; none when it cannot be read (its check says why)."""
    try:
        durability = await asyncio.wait_for(read_durability(redis), timeout=READ_TIMEOUT_S)
    except (RedisError, OSError, TimeoutError):
        return []
    return durability_warnings(durability)
