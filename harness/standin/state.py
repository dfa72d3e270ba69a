"""Everything the stand-in can change at run time: catalogue, fault settings and counters."""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from aiohttp import web

from harness.standin.catalogue import DEFAULT_FIXTURES, Catalogue, CatalogueConfig
from harness.standin.github_store import GitHubIssues
from harness.standin.weather_data import WeatherBodies

MAX_TIMESTAMPS = 100_000
KINDS = ("list", "detail", "weather")
# Counted under their own names too, but only listed in ``by_kind`` once requested.
GITHUB_KINDS = ("github", "github_issue")
DEFAULT_OPENWEATHER_KEY = "test-key"
DEFAULT_GITHUB_TOKEN = "standin-github-token"  # noqa: S105 - the stand-in's well-known test token
DEFAULT_GITHUB_ISSUES = 250
RATE_FIELDS = frozenset({"error_rate", "rate_429", "hang_rate", "broken_json_rate"})


class FaultUpdateError(ValueError):
    """A fault update named an unknown field or gave a value of the wrong type or range."""


@dataclass
class Faults:
    """Fault settings for upstream routes; rates are fractions of requests in [0, 1]."""

    latency_ms: float = 0.0  # added to every upstream request
    error_rate: float = 0.0  # answered 500 or 503
    rate_429: float = 0.0  # answered 429 with Retry-After
    retry_after_s: int = 1
    hang_rate: float = 0.0  # sleep hang_s before answering
    hang_s: float = 30.0
    broken_json_rate: float = 0.0  # 200 answers cut in half
    down: bool = False  # every upstream request answered 503 at once
    openweather_429: bool = False  # every weather request gets the recorded 429 body
    fail_id: int = 0  # detail requests for this id always answer 500 (a poison item); 0: none
    echo_request: bool = False  # 5xx answers echo the request URL and headers, keys included
    # GitHub-shaped 304s carry no Link header (RFC 9110 lists what a 304 must repeat, and
    # Link is not among them): a client then walks on from the Link it kept.
    github_304_without_link: bool = False

    def to_json(self) -> dict[str, object]:
        """Return the settings as a JSON object."""
        return asdict(self)

    def updated(self, changes: Mapping[str, object]) -> Faults:
        """Return a copy with ``changes`` applied, all validated before any is applied."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise FaultUpdateError(f"unknown fault field(s): {', '.join(unknown)}")
        clean: dict[str, object] = {}
        for name, value in changes.items():
            # Current values always have their declared type (bool, int or float).
            clean[name] = _check_field(name, type(getattr(self, name)), value)
        return replace(self, **clean)  # type: ignore[arg-type]  # values checked above


def _check_field(name: str, kind: type, value: object) -> object:
    if kind is bool:
        if not isinstance(value, bool):
            raise FaultUpdateError(f"{name} must be true or false")
        return value
    # bool is a subclass of int, but ``"latency_ms": true`` is a client mistake.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultUpdateError(f"{name} must be a number")
    if not math.isfinite(value) or value < 0:
        raise FaultUpdateError(f"{name} must be a finite, non-negative number")
    if name in RATE_FIELDS and value > 1:
        raise FaultUpdateError(f"{name} is a fraction and must be at most 1")
    if kind is int:
        if value != int(value):
            raise FaultUpdateError(f"{name} must be a whole number")
        return int(value)
    return float(value)


@dataclass
class Stats:
    """Counters of upstream requests (control requests are not counted)."""

    requests: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    by_status: dict[str, int] = field(default_factory=dict)
    not_modified: int = 0  # answers 304
    body_bytes: int = 0  # bytes of answer bodies sent, 304s (no body) included
    timestamps: deque[float] = field(default_factory=lambda: deque(maxlen=MAX_TIMESTAMPS))
    github_requests: int = 0  # requests to the GitHub-shaped API, whatever their answer
    github_since_requests: int = 0  # those of them that carried ``since``

    def record_request(self, kind: str, *, since: bool = False) -> None:
        """Count one upstream request of ``kind`` arriving now (``since``: it asked for one)."""
        self.requests += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        self.timestamps.append(time.time())
        if kind in GITHUB_KINDS:
            self.github_requests += 1
            self.github_since_requests += since

    def record_status(self, status: int, body_bytes: int = 0) -> None:
        """Count one answer with HTTP ``status`` and a body of ``body_bytes``."""
        key = str(status)
        self.by_status[key] = self.by_status.get(key, 0) + 1
        self.not_modified += status == 304
        self.body_bytes += body_bytes

    def reset(self) -> None:
        """Zero every counter."""
        self.requests = 0
        self.by_kind = dict.fromkeys(KINDS, 0)
        self.by_status = {}
        self.not_modified = 0
        self.body_bytes = 0
        self.timestamps.clear()
        self.github_requests = 0
        self.github_since_requests = 0

    def to_json(self) -> dict[str, object]:
        """Return the counters as the ``GET /_standin/stats`` object.

        The GitHub counters appear once the GitHub API has been asked since the last reset,
        as its ``by_kind`` entries do, so a PokeAPI-only run sees the same object as before.
        """
        counters: dict[str, object] = {
            "requests": self.requests,
            "by_kind": dict(self.by_kind),
            "by_status": dict(self.by_status),
            "not_modified": self.not_modified,
            "body_bytes": self.body_bytes,
            "timestamps": list(self.timestamps),
        }
        if self.github_requests:
            counters["github_requests"] = self.github_requests
            counters["github_since_requests"] = self.github_since_requests
        return counters


@dataclass
class StandinState:
    """The whole mutable state of one stand-in server."""

    catalogue: Catalogue
    weather: WeatherBodies
    openweather_key: str = DEFAULT_OPENWEATHER_KEY
    initial_faults: Faults = field(default_factory=Faults)
    seed: int = 0
    github_token: str = DEFAULT_GITHUB_TOKEN
    github_issues: int = DEFAULT_GITHUB_ISSUES  # how many issues the GitHub API starts with
    faults: Faults = field(init=False)
    rng: random.Random = field(init=False)
    github: GitHubIssues = field(init=False)
    stats: Stats = field(default_factory=Stats)

    def __post_init__(self) -> None:
        """Start from the initial faults with a freshly seeded generator."""
        self.faults = replace(self.initial_faults)
        # One seeded generator decides every fault, so a run with the same seed repeats.
        self.rng = random.Random(self.seed)
        self.github = GitHubIssues(self.github_issues, self.seed)

    @classmethod
    def create(
        cls,
        *,
        fixtures_dir: Path = DEFAULT_FIXTURES,
        list_limit: int | None = None,
        synthetic: int | None = None,
        recorded_sizes: bool = False,
        hostile: bool = False,
        recorded: int | None = None,
        faults: Faults | None = None,
        seed: int = 0,
        openweather_key: str = DEFAULT_OPENWEATHER_KEY,
        github_token: str = DEFAULT_GITHUB_TOKEN,
        github_issues: int = DEFAULT_GITHUB_ISSUES,
    ) -> StandinState:
        """Build a state from the same options the command line takes."""
        config = CatalogueConfig(
            fixtures_dir=fixtures_dir,
            list_limit=list_limit,
            synthetic=synthetic,
            recorded_sizes=recorded_sizes,
            hostile=hostile,
            recorded=recorded,
        )
        return cls(
            catalogue=Catalogue(config),
            weather=WeatherBodies.load(fixtures_dir),
            openweather_key=openweather_key,
            initial_faults=faults or Faults(),
            seed=seed,
            github_token=github_token,
            github_issues=github_issues,
        )

    def reset(self) -> None:
        """Return to the initial catalogue, issues and start-up faults; counters are kept."""
        self.catalogue.reset()
        self.github.reset()
        self.faults = replace(self.initial_faults)
        self.rng = random.Random(self.seed)


STATE_KEY = web.AppKey("standin_state", StandinState)
