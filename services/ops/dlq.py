"""``item-sync dlq list | replay [ID...] | purge [ID...]``: the dead-letter stream."""

from __future__ import annotations

import asyncio

from shared.config import Settings
from shared.redis import redis_client
from shared.streams.deadletter import list_dead, purge_dead, replay_dead


def run_dlq(settings: Settings, action: str, ids: list[str], limit: int) -> int:
    """Run one dead-letter action and print its outcome; the exit code."""
    return asyncio.run(_run(settings, action, ids, limit))


async def _run(settings: Settings, action: str, ids: list[str], limit: int) -> int:
    async with redis_client(settings.redis) as redis:
        if action == "list":
            dead = await list_dead(redis, limit=limit)
            for entry in dead:
                print(
                    f"{entry.dead_id}  {entry.stream}#{entry.entry_id}  "
                    f"type={entry.fields.get('type', '?')} job={entry.fields.get('job_id', '?')} "
                    f"deliveries={entry.deliveries}\n    error: {entry.error}"
                )
            print(f"{len(dead)} dead letter(s)")
        elif action == "replay":
            new_ids = await replay_dead(redis, ids)
            print(f"replayed {len(new_ids)} dead letter(s)")
        else:
            print(f"purged {await purge_dead(redis, ids)} dead letter(s)")
    return 0
