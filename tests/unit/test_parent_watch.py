"""A child of ``item-sync run`` notices its parent's death without the kernel's help too."""

from __future__ import annotations

import asyncio
import os

import pytest

from shared.runtime.parent import PARENT_PID_ENV, supervising_parent, watch_parent


async def test_the_watch_reports_a_parent_that_is_gone_at_once() -> None:
    """Re-parented already (the parent died before the child looked): ``on_gone`` runs once."""
    gone: list[bool] = []
    not_our_parent = os.getpid()  # never our own parent
    await asyncio.wait_for(
        watch_parent(not_our_parent, lambda: gone.append(True), asyncio.Event()), 1
    )
    assert gone == [True]


async def test_the_watch_of_a_living_parent_ends_quietly_on_stop() -> None:
    """While the parent lives nothing is reported; stopping ends the watch."""
    gone: list[bool] = []
    stop = asyncio.Event()
    watching = asyncio.create_task(watch_parent(os.getppid(), lambda: gone.append(True), stop))
    await asyncio.sleep(0)
    stop.set()
    await asyncio.wait_for(watching, 2)
    assert gone == []


def test_supervising_parent_reads_the_runners_pid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a pid counts; without the variable nothing is watched."""
    monkeypatch.delenv(PARENT_PID_ENV, raising=False)
    assert supervising_parent() is None
    monkeypatch.setenv(PARENT_PID_ENV, "4711")
    assert supervising_parent() == 4711
    monkeypatch.setenv(PARENT_PID_ENV, "not-a-pid")
    assert supervising_parent() is None
