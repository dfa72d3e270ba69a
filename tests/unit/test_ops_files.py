"""ops/: the alert rules pass promtool, and the rules and the Grafana board use real metrics."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.observability.metrics import render_metrics
from tests.unit.test_compose import service

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "ops" / "prometheus" / "alerts.yml"
PROMETHEUS_CONFIG = ROOT / "ops" / "prometheus" / "prometheus.yml"
DASHBOARD = ROOT / "ops" / "grafana" / "dashboards" / "item-sync.json"
# Metric names as they appear in PromQL: ours and stamina's retry counter.
METRIC = re.compile(r"\b((?:itemsync|stamina)_[a-z0-9_]+)\b")
# Family type -> the sample names Prometheus scrapes for it.
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "gauge": ("",),
    "stateset": ("",),
    "info": ("_info",),
}


def _exported() -> set[str]:
    """Every sample name the services' registry can expose, labelled children or not."""
    from prometheus_client import REGISTRY

    render_metrics()  # registers stamina's counter too
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ("",)))
    return names


def _rule_expressions() -> list[str]:
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def _dashboard_expressions() -> list[str]:
    board: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [target["expr"] for panel in board["panels"] for target in panel["targets"]]


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        message = "promtool is missing (.ci/ensure-services installs prometheus)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.mark.parametrize(("what", "path"), [("rules", RULES), ("config", PROMETHEUS_CONFIG)])
def test_promtool_accepts_the_rules_and_the_config(what: str, path: Path) -> None:
    """`promtool check rules|config` passes."""
    checked = subprocess.run(  # noqa: S603 - a fixed tool on our own files
        [_promtool(), "check", what, str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_required_alert_is_there() -> None:
    """Failed jobs, an open breaker, growing lag, dead letters and stale sources alert."""
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    names = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    assert names == {
        "ItemSyncJobFailed",
        "ItemSyncBreakerOpen",
        "ItemSyncConsumerLagGrowing",
        "ItemSyncDeadLetters",
        "ItemSyncNoSuccessfulSync",
    }


@pytest.mark.parametrize("source", ["rules", "dashboard"])
def test_every_metric_used_is_exported(source: str) -> None:
    """Each metric a rule or a panel queries is one the services serve on /metrics."""
    expressions = _rule_expressions() if source == "rules" else _dashboard_expressions()
    used = {name for expr in expressions for name in METRIC.findall(expr)}
    assert used
    assert used <= _exported(), used - _exported()


def test_the_monitoring_profile_mounts_the_ops_files() -> None:
    """Prometheus and Grafana start only with --profile monitoring, wired to ops/."""
    prometheus, grafana = service("prometheus"), service("grafana")
    assert prometheus["profiles"] == grafana["profiles"] == ["monitoring"]
    mounts = " ".join(prometheus["volumes"] + grafana["volumes"])
    for path in ("ops/prometheus/alerts.yml", "ops/prometheus/prometheus.yml", "ops/grafana"):
        assert f"./{path}" in mounts
