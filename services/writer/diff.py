"""The item diff: under the row locks of a batch's keys, decide which items to write.

A new item is created; a stored one is overwritten when its content changed, it was
deleted, or the job forces a sync; otherwise it is unchanged, and only validators
that changed are kept. A fetch older than the stored row never overwrites it. Each
outcome is counted on its job and its source.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import aiomysql

from services.writer.not_modified import not_modified_keys
from services.writer.tally import BatchResult, JobTally
from shared.db.item_counts import CountDeltas
from shared.db.item_writes import ItemWrite, StoredItem, ValidatorRefresh, lock_items
from shared.models.pages import PageMessage


@dataclass
class WritePlan:
    """What the batch writes, decided under the row locks of its keys."""

    writes: list[ItemWrite] = field(default_factory=list)
    refreshed: list[ValidatorRefresh] = field(default_factory=list)
    locked: dict[str, dict[str, StoredItem]] = field(default_factory=dict)
    decided: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


async def plan_writes(
    conn: aiomysql.Connection,
    fresh: list[PageMessage],
    force: dict[uuid.UUID, bool],
    result: BatchResult,
    counts: CountDeltas,
) -> WritePlan:
    """Lock the rows of every item the pages name (sorted); count each outcome on its job
    and its source."""
    plan = WritePlan()
    candidates_by_source = _candidates(fresh)
    unmodified = not_modified_keys(fresh)
    for source in sorted(set(candidates_by_source) | set(unmodified)):
        candidates = candidates_by_source.get(source, [])
        keys = sorted({c.item.external_id for c in candidates} | unmodified.get(source, set()))
        stored = await lock_items(conn, source, keys)
        plan.locked[source] = dict(stored)
        decided = plan.decided[source]
        for candidate in candidates:
            key = candidate.item.external_id
            tally = result.tallies[candidate.job_id]
            if key in decided:  # the same item twice in one batch: the first one counts
                tally.unchanged += 1
                continue
            decided.add(key)
            before = stored.get(key)
            if _should_write(candidate, before, force[candidate.job_id], tally):
                plan.writes.append(candidate)
                if before is None:
                    counts.created(source)
                else:
                    result.changed_item_ids.append(before.item_id)
                    if before.deleted:
                        counts.revived(source)
            elif before is not None and _new_validators(candidate, before):
                item = candidate.item
                plan.refreshed.append(
                    ValidatorRefresh(
                        item_id=before.item_id, etag=item.etag, last_modified=item.last_modified
                    )
                )
    return plan


def _candidates(pages: list[PageMessage]) -> dict[str, list[ItemWrite]]:
    by_source: dict[str, list[ItemWrite]] = defaultdict(list)
    for message in pages:
        for item in message.page.items:
            # The fetcher hashed the payload: its text is stored as received, never parsed here.
            by_source[message.envelope.source].append(
                ItemWrite(
                    job_id=message.envelope.job_id,
                    source=message.envelope.source,
                    item=item,
                    fetched_at=message.page.fetched_at,
                )
            )
    return by_source


def _should_write(
    candidate: ItemWrite, before: StoredItem | None, force: bool, tally: JobTally
) -> bool:
    """Count the item's outcome; True when its row must be written."""
    if before is None:
        tally.created += 1
        return True
    if candidate.fetched_at < before.synced_at:
        tally.unchanged += 1  # a late redelivery of an older fetch never overwrites newer data
        return False
    if before.content_hash == candidate.item.content_hash and not before.deleted and not force:
        tally.unchanged += 1
        return False
    tally.updated += 1
    return True


def _new_validators(candidate: ItemWrite, before: StoredItem) -> bool:
    """An unchanged item whose answer came with other validators: keep the new ones."""
    item = candidate.item
    if candidate.fetched_at < before.synced_at or (
        item.etag is None and item.last_modified is None
    ):
        return False
    return (item.etag, item.last_modified) != (before.etag, before.last_modified)
