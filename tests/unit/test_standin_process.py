"""The stand-in as a real process: it serves pages and reports bad arguments."""

from __future__ import annotations

import json
import urllib.request

import pytest

from harness.standin.process import StandinError, run_standin
from tests.unit.standin_requests import (
    FIXTURE_LIST,
)


@pytest.mark.e2e
def test_run_standin_serves_a_list_page() -> None:
    """run_standin starts the real server process, which serves a list page and exits cleanly."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with run_standin("--list-limit", "75") as standin:
        assert standin.pokeapi_url == standin.base_url + "/api/v2"
        with opener.open(f"{standin.pokeapi_url}/pokemon?limit=5&offset=70", timeout=10) as r:
            page = json.loads(r.read())
        assert page["count"] == 75
        assert [x["name"] for x in page["results"]] == [e["name"] for e in FIXTURE_LIST[70:75]]
        assert page["previous"] == f"{standin.pokeapi_url}/pokemon?offset=65&limit=5"
        assert standin.stats()["by_kind"]["list"] == 1
        assert standin.set_faults(down=True)["down"] is True
        standin.reset()
        standin.put_pokemon(76, {"id": 76, "name": "golem"})
        assert standin.delete_pokemon(76) is True
        process = standin.process
    assert process.returncode == 0


@pytest.mark.e2e
def test_run_standin_reports_bad_arguments() -> None:
    """A server that cannot start raises StandinError carrying its stderr."""
    with pytest.raises(StandinError, match="at most 1"), run_standin("--error-rate", "2"):
        pass  # pragma: no cover - never reached
