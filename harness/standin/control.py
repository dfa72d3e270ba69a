"""Control API under ``/_standin/``: counters, fault settings, catalogue and issue changes."""

from __future__ import annotations

import orjson
from aiohttp import web

from harness.standin.github_data import Issue, stamp
from harness.standin.state import STATE_KEY, FaultUpdateError

PREFIX = "/_standin"


def _json(data: object, status: int = 200) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(data), content_type="application/json")


def _bad_request(message: str, status: int = 400) -> web.Response:
    return _json({"error": message}, status=status)


async def _json_object(request: web.Request) -> dict[str, object] | None:
    """Return the request body as a JSON object, or None if it is not one."""
    try:
        data = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


async def get_stats(request: web.Request) -> web.Response:
    """Return the upstream request counters."""
    return _json(request.app[STATE_KEY].stats.to_json())


async def reset_stats(request: web.Request) -> web.Response:
    """Zero the upstream request counters."""
    stats = request.app[STATE_KEY].stats
    stats.reset()
    return _json(stats.to_json())


async def get_faults(request: web.Request) -> web.Response:
    """Return the current fault settings."""
    return _json(request.app[STATE_KEY].faults.to_json())


async def put_faults(request: web.Request) -> web.Response:
    """Change some fault settings; an unknown field or bad value changes nothing (400)."""
    state = request.app[STATE_KEY]
    changes = await _json_object(request)
    if changes is None:
        return _bad_request("body must be a JSON object")
    try:
        state.faults = state.faults.updated(changes)
    except FaultUpdateError as exc:
        return _bad_request(str(exc))
    return _json(state.faults.to_json())


async def put_pokemon(request: web.Request) -> web.Response:
    """Override one item's detail, adding it to the list if it is not listed yet."""
    catalogue = request.app[STATE_KEY].catalogue
    item_id = int(request.match_info["item_id"])
    body = await _json_object(request)
    if body is None:
        return _bad_request("body must be a JSON object")
    try:
        name = catalogue.put(item_id, body)
    except ValueError as exc:
        return _bad_request(str(exc))
    return _json({"id": item_id, "name": name, "count": catalogue.count})


async def delete_pokemon(request: web.Request) -> web.Response:
    """Remove one item from the list and its detail; deleting twice is not an error."""
    catalogue = request.app[STATE_KEY].catalogue
    item_id = int(request.match_info["item_id"])
    deleted = catalogue.delete(item_id)
    return _json({"id": item_id, "deleted": deleted, "count": catalogue.count})


async def restore_pokemon(request: web.Request) -> web.Response:
    """Bring one item back as it was at start-up; 404 when it was never in the catalogue."""
    catalogue = request.app[STATE_KEY].catalogue
    item_id = int(request.match_info["item_id"])
    if not catalogue.restore(item_id):
        return _bad_request(f"item {item_id} is not in the initial catalogue", status=404)
    return _json({"id": item_id, "restored": True, "count": catalogue.count})


async def reset(request: web.Request) -> web.Response:
    """Return to the initial catalogue and the start-up fault settings."""
    state = request.app[STATE_KEY]
    state.reset()
    return _json({"count": state.catalogue.count, "faults": state.faults.to_json()})


async def mutate(request: web.Request) -> web.Response:
    """Bump the version of a seeded random fraction of the synthetic items."""
    catalogue = request.app[STATE_KEY].catalogue
    body = await _json_object(request)
    if body is None:
        return _bad_request("body must be a JSON object")
    fraction, seed = body.get("fraction"), body.get("seed", 0)
    if isinstance(fraction, bool) or not isinstance(fraction, int | float):
        return _bad_request("fraction must be a number")
    if isinstance(seed, bool) or not isinstance(seed, int):
        return _bad_request("seed must be an integer")
    if not catalogue.synthetic:
        return _bad_request("mutate needs synthetic mode (--synthetic N)", status=409)
    try:
        changed = catalogue.mutate(float(fraction), seed)
    except ValueError as exc:
        return _bad_request(str(exc))
    return _json({"mutated": len(changed), "ids": changed})


def _issue_json(issue: Issue, count: int) -> dict[str, object]:
    return {
        "number": issue.number,
        "state": issue.state,
        "updated_at": stamp(issue.updated_at),
        "revision": issue.revision,
        "count": count,
    }


async def touch_github_issue(request: web.Request) -> web.Response:
    """Edit one issue now: new title and body, ``updated_at`` now; body ``{"state": ...}``
    (optional) closes or reopens it."""
    issues = request.app[STATE_KEY].github
    body = await _json_object(request) if await request.read() else {}
    if body is None:
        return _bad_request("body must be empty or a JSON object")
    state = body.get("state")
    if state is not None and state not in ("open", "closed"):
        return _bad_request("state must be open or closed")
    number = int(request.match_info["number"])
    issue = issues.touch(number, state if isinstance(state, str) else None)
    if issue is None:
        return _bad_request(f"issue {number} does not exist", status=404)
    return _json(_issue_json(issue, len(issues)))


async def add_github_issue(request: web.Request) -> web.Response:
    """Open a new issue numbered after the highest so far."""
    issues = request.app[STATE_KEY].github
    return _json(_issue_json(issues.add(), len(issues)), status=201)


async def reset_github(request: web.Request) -> web.Response:
    """Return the GitHub API to its generated issues and a full rate-limit budget."""
    issues = request.app[STATE_KEY].github
    issues.reset()
    return _json({"count": len(issues)})


def add_routes(app: web.Application) -> None:
    """Register the control routes."""
    app.router.add_get(f"{PREFIX}/stats", get_stats)
    app.router.add_post(f"{PREFIX}/stats/reset", reset_stats)
    app.router.add_get(f"{PREFIX}/faults", get_faults)
    app.router.add_put(f"{PREFIX}/faults", put_faults)
    app.router.add_put(PREFIX + r"/pokemon/{item_id:\d+}", put_pokemon)
    app.router.add_delete(PREFIX + r"/pokemon/{item_id:\d+}", delete_pokemon)
    app.router.add_post(PREFIX + r"/pokemon/{item_id:\d+}/restore", restore_pokemon)
    app.router.add_post(f"{PREFIX}/reset", reset)
    app.router.add_post(f"{PREFIX}/synthetic/mutate", mutate)
    app.router.add_post(f"{PREFIX}/github/issues", add_github_issue)
    app.router.add_post(PREFIX + r"/github/issues/{number:\d+}/touch", touch_github_issue)
    app.router.add_post(f"{PREFIX}/github/reset", reset_github)
