"""Secrets never reach a log line: configured values and key-shaped text are masked."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from shared.observability.log_sink import LineSink
from shared.observability.logging import configure_logging
from shared.observability.redaction import forget_secrets, redact, register_secrets

KEY = "s3cr3t-owm-key-9f8e"


@pytest.fixture(autouse=True)
def _no_secrets() -> Iterator[None]:
    """Each test registers its own secrets and leaves none behind."""
    forget_secrets()
    yield
    forget_secrets()


class Rendered:
    """The services' JSON logging, key registered, writing into a file instead of stdout."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def lines(self) -> list[dict[str, object]]:
        """The JSON log lines written so far."""
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def rendered(tmp_path: Path) -> Iterator[Rendered]:
    """Logging configured as a service does it, into a file."""
    path = tmp_path / "service.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    configure_logging(service="test", fmt="json", secrets=[KEY, None, "pw"], sink=LineSink(fd))
    yield Rendered(path)
    os.close(fd)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            f"GET /weather?q=London&appid={KEY}", "GET /weather?q=London&appid=***", id="q"
        ),
        pytest.param(
            "url=...?appid=abcdef0123&units=metric", "url=...?appid=***&units=metric", id="pat"
        ),
        pytest.param("Authorization: Bearer abc.def-123", "Authorization: Bearer ***", id="bearer"),
        pytest.param("redis://user:hunter22@cache:6379/0", "redis://***@cache:6379/0", id="url-pw"),
        pytest.param(f"key is {KEY}!", "key is ***!", id="value"),
        pytest.param("page_key=list:0 ok", "page_key=list:0 ok", id="not-a-secret"),
        pytest.param('{"password": "hunter22"}', '{"password": "***"}', id="json-password"),
        pytest.param('{"appid":"abcdef0123"}', '{"appid":"***"}', id="json-appid"),
        pytest.param('{"api_key": "k-1234", "n": 1}', '{"api_key": "***", "n": 1}', id="json-key"),
        pytest.param("{'token': 'tok-9876'}", "{'token': '***'}", id="repr-token"),
        pytest.param(
            '{\\"password\\": \\"hunter22\\"}', '{\\"password\\": \\"***\\"}', id="escaped"
        ),
        pytest.param('{"db_password": 12345}', '{"db_password": ***}', id="json-number"),
        pytest.param("X-Api-Key: abc123def", "X-Api-Key: ***", id="x-api-key"),
        pytest.param("x-api-key:abc123def, next", "x-api-key:***, next", id="x-api-key-lower"),
        pytest.param(
            "Authorization: Basic dXNlcjpodW50ZXIy", "Authorization: Basic ***", id="basic-header"
        ),
        pytest.param("sent Basic dXNlcjpodW50ZXIy here", "sent Basic *** here", id="basic"),
        pytest.param("a basic example", "a basic example", id="basic-word"),
        pytest.param("a bearer token is required", "a bearer token is required", id="bearer-word"),
        pytest.param("password='hunter22' ok", "password='***' ok", id="quoted-kv"),
        pytest.param("mysql://root:p@ss@db:3306/x", "mysql://***@db:3306/x", id="url-pw-with-at"),
        pytest.param("redis://:hunter22@cache:6379", "redis://***@cache:6379", id="url-no-user"),
        pytest.param("http://user@host/x", "http://user@host/x", id="url-user-only"),
    ],
)
def test_redact_masks_secrets_and_key_shaped_text(text: str, expected: str) -> None:
    """Registered values, appid=, bearer tokens and URL passwords become ***; other text stays."""
    register_secrets([KEY])
    assert redact(text) == expected


def test_short_values_are_not_registered() -> None:
    """A value under four characters is not registered (settings reject such secrets)."""
    register_secrets(["pw", "", None])
    assert redact("pw is a word") == "pw is a word"


def test_redaction_is_stable_when_applied_twice() -> None:
    """Masked text stays as it is when it passes a second store or log line."""
    register_secrets([KEY])
    once = redact(f'appid={KEY} {{"token": "{KEY}"}} Bearer {KEY} X-Api-Key: {KEY}')
    assert redact(once) == once


def test_every_log_line_is_redacted(rendered: Rendered) -> None:
    """Event, nested fields, lists and tracebacks of a rendered line never hold the key."""
    log = structlog.get_logger()
    log.info(f"weather for {KEY}", url=f"http://x/weather?appid={KEY}", nested={"k": [KEY]})
    try:
        raise RuntimeError(f"connect failed for http://x/weather?q=a&appid={KEY}")
    except RuntimeError:
        log.exception("request.failed", error=ValueError(KEY))
    structlog.get_logger("stamina").warning(
        "stamina.retry_scheduled", args=(repr(KEY),), kwargs={"appid": KEY}
    )

    out = rendered.lines()
    assert len(out) == 3
    assert KEY not in json.dumps(out)
    assert out[0]["event"] == "weather for ***"
    assert out[0]["nested"] == {"k": ["***"]}
    assert "appid=***" in str(out[1]["exception"])
    assert out[2]["kwargs"] == {"appid": "***"}


def test_standard_library_lines_are_json_redacted_and_carry_the_service(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """aiohttp's and asyncio's own loggers print through the same masking JSON pipeline."""
    configure_logging(service="api", fmt="json", secrets=[KEY])
    try:
        raise OSError(f"GET http://up/weather?appid={KEY} failed")
    except OSError:
        logging.getLogger("aiohttp.server").exception("Error handling request %s", KEY)
    logging.getLogger("asyncio").error('Task failed: {"password": "hunter22"}')
    out = [json.loads(line) for line in capfd.readouterr().out.splitlines()]
    assert [line["logger"] for line in out] == ["aiohttp.server", "asyncio"]
    assert {line["service"] for line in out} == {"api"}
    assert out[0]["event"] == "Error handling request ***"
    assert "appid=***" in str(out[0]["exception"])
    assert out[1]["event"] == 'Task failed: {"password": "***"}'
    assert out[1]["level"] == "error"
    assert KEY not in json.dumps(out)


def test_bound_context_is_redacted(rendered: Rendered) -> None:
    """A secret bound into the context variables is masked too."""
    with structlog.contextvars.bound_contextvars(token=KEY):
        structlog.get_logger().info("bound")
    assert rendered.lines()[0]["token"] == "***"
