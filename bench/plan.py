"""How much the bench runs: the full plan and the small ``--quick`` one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    """Sizes, repeats and durations of one bench run."""

    name: str
    sizes: tuple[int, ...]  # items in the synthetic upstream, per throughput block
    repeats: dict[int, int]  # size -> runs of each scenario
    topologies: tuple[tuple[int, int], ...]  # (fetchers, writers)
    big_topologies: tuple[tuple[int, int], ...]  # topologies run at the largest size
    latency_items: int
    latency_ms: float
    peer_items: int
    peer_repeats: int
    api_seconds: float
    api_repeats: int
    reads_items: int  # items seeded for the read routes' figures
    stream_messages: int
    declared_repeats: int  # real-size syncs per checkout, GitHub-shaped first + incremental
    github_issues: int  # issues the GitHub-shaped stand-in serves

    @property
    def base_items(self) -> int:
        """The size the targets are judged at (the smallest throughput size)."""
        return self.sizes[0]

    @property
    def memory_items(self) -> int:
        """The size whose sync the memory figures are taken through (the largest)."""
        return self.sizes[-1]

    def repeats_for(self, size: int) -> int:
        """Runs of each scenario at ``size``."""
        return self.repeats.get(size, 1)


FULL = Plan(
    name="full",
    sizes=(10_000, 100_000),
    repeats={10_000: 3, 100_000: 1},
    topologies=((1, 1), (2, 2), (4, 2)),
    big_topologies=((1, 1), (2, 2), (4, 2)),
    latency_items=10_000,  # the base size; 1 fetcher at 50 ms does ~450 items/s
    latency_ms=50.0,
    peer_items=10_000,
    peer_repeats=3,
    api_seconds=5.0,
    api_repeats=3,
    reads_items=100_000,
    stream_messages=100_000,
    declared_repeats=2,
    github_issues=10_000,
)

QUICK = Plan(
    name="quick",
    sizes=(2_000, 5_000),
    repeats={2_000: 3, 5_000: 1},
    topologies=((1, 1), (2, 2)),
    big_topologies=((2, 2),),
    latency_items=1_000,
    latency_ms=50.0,
    peer_items=1_000,
    peer_repeats=3,
    api_seconds=2.0,
    api_repeats=3,
    reads_items=20_000,
    stream_messages=20_000,
    declared_repeats=1,
    github_issues=2_000,
)
