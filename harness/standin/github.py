"""GitHub's issues endpoint: ``GET /repos/{owner}/{repo}/issues[/{number}]``.

As api.github.com answers: a bearer (or ``token``) credential, ``state``/``sort``/``direction``/
``since``/``per_page``/``page``, an RFC 8288 ``Link`` header, the ``X-RateLimit-*`` headers,
a weak ETag honoured through ``If-None-Match``, and GitHub's JSON error bodies.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Mapping
from datetime import datetime

import orjson
from aiohttp import web

from harness.standin.conditional import etag_matches
from harness.standin.github_store import DIRECTIONS, SORTS, STATES, GitHubIssues
from harness.standin.github_text import ORIGIN, REPO
from harness.standin.rewrite import origin_of
from harness.standin.state import STATE_KEY

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
DOCS = "https://docs.github.com/rest"
LIST_DOCS = "https://docs.github.com/rest/issues/issues#list-repository-issues"
# Strict ISO 8601 as GitHub documents it; fractions and a numeric offset are accepted too.
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")
_NAME = "[A-Za-z0-9_.-]+"


def _json(body: bytes, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        body=body,
        headers=headers,
        content_type="application/json",
        charset="utf-8",
    )


def _error(status: int, message: str, docs: str, **extra: object) -> web.Response:
    body = {"message": message, **extra, "documentation_url": docs, "status": str(status)}
    return _json(orjson.dumps(body), status)


def authorized(header: str | None, token: str) -> bool:
    """Whether ``Authorization`` carries ``token`` as ``Bearer <token>`` or ``token <token>``."""
    scheme, _, given = (header or "").strip().partition(" ")
    if scheme.lower() not in ("bearer", "token") or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def parse_since(text: str) -> datetime | None:
    """The moment ``text`` names, or None when it is not an ISO 8601 timestamp."""
    if _TIMESTAMP.fullmatch(text) is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:  # e.g. month 13
        return None


def _positive(text: str | None, default: int) -> int:
    """GitHub's reading of ``per_page`` and ``page``: anything but a positive integer is unset."""
    try:
        value = int(text) if text is not None else default
    except ValueError:
        return default
    return value if value >= 1 else default


def link_header(base: str, raw_query: str, page: int, last: int) -> str | None:
    """GitHub's ``Link``: prev, next, last, first as they apply; None when one page holds all."""
    if page == 1 and last <= 1:
        return None
    kept = [p for p in raw_query.split("&") if p and p.partition("=")[0] != "page"]
    prefix = f"{base}?{'&'.join([*kept, ''])}page="
    links = []
    if page > 1:
        links.append((page - 1, "prev"))
    if page < last:
        links += [(page + 1, "next"), (last, "last")]
    if page > 1:
        links.append((1, "first"))
    return ", ".join(f'<{prefix}{number}>; rel="{rel}"' for number, rel in links)


def weak_etag(body: bytes) -> str:
    """A weak ETag as GitHub sends on list answers: ``W/"<sha256 hex>"``."""
    return f'W/"{hashlib.sha256(body).hexdigest()}"'


def _fill(body: bytes, request: web.Request) -> bytes:
    """Replace the ORIGIN and REPO markers by this server's origin and the requested repo."""
    origin = orjson.dumps(origin_of(request))[1:-1]  # JSON-escaped, whatever the Host header
    repo = f"{request.match_info['owner']}/{request.match_info['repo']}".encode()
    return body.replace(ORIGIN.encode(), origin).replace(REPO.encode(), repo)


def _answer(request: web.Request, body: bytes, headers: dict[str, str]) -> web.Response:
    """200 with the body, or a bodiless 304 (not counted against the limit) when it matches."""
    issues: GitHubIssues = request.app[STATE_KEY].github
    etag = weak_etag(body)
    not_modified = etag_matches(request.headers.get("If-None-Match"), etag)
    headers.update(issues.rate_limit.headers(count=not not_modified))
    headers.update({"ETag": etag, "Cache-Control": "private, max-age=60, s-maxage=60"})
    headers["Vary"] = "Accept, Authorization, Cookie, X-GitHub-OTP"
    headers["X-GitHub-Media-Type"] = "github.v3; format=json"
    if not_modified:
        if request.app[STATE_KEY].faults.github_304_without_link:
            headers.pop("Link", None)
        return web.Response(status=304, headers=headers)
    return _json(body, headers=headers)


def _check_auth(request: web.Request) -> web.Response | None:
    state = request.app[STATE_KEY]
    if authorized(request.headers.get("Authorization"), state.github_token):
        return None
    response = _error(401, "Bad credentials", DOCS)
    response.headers.update(state.github.anonymous_rate_limit.headers(count=True))
    return response


def _invalid(issues: GitHubIssues, field: str, value: str | None = None) -> web.Response:
    error: dict[str, object] = {"resource": "Issue", "code": "invalid", "field": field}
    if value is not None:
        error["value"] = value
    response = _error(422, "Validation Failed", LIST_DOCS, errors=[error])
    response.headers.update(issues.rate_limit.headers(count=True))
    return response


async def list_issues(request: web.Request) -> web.Response:
    """Answer ``GET /repos/{owner}/{repo}/issues`` with one page of issues and pull requests."""
    if (denied := _check_auth(request)) is not None:
        return denied
    issues: GitHubIssues = request.app[STATE_KEY].github
    query = request.query
    choices = {"state": "open", "sort": "created", "direction": "desc"}
    for name, allowed in (("state", STATES), ("sort", SORTS), ("direction", DIRECTIONS)):
        choices[name] = query.get(name, choices[name])
        if choices[name] not in allowed:
            return _invalid(issues, name, choices[name])
    since = None
    if "since" in query and (since := parse_since(query["since"])) is None:
        return _invalid(issues, "since")
    per_page = min(_positive(query.get("per_page"), DEFAULT_PER_PAGE), MAX_PER_PAGE)
    page = _positive(query.get("page"), 1)
    chosen = issues.select(choices["state"], choices["sort"], choices["direction"], since)
    start = (page - 1) * per_page
    records = [issues.record_bytes(issue) for issue in chosen[start : start + per_page]]
    body = _fill(b"[" + b",".join(records) + b"]", request)
    headers: dict[str, str] = {}
    last = math.ceil(len(chosen) / per_page)
    raw_query = request.rel_url.raw_query_string
    link = link_header(origin_of(request) + request.rel_url.raw_path, raw_query, page, last)
    if link is not None:
        headers["Link"] = link
    return _answer(request, body, headers)


async def get_issue(request: web.Request) -> web.Response:
    """Answer ``GET /repos/{owner}/{repo}/issues/{number}`` with one issue, or GitHub's 404."""
    if (denied := _check_auth(request)) is not None:
        return denied
    issues: GitHubIssues = request.app[STATE_KEY].github
    issue = issues.get(int(request.match_info["number"]))
    if issue is None:
        docs = "https://docs.github.com/rest/issues/issues#get-an-issue"
        response = _error(404, "Not Found", docs)
        response.headers.update(issues.rate_limit.headers(count=True))
        return response
    return _answer(request, _fill(issues.record_bytes(issue), request), {})


def add_routes(app: web.Application) -> None:
    """Register the issues routes under the ``github`` and ``github_issue`` counters."""
    base = f"/repos/{{owner:{_NAME}}}/{{repo:{_NAME}}}/issues"
    app.router.add_get(base, list_issues, name="github")
    app.router.add_get(base + r"/{number:\d+}", get_issue, name="github_issue")
