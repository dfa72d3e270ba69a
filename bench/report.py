"""The printed table, the target lines and the JSON file."""

from __future__ import annotations

import json
import math
from pathlib import Path

from bench.results import Results


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def table(results: Results) -> str:
    """One row per figure: median, min, max, unit and number of runs."""
    width = max((len(name) for name in results.figures), default=10)
    lines = [f"{'figure':<{width}}  {'median':>10}  {'min':>10}  {'max':>10}  unit      n"]
    lines.append("-" * len(lines[0]))
    for name, fig in results.figures.items():
        lines.append(
            f"{name:<{width}}  {_fmt(fig.median):>10}  {_fmt(fig.low):>10}  {_fmt(fig.high):>10}"
            f"  {fig.unit:<8}  {len(fig.samples)}"
        )
    return "\n".join(lines)


def facts(results: Results) -> str:
    """The single facts, one per line."""
    return "\n".join(f"{name}: {value}" for name, value in results.facts.items())


def write_json(results: Results, path: Path, extra: dict[str, object]) -> None:
    """Write the results and ``extra`` (plan, targets) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**extra, **results.to_json()}, indent=2, default=str) + "\n")
