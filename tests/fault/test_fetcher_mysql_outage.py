"""A fetcher cut from MySQL runs on: it cannot read stored validators, so it asks for
every answer in full, and the sync loses nothing. Once MySQL is back, 304s resume."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.processes import Pipeline
from harness.standin.process import StandinProcess
from tests.e2e.client import sync
from tests.fault.conftest import SYNTHETIC_ITEMS, fault_env, report
from tests.fault.tcp_proxy import TcpProxy

LIST_PAGES = SYNTHETIC_ITEMS // 50  # POKEAPI_PAGE_SIZE=50 in fault_env


def _synced(
    pipeline: Pipeline, standin: StandinProcess, **body: object
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One sync to its end, and the stand-in's counters for it alone."""
    standin.reset_stats()
    done = sync(pipeline, **body)
    assert done["status"] == "succeeded", pipeline.logs()
    return done, standin.stats()


def test_fetchers_cut_from_mysql_ask_in_full_and_lose_nothing(
    synthetic_standin: StandinProcess,
    fresh_pipeline: Callable[[dict[str, str]], Pipeline],
    mysql_proxy: TcpProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Every re-sync sweeps: the unchanged signal would otherwise end it at once.
    pipeline = fresh_pipeline(fault_env(synthetic_standin, SOURCE_FULL_SWEEP_INTERVAL="1ms"))
    pipeline.start("api")
    pipeline.start("writer")
    fetcher = pipeline.start("fetcher", DATABASE_PORT=str(mysql_proxy.port))
    pipeline.wait_for_api()

    first, _ = _synced(pipeline, synthetic_standin)
    assert first["items_created"] == SYNTHETIC_ITEMS
    _, swept = _synced(pipeline, synthetic_standin)
    assert swept["not_modified"] == LIST_PAGES + SYNTHETIC_ITEMS  # validators were read

    mysql_proxy.cut()
    mark = fetcher.log_size()
    cut, during_cut = _synced(pipeline, synthetic_standin)
    assert (cut["items_unchanged"], cut["items_created"], cut["items_failed"]) == (
        SYNTHETIC_ITEMS,
        0,
        0,
    )
    assert during_cut["not_modified"] == 0  # every answer asked for in full
    assert during_cut["by_kind"]["detail"] == SYNTHETIC_ITEMS
    unavailable = fetcher.count_events("validators.unavailable", since=mark)
    assert unavailable > 0, pipeline.logs()

    mysql_proxy.restore()
    _synced(pipeline, synthetic_standin)  # the pool drops its broken connections here
    _, after = _synced(pipeline, synthetic_standin)
    # The full answers of the cut saved no validators, but the writer kept each item's.
    assert after["not_modified"] == SYNTHETIC_ITEMS + LIST_PAGES, pipeline.logs()
    report(
        capsys,
        "fetcher cut from mysql",
        not_modified_before=swept["not_modified"],
        not_modified_during=during_cut["not_modified"],
        unavailable_logged=unavailable,
        not_modified_after=after["not_modified"],
        lost=0,
    )
