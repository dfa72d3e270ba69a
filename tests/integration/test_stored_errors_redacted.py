"""Every error kept in Redis or MySQL passes through the one redaction: no secret is stored."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import aiomysql
import pytest
from redis.asyncio import Redis

from services.writer.upsert import apply_batch
from shared.db.job_transitions import fail_job
from shared.models.pages import FailedItem
from shared.observability.redaction import forget_secrets, register_secrets
from shared.streams import names
from shared.streams.deadletter import dead_letter, list_dead
from shared.streams.groups import ensure_groups
from shared.streams.handler import Handled
from shared.streams.loop import ConsumerLoop, LoopSettings
from tests.integration.jobs_helpers import item, new_job, page, reload
from tests.numbered import Numbered, commands_reader, each_numbered

KEY = "int-owm-key-51d2"
LEAKY = f'GET http://up/weather?q=Rome&appid={KEY} said {{"password": "hunter22"}}'
FAST = LoopSettings(count=10, claim_idle_ms=50, max_deliveries=2, grace_s=0.2, claim_every_s=0.05)


@pytest.fixture(autouse=True)
def _key_registered() -> Iterator[None]:
    """The key is registered as a service registers its settings at start-up."""
    register_secrets([KEY])
    yield
    forget_secrets()


def _assert_clean(text: str) -> None:
    assert KEY not in text
    assert "hunter22" not in text


async def _stored_errors(redis: Redis) -> list[str]:
    keys: list[Any] = [key async for key in redis.scan_iter("itemsync:error:*")]
    values: list[Any] = [await redis.get(key) for key in keys]
    return [value.decode() for value in values]


async def test_errors_a_consumer_keeps_and_dead_letters_are_redacted(redis: Redis) -> None:
    """An entry failing with a leaky exception leaves masked errors and a masked dead letter."""
    await ensure_groups(redis)
    await redis.xadd(names.COMMANDS, {"type": "list", "n": "leaky"})

    async def handle(message: Numbered) -> Handled:
        raise ValueError(LEAKY)

    reader = commands_reader(redis, "c1")
    stop = asyncio.Event()
    task = asyncio.create_task(ConsumerLoop(reader, each_numbered(handle), FAST).run_until(stop))
    for _ in range(100):
        if await list_dead(redis):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=5)

    stored = await _stored_errors(redis)
    dead = await list_dead(redis)
    assert stored
    assert len(dead) == 1
    assert "appid=***" in dead[0].error
    for text in [*stored, dead[0].error]:
        _assert_clean(text)


async def test_a_dead_letter_masks_its_error_and_envelope_but_keeps_the_body(
    redis: Redis,
) -> None:
    """A poison entry that echoes a secret is dead-lettered masked; its body stays replayable."""
    await ensure_groups(redis)
    body = '{"offset": 0, "limit": 20}'
    fields = {b"type": b"list", b"source": f"appid={KEY}".encode(), b"body": body.encode()}
    entry_id = await redis.xadd(names.COMMANDS, fields)  # type: ignore[arg-type]
    reader = commands_reader(redis, "c1")
    await reader.read(10)
    await dead_letter(redis, reader, entry_id, fields, LEAKY, deliveries=1)
    [dead] = await list_dead(redis)
    _assert_clean(repr(dead))
    assert dead.fields["source"] == "appid=***"
    assert dead.fields["body"] == body


async def test_job_errors_stored_in_mysql_are_redacted(pool: aiomysql.Pool) -> None:
    """``sync_jobs.error`` and ``sync_job_errors.error`` never hold a secret."""
    failed_job = await new_job(pool)
    await fail_job(pool, failed_job.id, LEAKY)
    failed = await reload(pool, failed_job)
    assert failed.error is not None
    _assert_clean(failed.error)

    partial_job = await new_job(pool)
    failures = [FailedItem(external_id="Rome", error=LEAKY)]
    async with pool.acquire() as conn:
        await apply_batch(
            conn,
            [page(partial_job, "list:0", [item(1)], failed=failures, pages_total=1)],
            max_statement_bytes=4 * 1024 * 1024,
        )
        async with conn.cursor() as cur:
            await cur.execute("SELECT error FROM sync_job_errors")
            rows = await cur.fetchall()
        await conn.commit()
    assert rows
    for (error,) in rows:
        _assert_clean(error)
