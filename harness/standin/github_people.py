"""Users, labels and milestones of the GitHub-shaped repository, in GitHub's JSON shapes."""

from __future__ import annotations

import base64
import random
from urllib.parse import quote

from harness.standin.github_text import ORIGIN, REPO

USER_COUNT = 40
FIRST_USER_ID = 1_052_117
FIRST_LABEL_ID = 2_174_880_011
FIRST_MILESTONE_ID = 9_804_221
LOGIN_PARTS = (
    "octo", "ada", "grace", "linus", "guido", "sync", "redis", "maria", "poke", "weather",
    "devops", "qa", "night", "owl", "pixel", "byte", "stream", "lambda", "tux", "kiwi",
)  # fmt: skip
# GitHub's default labels (default: true), then a project's own.
LABELS = (
    ("bug", "d73a4a", "Something isn't working", True),
    ("documentation", "0075ca", "Improvements or additions to documentation", True),
    ("duplicate", "cfd3d7", "This issue or pull request already exists", True),
    ("enhancement", "a2eeef", "New feature or request", True),
    ("good first issue", "7057ff", "Good for newcomers", True),
    ("help wanted", "008672", "Extra attention is needed", True),
    ("question", "d876e3", "Further information is requested", True),
    ("area/fetcher", "1d76db", None, False),
    ("area/writer", "5319e7", "Writer service and MySQL upserts", False),
    ("priority: high", "b60205", "Fix before the next release", False),
    ("performance", "fbca04", "Throughput, latency, memory", False),
    ("🐛 régression", "e99695", "Worked in an earlier release — ça marchait avant", False),
)
MILESTONES = (
    ("v1.0", "First stable release", "closed", "2024-03-01T08:00:00Z", "2024-06-30T07:00:00Z"),
    ("v1.1", "Incremental syncs and the CLI", "open", "2024-07-02T08:00:00Z", None),
    ("v2.0", "Declarative sources — any REST API by config", "open", "2025-01-10T08:00:00Z", None),
    ("Backlog", None, "open", "2024-01-05T08:00:00Z", None),
)


def node_id(kind: str, value: int) -> str:
    """GitHub's legacy global id, e.g. ``MDQ6VXNlcjE=`` for ``04:User1``."""
    return base64.b64encode(f"0{len(kind)}:{kind}{value}".encode()).decode()


def user(index: int) -> dict[str, object]:
    """User ``index`` (0 to USER_COUNT - 1) as GitHub's simple-user object."""
    rng = random.Random(f"github-user:{index}")
    login = f"{rng.choice(LOGIN_PARTS)}-{rng.choice(LOGIN_PARTS)}{index}"
    user_id = FIRST_USER_ID + index * 7_919
    url = f"{ORIGIN}/users/{login}"
    return {
        "login": login,
        "id": user_id,
        "node_id": node_id("User", user_id),
        "avatar_url": f"{ORIGIN}/avatars/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": url,
        "html_url": f"{ORIGIN}/{login}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": "Bot" if index == USER_COUNT - 1 else "User",
        "user_view_type": "public",
        "site_admin": index == 0,
    }


def label(index: int) -> dict[str, object]:
    """Label ``index`` of LABELS as GitHub's label object."""
    name, color, description, default = LABELS[index]
    label_id = FIRST_LABEL_ID + index * 31
    return {
        "id": label_id,
        "node_id": node_id("Label", label_id),
        "url": f"{ORIGIN}/repos/{REPO}/labels/{quote(name)}",
        "name": name,
        "color": color,
        "default": default,
        "description": description,
    }


def milestone(index: int, creator: dict[str, object]) -> dict[str, object]:
    """Milestone ``index`` of MILESTONES (number ``index + 1``) as GitHub's milestone object."""
    title, description, state, created_at, closed_at = MILESTONES[index]
    number = index + 1
    milestone_id = FIRST_MILESTONE_ID + index * 101
    url = f"{ORIGIN}/repos/{REPO}/milestones/{number}"
    return {
        "url": url,
        "html_url": f"{ORIGIN}/{REPO}/milestone/{number}",
        "labels_url": f"{url}/labels",
        "id": milestone_id,
        "node_id": node_id("Milestone", milestone_id),
        "number": number,
        "title": title,
        "description": description,
        "creator": creator,
        "open_issues": 3 + index * 11,
        "closed_issues": 40 - index * 9,
        "state": state,
        "created_at": created_at,
        "updated_at": closed_at or "2025-11-20T16:45:12Z",
        "due_on": closed_at,
        "closed_at": closed_at,
    }


class People:
    """The repository's users, labels and milestones, built once and shared by every issue."""

    def __init__(self) -> None:
        """Build every user, label and milestone."""
        self.users = [user(index) for index in range(USER_COUNT)]
        self.labels = [label(index) for index in range(len(LABELS))]
        self.milestones = [milestone(index, self.users[0]) for index in range(len(MILESTONES))]
