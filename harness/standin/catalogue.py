"""The mutable PokeAPI catalogue: which items are listed and what their details are."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from pathlib import Path

import orjson

from harness.standin.hostile import hostile_detail, hostile_entries
from harness.standin.rewrite import absolutize
from harness.standin.synthetic import synthetic_detail, synthetic_name

DEFAULT_FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
POKEMON_DIR = Path("pokeapi", "api", "v2", "pokemon")
# Each origin holds ~20 MB of compact details; a few origins cover 127.0.0.1 vs localhost.
MAX_CACHED_ORIGINS = 4
# Real PokeAPI details run from 50 KB to 1.4 MB; --recorded cycles the recorded ones this big.
REAL_SIZE_MIN_BYTES = 100_000


@dataclass(frozen=True)
class CatalogueConfig:
    """How the initial catalogue is built; ``POST /_standin/reset`` returns to it."""

    fixtures_dir: Path = DEFAULT_FIXTURES
    list_limit: int | None = None  # serve only the first N list entries
    synthetic: int | None = None  # ignore the fixtures and serve N generated items
    # Serve every listed item: one without a recorded detail gets a recorded one (ids 1-75,
    # 50 KB to 780 KB) under its own id and name, so a whole-catalogue sync has real sizes.
    recorded_sizes: bool = False
    hostile: bool = False  # serve the hostile catalogue of ``harness/standin/hostile.py``
    recorded: int | None = None  # serve N items cycling the recorded details of real size


def item_id_from_url(url: str) -> int:
    """Return the id in a list entry URL such as ``/api/v2/pokemon/10001/``."""
    # The README warns ids are not contiguous, so the URL is the only source of truth.
    return int(url.rstrip("/").rsplit("/", 1)[1])


class FixtureStore:
    """Reads the recorded PokeAPI files, loading each detail only when first asked for it."""

    def __init__(self, fixtures_dir: Path) -> None:
        """Remember where the fixtures are; nothing is read yet."""
        self._pokemon_dir = fixtures_dir / POKEMON_DIR
        self._details: dict[str, dict[int, bytes]] = {}
        self._recorded: list[int] | None = None

    def list_entries(self) -> list[tuple[int, str]]:
        """Return ``(id, name)`` for every entry of the recorded list, in file order."""
        index = orjson.loads((self._pokemon_dir / "index.json").read_bytes())
        return [(item_id_from_url(entry["url"]), entry["name"]) for entry in index["results"]]

    def recorded_ids(self) -> list[int]:
        """Ids that have a recorded detail file, in order."""
        if self._recorded is None:
            found = [p.name for p in self._pokemon_dir.iterdir() if (p / "index.json").is_file()]
            self._recorded = sorted(int(name) for name in found if name.isdecimal())
        return self._recorded

    def stand_in_bytes(self, item_id: int, name: str, origin: str) -> bytes | None:
        """A recorded detail of real size passed off as ``item_id`` called ``name``."""
        recorded = self.recorded_ids()
        if not recorded:
            return None
        template = self.detail_bytes(recorded[item_id % len(recorded)], origin)
        if template is None:
            return None
        detail = orjson.loads(template)
        detail["id"], detail["name"] = item_id, name
        return orjson.dumps(detail)

    def compact_size(self, item_id: int) -> int:
        """Bytes of the recorded detail of ``item_id`` as compact JSON; 0 when none was recorded.

        The list names many more items than were recorded.
        """
        path = self._pokemon_dir / str(item_id) / "index.json"
        return len(orjson.dumps(orjson.loads(path.read_bytes()))) if path.is_file() else 0

    def detail_bytes(self, item_id: int, origin: str) -> bytes | None:
        """Return the compact detail JSON of ``item_id`` with absolute links, or None."""
        per_origin = self._details.get(origin)
        if per_origin is None:
            if len(self._details) >= MAX_CACHED_ORIGINS:
                self._details.clear()  # bounds memory if clients send many Host headers
            per_origin = self._details.setdefault(origin, {})
        cached = per_origin.get(item_id)
        if cached is not None:
            return cached
        path = self._pokemon_dir / str(item_id) / "index.json"
        if not path.is_file():
            return None
        body = orjson.dumps(absolutize(orjson.loads(path.read_bytes()), origin))
        per_origin[item_id] = body
        return body


def recorded_name(item_id: int, base_name: str) -> str:
    """Return the list name of item ``item_id`` cycled from the recorded ``base_name``."""
    return f"{base_name}-{item_id}"


def _renamed(body: bytes, item_id: int, name: str) -> bytes:
    detail = orjson.loads(body)
    detail["id"], detail["name"] = item_id, name
    return orjson.dumps(detail)


class Catalogue:
    """Listed items plus per-item overrides, deletions and synthetic versions."""

    def __init__(self, config: CatalogueConfig) -> None:
        """Build the initial catalogue from ``config``."""
        self.config = config
        generated = config.synthetic is not None or config.hostile
        self._store = None if generated else FixtureStore(config.fixtures_dir)
        self._ids: list[int] = []
        self._names: dict[int, str] = {}
        self._by_name: dict[str, int] = {}
        self._overrides: dict[int, object] = {}
        self._versions: dict[int, int] = {}
        self._recorded_ids: list[int] = []  # the fixture id each cycled item copies
        # Bumped by every change, never rewound: the data hash of /meta/ derives from it.
        self.generation = 0
        self.reset()

    @property
    def synthetic(self) -> bool:
        """Whether items are generated instead of read from the fixtures."""
        return self.config.synthetic is not None

    def _initial_entries(self) -> list[tuple[int, str]]:
        """The ``(id, name)`` list entries the catalogue starts with, sorted by id."""
        if self.config.hostile:
            entries = hostile_entries()
        elif self._store is None:
            entries = [(i, synthetic_name(i)) for i in range(1, (self.config.synthetic or 0) + 1)]
        elif self.config.recorded is not None:
            store = self._store
            recorded = [
                entry
                for entry in store.list_entries()
                if store.compact_size(entry[0]) >= REAL_SIZE_MIN_BYTES
            ]
            self._recorded_ids = [item_id for item_id, _ in recorded]
            entries = [
                (i, recorded_name(i, recorded[(i - 1) % len(recorded)][1]))
                for i in range(1, self.config.recorded + 1)
            ]
        else:
            entries = self._store.list_entries()
        if self.config.list_limit is not None:
            entries = entries[: self.config.list_limit]
        entries.sort()  # already sorted by id in the fixture; sorting keeps inserts simple
        return entries

    def reset(self) -> None:
        """Drop every override, deletion and version bump."""
        entries = self._initial_entries()
        self._ids = [item_id for item_id, _ in entries]
        self._names = dict(entries)
        self._by_name = {name: item_id for item_id, name in entries}
        self._overrides = {}
        self._versions = {}
        self.generation += 1

    @property
    def count(self) -> int:
        """Number of listed items."""
        return len(self._ids)

    def page(self, offset: int, limit: int) -> list[tuple[int, str]]:
        """Return the ``(id, name)`` entries of ``results[offset : offset + limit]``."""
        # Python slices clamp and count negatives from the end exactly like JS Array.slice.
        return [(item_id, self._names[item_id]) for item_id in self._ids[offset : offset + limit]]

    def resolve(self, key: str) -> int | None:
        """Return the listed id for an id or name path segment, or None if not listed."""
        # Only canonical decimal ids match a stored file name such as ``pokemon/1/``.
        if key.isdecimal() and str(int(key)) == key:
            item_id = int(key)
            return item_id if item_id in self._names else None
        return self._by_name.get(key)

    def detail_bytes(self, key: str, origin: str) -> bytes | None:
        """Return the detail JSON for an id or name, or None when there is none to serve."""
        item_id = self.resolve(key)
        if item_id is None:
            return None
        if item_id in self._overrides:
            return orjson.dumps(absolutize(self._overrides[item_id], origin))
        if self.config.hostile:
            return hostile_detail(item_id)
        if self._store is None:
            detail = synthetic_detail(item_id, self._versions.get(item_id, 1))
            return orjson.dumps(absolutize(detail, origin))
        if self._recorded_ids:
            copied = self._recorded_ids[(item_id - 1) % len(self._recorded_ids)]
            body = self._store.detail_bytes(copied, origin)
            return None if body is None else _renamed(body, item_id, self._names[item_id])
        recorded = self._store.detail_bytes(item_id, origin)
        if recorded is None and self.config.recorded_sizes:
            return self._store.stand_in_bytes(item_id, self._names[item_id], origin)
        return recorded

    def put(self, item_id: int, body: dict[str, object]) -> str:
        """Override the detail of ``item_id``, listing it if needed; return its list name."""
        name = body.get("name")
        if name is not None and not isinstance(name, str):
            raise ValueError("'name' must be a string")
        if item_id not in self._names:
            if name is None:
                raise ValueError("a new item needs a 'name' for the list")
            bisect.insort(self._ids, item_id)
        if name is not None:
            old = self._names.get(item_id)
            if old is not None and self._by_name.get(old) == item_id:
                del self._by_name[old]
            self._names[item_id] = name
            self._by_name[name] = item_id
        self._overrides[item_id] = body
        self.generation += 1
        return self._names[item_id]

    def delete(self, item_id: int) -> bool:
        """Remove ``item_id`` from the list and its detail; return whether it was listed."""
        name = self._names.pop(item_id, None)
        if name is None:
            return False
        del self._ids[bisect.bisect_left(self._ids, item_id)]
        if self._by_name.get(name) == item_id:
            del self._by_name[name]
        self._overrides.pop(item_id, None)
        self._versions.pop(item_id, None)
        self.generation += 1
        return True

    def restore(self, item_id: int) -> bool:
        """Bring back ``item_id`` as it was at start-up; return whether it is an initial item."""
        name = dict(self._initial_entries()).get(item_id)
        if name is None:
            return False
        self.delete(item_id)  # drops any override or version bump first
        bisect.insort(self._ids, item_id)
        self._names[item_id] = name
        self._by_name[name] = item_id
        self.generation += 1
        return True

    def mutate(self, fraction: float, seed: int) -> list[int]:
        """Bump the version of ``fraction`` of the listed synthetic items; return their ids."""
        if not self.synthetic:
            raise ValueError("mutate needs synthetic mode")
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must be within [0, 1]")
        chosen = sorted(random.Random(seed).sample(self._ids, round(fraction * len(self._ids))))
        for item_id in chosen:
            self._versions[item_id] = self._versions.get(item_id, 1) + 1
        self.generation += 1
        return chosen
