"""The latency bench's machine limit: bare client processes fetch every page and detail."""

from __future__ import annotations

import pytest

from bench.latency_floor import bare_fetch_rate
from harness.standin.process import run_standin


@pytest.mark.e2e
@pytest.mark.parametrize(("clients", "in_flight"), [(1, 1), (4, 2)])
def test_bare_clients_fetch_every_page_and_detail_once(clients: int, in_flight: int) -> None:
    """95 items in pages of 20: 5 list requests and 95 detail requests, whoever takes them."""
    with run_standin("--synthetic", "95") as standin:
        rate = bare_fetch_rate(
            standin.base_url,
            clients=clients,
            in_flight=in_flight,
            items=95,
            page_size=20,
            detail_concurrency=32,
        )
        stats = standin.stats()
    assert stats["by_kind"] == {"list": 5, "detail": 95, "weather": 0}
    assert stats["by_status"] == {"200": 100}
    assert rate > 0


@pytest.mark.e2e
def test_a_bare_client_holds_no_more_details_than_its_cap() -> None:
    """At 50 ms a request and 3 details at once, 95 details take at least 32 rounds, 1.6 s,
    although 2 pages in flight would ask for 40 at once: the rate cannot pass 95 / 1.6."""
    with run_standin("--synthetic", "95", "--latency-ms", "50") as standin:
        rate = bare_fetch_rate(
            standin.base_url,
            clients=1,
            in_flight=2,
            items=95,
            page_size=20,
            detail_concurrency=3,
        )
        stats = standin.stats()
    assert stats["by_kind"] == {"list": 5, "detail": 95, "weather": 0}
    assert rate <= 95 / (32 * 0.050)
