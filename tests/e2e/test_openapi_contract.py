"""The live API keeps the promises of its own /openapi.json, checked by schemathesis."""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.client import API_TOKEN, http
from tests.e2e.processes import Pipeline

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_MODE = 25
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.mark.parametrize(
    "mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)
def test_every_operation_conforms_to_the_spec(
    pipeline: Pipeline, mode: schemathesis.GenerationMode
) -> None:
    """Generated valid and invalid requests to every operation get no 5xx and documented answers."""
    pipeline.start("api", API_SYNC_RATE_LIMIT="0")
    pipeline.wait_for_api()
    http("POST", f"{pipeline.api_url}/sync", {"operation": "detail", "params": {"id": 1}})
    schema = schemathesis.openapi.from_url(f"{pipeline.api_url}/openapi.json", timeout=10)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6  # schemathesis leaves out the spec's own path

    _, spec = http("GET", f"{pipeline.api_url}/openapi.json")
    for operation in operations:
        declared = spec["paths"][operation.path][operation.method.lower()]
        if "text/event-stream" in declared["responses"]["200"]["content"]:
            continue  # a live feed never ends: tests/e2e/test_live_events.py covers it
        if mode is schemathesis.GenerationMode.NEGATIVE and not (
            declared["parameters"] or "requestBody" in declared
        ):
            continue  # nothing to get wrong: no parameter and no body

        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis.settings(
            max_examples=EXAMPLES_PER_MODE,
            deadline=None,
            derandomize=True,  # the same cases on every run: a failure here is reproducible
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=pipeline.api_url, headers=AUTH, checks=CHECKS, timeout=10
            )

        try:
            check()
        except Exception as exc:
            raise AssertionError(
                f"{operation.label} ({mode.value}): {exc}\n{pipeline.logs()}"
            ) from exc
