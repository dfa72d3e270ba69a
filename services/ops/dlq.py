"""``item-sync dlq list | replay [ID...] | purge ID... | purge --all``: the dead-letter stream."""

from __future__ import annotations

import asyncio
import sys

from shared.config import Settings
from shared.redis.client import redis_client
from shared.streams.deadletter import list_dead, purge_dead, replay_dead

EXIT_USAGE = 2


def run_dlq(
    settings: Settings, action: str, ids: list[str], limit: int, *, purge_all: bool = False
) -> int:
    """Run one dead-letter action and print its outcome; the exit code."""
    refusal = _purge_refusal(action, ids, purge_all=purge_all)
    if refusal is not None:
        print(f"error: {refusal}", file=sys.stderr)
        return EXIT_USAGE
    return asyncio.run(_run(settings, action, ids, limit))


def _purge_refusal(action: str, ids: list[str], *, purge_all: bool) -> str | None:
    # Purging cannot be undone, so "everything" must be asked for in so many words.
    if purge_all and action != "purge":
        return "--all goes with purge only; replay with no ids replays every dead letter"
    if action == "purge" and not ids and not purge_all:
        return (
            "dlq purge deletes for good: name the ids (item-sync dlq list shows them) or pass --all"
        )
    if action == "purge" and ids and purge_all:
        return "dlq purge takes ids or --all, not both"
    return None


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
