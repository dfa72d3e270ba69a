"""The declared fetcher's errors table on details: ignore, item_failed, retry, job_failed."""

from __future__ import annotations

import base64

import pytest

from shared.errors import JobFailedError, TransientUpstreamError
from shared.models.commands import DetailCommand
from tests.unit.declared_fetcher_helpers import DETAILS, first, things
from tests.unit.declared_helpers import FetcherFactory, definition, sent, url
from tests.unit.fake_upstream import FakeUpstream


async def test_details_follow_the_errors_table(
    build_fetcher: FetcherFactory, upstream: FakeUpstream
) -> None:
    """Details are the payload; 404 ignored, 410 failed, 418 retried; basic auth is sent."""
    upstream.get(url("/things"), payload={"results": things(1, 2, 3, 4)})
    upstream.get(url("/things/1/"), body=b'{"name": "one", "n": 1}', repeat=True)
    upstream.get(url("/things/2/"), status=404, repeat=True)
    upstream.get(url("/things/3/"), status=410, repeat=True)
    upstream.get(url("/things/4/"), status=418, repeat=True)
    source = definition(DETAILS)
    fetcher = build_fetcher(source)

    with pytest.raises(TransientUpstreamError, match="HTTP 418"):
        await fetcher.fetch(first(DETAILS))
    assert len(sent(upstream, url("/things/4/"))) == 3  # the test policy's attempts

    upstream.get(url("/things"), payload={"results": things(1, 2, 3)})
    page = await fetcher.fetch(first(DETAILS))
    assert [(i.external_id, i.name, i.payload) for i in page.items] == [
        ("1", "one", '{"name": "one", "n": 1}')  # the detail's own name wins
    ]
    assert [(f.external_id, f.error) for f in page.failed] == [("3", "things detail 3: HTTP 410")]
    (request, *_) = sent(upstream, url("/things/1/"))
    encoded = base64.b64encode(b"annie:pass-word").decode()
    assert request["headers"] == {"Accept": "application/json", "Authorization": f"Basic {encoded}"}


async def test_a_job_failed_status_on_a_detail_fails_the_job(
    build_fetcher: FetcherFactory, upstream: FakeUpstream
) -> None:
    """A status the table makes job_failed fails the whole job, naming source and status."""
    upstream.get(url("/things/9/"), status=500)
    with pytest.raises(JobFailedError) as caught:
        await build_fetcher(definition(DETAILS)).fetch(DetailCommand(external_id="9"))
    assert str(caught.value) == "things answered HTTP 500, which its errors table makes job_failed"
