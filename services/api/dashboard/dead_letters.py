"""``/dead-letters``: list, replay and purge, with the same logic as ``item-sync dlq``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.api.audit import audit
from services.api.auth import admit_writer
from services.api.keys import REDIS, SETTINGS
from services.api.responses import json_response
from shared.errors import InvalidMessage, NotFound
from shared.models.dashboard import (
    ChosenDeadLetters,
    DeadLetterIdsRequest,
    DeadLettersOut,
    PurgedOut,
    ReplayedOut,
)
from shared.streams import names
from shared.streams.deadletter import list_dead, purge_dead, replay_dead

LISTED = 200  # dead letters one answer shows; ``total`` counts them all


async def get_dead_letters(request: web.Request) -> web.Response:
    """The oldest dead letters with their error and original fields."""
    redis = request.app[REDIS]
    entries = await list_dead(redis, limit=LISTED)
    total: Any = await redis.xlen(names.DEAD)
    return json_response(DeadLettersOut(dead_letters=entries, total=int(total)))


async def post_replay(request: web.Request) -> web.Response:
    """Put the chosen dead letters back on their streams as new entries."""
    await admit_writer(request, request.app[REDIS], request.app[SETTINGS].api, counts_as_sync=False)
    chosen = await _chosen(request)
    try:
        replayed = await replay_dead(request.app[REDIS], chosen)
    except InvalidMessage as exc:  # an unknown id, or a letter naming no known stream
        raise NotFound(str(exc)) from None
    await audit(request, "dead_letters.replay", _target(chosen, len(replayed)))
    return json_response(ReplayedOut(replayed=replayed))


async def post_purge(request: web.Request) -> web.Response:
    """Delete the chosen dead letters for good."""
    await admit_writer(request, request.app[REDIS], request.app[SETTINGS].api, counts_as_sync=False)
    chosen = await _chosen(request)
    try:
        purged = await purge_dead(request.app[REDIS], chosen)
    except InvalidMessage as exc:
        raise NotFound(str(exc)) from None
    await audit(request, "dead_letters.purge", _target(chosen, purged))
    return json_response(PurgedOut(purged=purged))


async def _chosen(request: web.Request) -> list[str]:
    """The ids named, or ``[]`` for every dead letter (only when ``all`` was sent)."""
    body = DeadLetterIdsRequest.model_validate_json(await request.read() or b"{}").root
    return body.ids if isinstance(body, ChosenDeadLetters) else []


def _target(chosen: list[str], count: int) -> str:
    which = ",".join(chosen) if chosen else "all"
    return f"{which} ({count})"
