"""The latency bench's machine limit: bare client processes fetch every page and detail."""

from __future__ import annotations

import pytest

from bench.latency_floor import bare_fetch_rate
from harness.standin.process import run_standin


@pytest.mark.e2e
@pytest.mark.parametrize(("clients", "in_flight", "details"), [(1, 1, 32), (4, 2, 3)])
def test_bare_clients_fetch_every_page_and_detail_once(
    clients: int, in_flight: int, details: int
) -> None:
    """95 items in pages of 20: 5 list requests and 95 detail requests, whoever takes them."""
    with run_standin("--synthetic", "95") as standin:
        rate = bare_fetch_rate(
            standin.base_url,
            clients=clients,
            in_flight=in_flight,
            items=95,
            page_size=20,
            detail_concurrency=details,
        )
        stats = standin.stats()
    assert stats["by_kind"] == {"list": 5, "detail": 95, "weather": 0}
    assert stats["by_status"] == {"200": 100}
    assert rate > 0
