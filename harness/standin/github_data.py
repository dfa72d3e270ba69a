"""GitHub-shaped issues: what changes (``Issue``) and the full record built from it.

Everything is derived from ``(seed, number)``, so the same options serve the same records. URLs
carry the ORIGIN and REPO markers of ``github_text``; the server fills them in per request.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from harness.standin.github_people import USER_COUNT, People
from harness.standin.github_text import (
    ORIGIN,
    REPO,
    body_length,
    issue_body,
    issue_title,
    sentence,
)

# Every generated issue was created and last updated in this window, so an issue touched
# through the control API (updated_at = now) is always the newest.
DATA_START = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
DATA_END = datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)
FIRST_ISSUE_ID = 3_013_377_000
LOCK_REASONS = ("resolved", "off-topic", "too heated", "spam")
REACTIONS = ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes")


def stamp(moment: datetime) -> str:
    """GitHub's timestamp format, ``2024-01-02T09:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Issue:
    """The parts of an issue that the listing filters and sorts on, and that edits change."""

    number: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    state: str  # open | closed
    state_reason: str | None  # completed | not_planned | reopened | None
    comments: int
    pull_request: bool
    revision: int = 0  # edits through the control API; each changes the title and body


def initial_issue(seed: int, number: int, count: int) -> Issue:
    """Issue ``number`` of ``count`` as generated: created in number order within the window."""
    rng = random.Random(f"github-meta:{seed}:{number}")
    step = (DATA_END - DATA_START).total_seconds() * 0.9 / max(count, 1)
    offset = step * (number - 1) + rng.uniform(0, step / 2)
    created = DATA_START + timedelta(seconds=int(offset))
    quick = rng.random() < 0.3
    updated = created + timedelta(seconds=rng.randint(0, 3_600 if quick else 120 * 86_400))
    updated = min(updated, DATA_END)
    pull_request = rng.random() < 0.2
    closed = rng.random() < 0.45
    closed_at = None
    reason = None
    if closed:
        closed_at = updated if rng.random() < 0.6 else created + (updated - created) / 2
        if not pull_request:
            reason = "completed" if rng.random() < 0.8 else "not_planned"
    comments = 0 if rng.random() < 0.4 else int(rng.paretovariate(1.2))
    return Issue(
        number=number,
        created_at=created,
        updated_at=updated,
        closed_at=closed_at,
        state="closed" if closed else "open",
        state_reason=reason,
        comments=min(comments, 400),
        pull_request=pull_request,
    )


def new_issue(number: int, now: datetime) -> Issue:
    """A freshly opened issue."""
    return Issue(number, now, now, None, "open", None, 0, False)


def _association(user_index: int) -> str:
    if user_index == 0:
        return "OWNER"
    if user_index < 5:
        return "MEMBER"
    if user_index < 16:
        return "CONTRIBUTOR"
    return "FIRST_TIME_CONTRIBUTOR" if user_index % 3 == 0 else "NONE"


def _reactions(rng: random.Random, api_url: str) -> dict[str, object]:
    counts = {name: 0 if rng.random() < 0.7 else rng.randint(1, 12) for name in REACTIONS}
    return {"url": f"{api_url}/reactions", "total_count": sum(counts.values()), **counts}


def _edited(title: str, body: str | None, revision: int, rng: random.Random) -> tuple[str, str]:
    note = f"**Edit {revision}:** {sentence(rng)}"
    return f"{title} (edit {revision})", f"{body}\n\n---\n{note}" if body else note


def issue_record(issue: Issue, seed: int, people: People) -> dict[str, object]:
    """The issue as GitHub's list endpoint returns it, keys in GitHub's order."""
    # Draws happen in a fixed order whatever the state, so an edit changes only what it edits.
    rng = random.Random(f"github-issue:{seed}:{issue.number}")
    number = issue.number
    api_url = f"{ORIGIN}/repos/{REPO}/issues/{number}"
    author = rng.randrange(USER_COUNT)
    labels = sorted(rng.sample(range(len(people.labels)), rng.choice((0, 1, 1, 2, 2, 3, 4))))
    assignees = rng.sample(range(USER_COUNT), rng.choice((0, 0, 0, 1, 1, 2)))
    milestone = rng.randrange(len(people.milestones)) if rng.random() < 0.3 else None
    locked = rng.random() < 0.03
    lock_reason = rng.choice(LOCK_REASONS)
    draft, merged = rng.random() < 0.15, rng.random() < 0.75
    title = issue_title(rng, number)
    target = body_length(rng)
    body: str | None = issue_body(rng, number, target) if rng.random() >= 0.03 else None
    reactions = _reactions(rng, api_url)
    if issue.revision:
        edit_rng = random.Random(f"github-edit:{seed}:{number}:{issue.revision}")
        title, body = _edited(title, body, issue.revision, edit_rng)
    kind = "pull" if issue.pull_request else "issues"
    record: dict[str, object] = {
        "url": api_url,
        "repository_url": f"{ORIGIN}/repos/{REPO}",
        "labels_url": f"{api_url}/labels{{/name}}",
        "comments_url": f"{api_url}/comments",
        "events_url": f"{api_url}/events",
        "html_url": f"{ORIGIN}/{REPO}/{kind}/{number}",
        "id": FIRST_ISSUE_ID + number * 1_733,
        "node_id": _issue_node_id(issue),
        "number": number,
        "title": title,
        "user": people.users[author],
        "labels": [people.labels[index] for index in labels],
        "state": issue.state,
        "locked": locked,
        "assignee": people.users[assignees[0]] if assignees else None,
        "assignees": [people.users[index] for index in assignees],
        "milestone": None if milestone is None else people.milestones[milestone],
        "comments": issue.comments,
        "created_at": stamp(issue.created_at),
        "updated_at": stamp(issue.updated_at),
        "closed_at": None if issue.closed_at is None else stamp(issue.closed_at),
        "author_association": _association(author),
        "type": None,
        "active_lock_reason": lock_reason if locked else None,
    }
    if issue.pull_request:
        merged_at = issue.closed_at if merged and issue.closed_at else None
        record["draft"] = draft and issue.state == "open"
        record["pull_request"] = {
            "url": f"{ORIGIN}/repos/{REPO}/pulls/{number}",
            "html_url": f"{ORIGIN}/{REPO}/pull/{number}",
            "diff_url": f"{ORIGIN}/{REPO}/pull/{number}.diff",
            "patch_url": f"{ORIGIN}/{REPO}/pull/{number}.patch",
            "merged_at": None if merged_at is None else stamp(merged_at),
        }
    record["body"] = body
    record["reactions"] = reactions
    record["timeline_url"] = f"{api_url}/timeline"
    record["performed_via_github_app"] = None
    record["state_reason"] = issue.state_reason
    if not issue.pull_request:
        record["sub_issues_summary"] = {"total": 0, "completed": 0, "percent_completed": 0}
    return record


def _issue_node_id(issue: Issue) -> str:
    prefix = "PR_kwDO" if issue.pull_request else "I_kwDO"
    raw = f"{FIRST_ISSUE_ID}:{issue.number}".encode()
    return prefix + base64.urlsafe_b64encode(raw).decode().rstrip("=")
