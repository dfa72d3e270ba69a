"""The bench's CPU accounting: what each role of a run spent between two readings."""

from __future__ import annotations

import os

from bench.cpu_shares import CpuReading, describe


def test_services_are_summed_by_role_and_gone_ones_left_out() -> None:
    before = CpuReading({"fetcher-0": 1.0, "fetcher-1": 2.0, "writer-0": 0.5, "mariadb": 10.0})
    after = CpuReading(
        {
            "fetcher-0": 1.5,
            "fetcher-1": float("nan"),  # exited meanwhile: its share cannot be read
            "fetcher-2": 0.25,  # started meanwhile: counted from zero
            "writer-0": 0.75,
            "mariadb": 11.0,
            "stand-in": 3.0,
        }
    )
    assert after.since(before) == {
        "fetcher": 0.75,
        "writer": 0.25,
        "mariadb": 1.0,
        "stand-in": 3.0,
    }


def test_the_description_gives_the_total_and_its_share_of_the_cores() -> None:
    cores = os.cpu_count() or 1
    line = describe({"writer": 0.5, "fetcher": 1.5}, wall_s=1.0)
    assert line == f"fetcher 1.50, writer 0.50 = 2.00 CPU s, {2 / cores:.0%} of {cores} cores"
