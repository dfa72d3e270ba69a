"""The live API keeps the promises of its own /openapi.json, and nothing a client sends is a 500.

schemathesis runs every check it has over its coverage, fuzzing and stateful
phases (valid and invalid requests); hand-written requests then send what a
generator rarely finds: other scripts' digits, huge numbers, long strings and
raw bytes that are not UTF-8, in paths and in query strings.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from urllib.parse import urlsplit

from harness.processes import Pipeline
from tests.e2e.client import API_TOKEN, http, sync

EXAMPLES = 100  # per operation and phase: about 30 s here
SEED = "1"  # the same cases on every run: a failure here is reproducible
UUID = "0b6f8a2e-0000-4000-8000-000000000000"


def _start_api_with_data(pipeline: Pipeline) -> None:
    """The API with limits off (the fuzzer sends thousands of requests) and one stored item."""
    pipeline.start("api", API_SYNC_RATE_LIMIT="0", API_AUTH_FAILURE_LIMIT="0")
    pipeline.start_and_wait("fetcher", "writer")
    assert sync(pipeline, operation="detail", params={"id": 1})["status"] == "succeeded"


def test_schemathesis_finds_no_failure_with_every_check(pipeline: Pipeline) -> None:
    """`schemathesis run --checks all` over coverage, fuzzing and stateful phases: 0 failures."""
    _start_api_with_data(pipeline)
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "run", f"{pipeline.api_url}/openapi.json"),
        *("--checks", "all", "--phases", "examples,coverage,fuzzing,stateful"),
        *("--max-examples", str(EXAMPLES), "--seed", SEED, "--workers", "1"),
        *("--header", f"Authorization: Bearer {API_TOKEN}", "--request-timeout", "10"),
        # Live feeds never end: tests/e2e/test_live_events.py covers them.
        *("--exclude-path-regex", "/events$"),
    ]
    run = subprocess.run(  # noqa: S603 - a fixed command line
        command,
        cwd=pipeline.workdir,  # where schemathesis leaves its example database
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    summary = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert run.returncode == 0, f"{run.stdout[-6000:]}\n{run.stderr[-2000:]}\n{pipeline.logs()}"
    assert summary is not None, run.stdout[-3000:]
    generated, passed = int(summary[1]), int(summary[2])
    assert generated >= 500
    assert passed == generated


def _raw_get(url: str, target: bytes) -> int:
    """Send ``GET target`` byte for byte (no client would) and return the status."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = b"GET " + target + b" HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n"
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer)
    assert match is not None, answer[:200]
    return int(match[1])


HOSTILE_IDS = [
    "\u00b2".encode(),  # superscript two
    "\u0665".encode(),  # Arabic-Indic five
    "\uff11".encode(),  # fullwidth one
    b"%C2%B2",
    b"%FF%FE",
    b"\xff\xfe",  # raw bytes that are not UTF-8
    b"\xc0\xaf",  # an overlong encoding of "/"
    b"9" * 4301,  # past int()'s digit limit
    str(2**63).encode(),
    str(2**63 - 1).encode(),
    b"-1",
    b"1.0",
    b"1e3",
    b"%00",
    b"x" * 5000,
    b"%" * 10,
]
HOSTILE_QUERIES = [
    b"limit=\xc2\xb2",
    b"limit=%C2%B2",
    b"offset=" + b"9" * 5000,
    b"offset=-0",
    b"limit=1&limit=2",
    b"api_source=\xff",
    b"api_source=%FF",
    b"api_source=" + b"p" * 5000,
    b"include_deleted=%00",
    b"include_deleted=yes",
    b"status=%E2%80%AE",
    b"colour=red",
    b"%FF=1",
    b"\xff\xfe=\xff",
    b"&&&==&",
]


def _targets() -> list[bytes]:
    targets = [b"/items/" + raw for raw in HOSTILE_IDS] + [b"/jobs/" + raw for raw in HOSTILE_IDS]
    targets += [b"/jobs/{" + UUID.encode() + b"}", b"/jobs/urn:uuid:" + UUID.encode()]
    targets += [b"/jobs/" + UUID.replace("-", "").encode()]
    for path in (b"/items", b"/jobs", b"/health", b"/metrics", b"/openapi.json"):
        targets += [path + b"?" + query for query in HOSTILE_QUERIES]
    return targets


def test_hostile_paths_and_queries_get_no_server_error(pipeline: Pipeline) -> None:
    """Unicode digits, huge numbers, long strings and raw bytes: every answer is below 500."""
    _start_api_with_data(pipeline)
    statuses = {target: _raw_get(pipeline.api_url, target) for target in _targets()}
    server_errors = {target[:80]: status for target, status in statuses.items() if status >= 500}
    assert server_errors == {}, pipeline.logs()
    refused = [t for t in _targets() if t.startswith((b"/items/", b"/jobs/"))]
    assert all(400 <= statuses[target] < 500 for target in refused)
    for query in (b"limit=%C2%B2", b"colour=red", b"include_deleted=yes"):
        assert statuses[b"/items?" + query] == 422, query
    status, _ = http("GET", f"{pipeline.api_url}/health")
    assert status == 200
