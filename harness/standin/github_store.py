"""The mutable GitHub-shaped repository: its issues, their serialized records, the rate limit."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import orjson

from harness.standin.github_data import Issue, initial_issue, issue_record, new_issue
from harness.standin.github_people import People

STATES = ("open", "closed", "all")
SORTS = ("created", "updated", "comments")
DIRECTIONS = ("asc", "desc")
RATE_WINDOW_S = 3_600
AUTHENTICATED_LIMIT = 5_000
ANONYMOUS_LIMIT = 60


def utc_now() -> datetime:
    """Now, to the second, as GitHub keeps its timestamps."""
    return datetime.now(UTC).replace(microsecond=0)


class RateLimit:
    """GitHub's primary rate limit as its headers show it; reported, never enforced."""

    def __init__(self, limit: int) -> None:
        """Start with a full budget of ``limit`` requests per hour."""
        self.limit = limit
        self.used = 0
        self.reset_at = 0

    def headers(self, *, count: bool) -> dict[str, str]:
        """The ``X-RateLimit-*`` headers of one answer, counting it first when ``count``."""
        now = int(time.time())
        if now >= self.reset_at:
            self.used, self.reset_at = 0, now + RATE_WINDOW_S
        self.used += count
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.limit - self.used, 0)),
            "X-RateLimit-Reset": str(self.reset_at),
            "X-RateLimit-Used": str(self.used),
            "X-RateLimit-Resource": "core",
        }


def _sort_key(sort: str) -> Callable[[Issue], tuple[float, int]]:
    if sort == "updated":
        return lambda issue: (issue.updated_at.timestamp(), issue.number)
    if sort == "comments":
        return lambda issue: (issue.comments, issue.number)
    return lambda issue: (issue.created_at.timestamp(), issue.number)


class GitHubIssues:
    """Issues 1..count generated from ``seed``, changed only through the control API."""

    def __init__(self, count: int, seed: int = 0) -> None:
        """Generate the initial issues; records are built when first served."""
        self.count = count
        self.seed = seed
        self.people = People()
        self.generation = 0  # bumped by every change
        self._issues: dict[int, Issue] = {}
        self._records: dict[int, bytes] = {}
        self._orders: dict[tuple[str, str, str], list[Issue]] = {}
        self.rate_limit = RateLimit(AUTHENTICATED_LIMIT)
        self.anonymous_rate_limit = RateLimit(ANONYMOUS_LIMIT)
        self.reset()

    def reset(self) -> None:
        """Return to the generated issues and a full rate-limit budget."""
        numbers = range(1, self.count + 1)
        self._issues = {n: initial_issue(self.seed, n, self.count) for n in numbers}
        self.rate_limit = RateLimit(AUTHENTICATED_LIMIT)
        self.anonymous_rate_limit = RateLimit(ANONYMOUS_LIMIT)
        self._records = {}
        self._changed()

    def _changed(self) -> None:
        self.generation += 1
        self._orders = {}

    def __len__(self) -> int:
        """How many issues there are, pull requests included."""
        return len(self._issues)

    def get(self, number: int) -> Issue | None:
        """Issue ``number``, or None."""
        return self._issues.get(number)

    def select(self, state: str, sort: str, direction: str, since: datetime | None) -> list[Issue]:
        """Issues in ``state`` updated at or after ``since``, ordered; ties go by number."""
        key = (state, sort, direction)
        ordered = self._orders.get(key)
        if ordered is None:
            chosen = [i for i in self._issues.values() if state == "all" or i.state == state]
            chosen.sort(key=_sort_key(sort), reverse=direction == "desc")
            ordered = self._orders[key] = chosen
        if since is None:
            return ordered
        return [issue for issue in ordered if issue.updated_at >= since]

    def record_bytes(self, issue: Issue) -> bytes:
        """The issue's compact JSON with the ORIGIN and REPO markers still in it."""
        body = self._records.get(issue.number)
        if body is None:
            body = orjson.dumps(issue_record(issue, self.seed, self.people))
            self._records[issue.number] = body
        return body

    def touch(self, number: int, state: str | None = None) -> Issue | None:
        """Edit issue ``number`` now: new title and body, maybe a new state; None if absent."""
        issue = self._issues.get(number)
        if issue is None:
            return None
        now = utc_now()
        issue.revision += 1
        issue.updated_at = now
        if state == "closed" and issue.state == "open":
            issue.state, issue.closed_at = "closed", now
            issue.state_reason = None if issue.pull_request else "completed"
        elif state == "open" and issue.state == "closed":
            issue.state, issue.closed_at = "open", None
            issue.state_reason = None if issue.pull_request else "reopened"
        self._records.pop(number, None)
        self._changed()
        return issue

    def add(self) -> Issue:
        """Open a new issue numbered after the highest so far."""
        number = max(self._issues, default=0) + 1
        issue = self._issues[number] = new_issue(number, utc_now())
        self._records.pop(number, None)
        self._changed()
        return issue
