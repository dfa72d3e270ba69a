"""The dashboard in headless Chromium against real processes: sync, watch, search, replay."""

from __future__ import annotations

import uuid
from pathlib import Path

import redis

from harness.processes import Pipeline
from shared.models.commands import CommandMessage, DetailCommand
from shared.models.envelope import Envelope
from shared.streams import names
from shared.streams.codec import encode_command
from shared.values.clock import utc_now
from tests.e2e.browser import chromium
from tests.e2e.client import API_TOKEN

WAIT_MS = 60_000
# Elements reaching past the viewport's right edge, outside any scrolling box.
_WIDER_THAN_VIEWPORT = """
[...document.querySelectorAll('body *')]
  .filter((e) => !(e.parentElement && e.parentElement.closest('.scroll, .payload')))
  .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
  .map((e) => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' ' +
              Math.round(e.getBoundingClientRect().right))
"""


def _dead_letter(pipeline: Pipeline) -> str:
    """A dead letter as ``dead_letter()`` writes it: a detail command that failed 5 times."""
    envelope = Envelope(
        job_id=uuid.uuid4(), source="pokemon", trace_id=uuid.uuid4().hex, created_at=utc_now()
    )
    fields = encode_command(
        CommandMessage(envelope=envelope, command=DetailCommand(external_id="4"))
    )
    fields.update(
        error="TransientUpstreamError: 503 from upstream",
        deliveries="5",
        stream=names.COMMANDS,
        group=names.FETCHERS,
        entry_id="1-0",
    )
    client = redis.Redis(
        host=pipeline.env["REDIS_HOST"],
        port=int(pipeline.env["REDIS_PORT"]),
        db=int(pipeline.env["REDIS_DB"]),
    )
    dead_id = client.xadd(names.DEAD, fields)
    client.close()
    return dead_id.decode() if isinstance(dead_id, bytes) else str(dead_id)


def test_dashboard_syncs_watches_searches_and_replays(pipeline: Pipeline, tmp_path: Path) -> None:
    """With the token the sync button runs a job to 100%; search and replay work too."""
    pipeline.start_and_wait("api", "fetcher", "writer")
    dead_id = _dead_letter(pipeline)

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(pipeline.api_url + "/")
        page.wait_for_selector("#live-state.ok", timeout=WAIT_MS)  # the SSE feed is open

        # Keyboard only: type the token, submit with Enter, start the sync with Enter.
        page.focus("#token-input")
        page.keyboard.type(API_TOKEN)
        page.keyboard.press("Enter")
        assert page.text_content("#token-state") == "token set for this tab"
        page.focus(".sync-now[data-source=pokemon]")
        page.keyboard.press("Enter")

        done = page.wait_for_selector("#jobs li:has(.job-status.status-succeeded)", timeout=WAIT_MS)
        assert done is not None, pipeline.logs()
        bar = done.query_selector("progress.job-progress")
        assert bar is not None
        assert bar.get_attribute("data-percent") == "100"
        assert "8/8 pages" in (done.text_content() or "")
        job_id = done.get_attribute("data-job-id")
        page.wait_for_selector(
            "#job-counters dd[data-counter=items_created]:text-is('75')", timeout=WAIT_MS
        )
        assert job_id
        assert job_id in (page.text_content("#job-title") or "")

        page.fill("#item-search-input", "pika")
        page.press("#item-search-input", "Enter")
        found = page.wait_for_selector("#items-results li:has-text('pikachu')", timeout=WAIT_MS)
        found.query_selector("button").click()  # type: ignore[union-attr]
        page.wait_for_selector("#item-payload:has-text('\"pikachu\"')", timeout=WAIT_MS)

        letter = f"#dead-letters li[data-dead-id='{dead_id}']"
        page.wait_for_selector(letter, timeout=WAIT_MS)
        page.screenshot(path=str(tmp_path / "dashboard-1280.png"), full_page=True)
        page.click(f"{letter} button.replay")
        page.wait_for_selector(letter, state="detached", timeout=WAIT_MS)
        assert "replayed 1" in (page.text_content("#notice") or "")

        page.set_viewport_size({"width": 360, "height": 780})
        page.screenshot(path=str(tmp_path / "dashboard-360.png"), full_page=True)
        too_wide = page.evaluate(_WIDER_THAN_VIEWPORT)
        assert not too_wide, f"these stick out at 360 px: {too_wide}"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll

        docs = browser.new_page(viewport={"width": 1280, "height": 900})
        docs.goto(pipeline.api_url + "/docs")
        docs.wait_for_selector("#op-get_events", timeout=WAIT_MS)
        docs.screenshot(path=str(tmp_path / "docs-1280.png"))
