"""The targets: each judged from one run's figures, printed as met or missed with numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bench.plan import Plan
from bench.results import Results
from bench.stats import ratio
from bench.throughput import label, latency_figure, latency_floor_figure

PAGE_SIZE = 20  # POKEAPI_PAGE_SIZE's default: pages in one sync = items / 20


@dataclass(frozen=True)
class Verdict:
    """One target's outcome."""

    target: str
    met: bool | None  # None: not measured in this run
    detail: str

    def line(self) -> str:
        """``MET    target: detail``."""
        word = {True: "MET", False: "MISSED", None: "N/A"}[self.met]
        return f"{word:<7}{self.target}: {self.detail}"

    def to_json(self) -> dict[str, Any]:
        """The verdict as plain JSON values."""
        return {"target": self.target, "met": self.met, "detail": self.detail}


def _judge(target: str, value: float, ok: bool, detail: str) -> Verdict:
    return Verdict(target, None if math.isnan(value) else ok, detail)


def ratios(results: Results, plan: Plan) -> dict[str, float]:
    """The derived ratios the targets and the README speak of."""
    base = f"sync {label(plan.base_items)} 1x1"
    m = results.median
    return {
        **read_ratios(results, plan),
        "item-sync / dlt, first load": ratio(
            m(f"{base} first items/s"), m(f"dlt {label(plan.peer_items)} first items/s")
        ),
        "item-sync / dlt, identical second load": ratio(
            m(f"{base} unchanged items/s"), m(f"dlt {label(plan.peer_items)} second items/s")
        ),
        "pipeline first sync / ceiling (a)": ratio(
            m(f"{base} first items/s"), m(f"ceiling (a) {label(plan.base_items)} items/s")
        ),
        "writer stage / raw upsert (b)": ratio(
            m(f"writer stage {label(plan.base_items)} 1 writer items/s"),
            m(f"raw upsert (b) {label(plan.base_items)} rows/s"),
        ),
        "unchanged / first sync time": m(f"{base} unchanged/first time"),
        "4 fetchers / 1 fetcher at latency": ratio(m(_latency(plan, 4)), m(_latency(plan, 1))),
        "4 bare clients / 1 at latency (the machine's limit)": ratio(
            m(_latency_floor(plan, 4)), m(_latency_floor(plan, 1))
        ),
        "GET /items/{id} / bare aiohttp req/s": ratio(
            m("api GET /items/{id} req/s"), m("api bare aiohttp req/s")
        ),
    }


def verdicts(results: Results, plan: Plan) -> list[Verdict]:
    """Every target, met, missed or not measured."""
    r = ratios(results, plan)
    base = f"sync {label(plan.base_items)} 1x1"
    dlt, ceil = r["item-sync / dlt, first load"], r["pipeline first sync / ceiling (a)"]
    writer, unchanged = r["writer stage / raw upsert (b)"], r["unchanged / first sync time"]
    rows_written = results.figures.get(f"{base} unchanged rows written")
    written = rows_written.high if rows_written else float("nan")
    fan, api = r["4 fetchers / 1 fetcher at latency"], r["GET /items/{id} / bare aiohttp req/s"]
    fan_floor = r["4 bare clients / 1 at latency (the machine's limit)"]
    p99 = results.median("api GET /items/{id} p99")
    out = [
        _judge(f"first sync {base} >= 6x dlt", dlt, dlt >= 6, f"{dlt:.2f}x"),
        _judge(f"first sync {base} >= 60% of ceiling (a)", ceil, ceil >= 0.6, f"{ceil:.0%}"),
        _judge("writer stage >= 60% of raw upsert (b)", writer, writer >= 0.6, f"{writer:.0%}"),
        _judge(
            "unchanged re-sync <= 20% of first sync time, 0 rows written",
            unchanged,
            unchanged <= 0.2 and written == 0,
            f"{unchanged:.0%} of the time, at most {written:.0f} rows written in a run",
        ),
        _judge(
            "50 ms latency: 4 fetchers >= 3.8x one",
            fan,
            fan >= 3.8,
            f"{fan:.2f}x (bare aiohttp processes on this machine: {fan_floor:.2f}x)",
        ),
        _judge(
            "GET /items/{id} >= 50% of bare aiohttp and p99 < 25 ms",
            api,
            api >= 0.5 and p99 < 25,
            f"{api:.0%} of bare, p99 {p99:.1f} ms",
        ),
    ]
    out.extend(_read_verdicts(results, plan))
    out.extend(_memory_verdicts(results, plan))
    return out


def read_ratios(results: Results, plan: Plan) -> dict[str, float]:
    """Each read route's requests/s beside its bare aiohttp twin at ``reads_items``."""
    m, tag = results.median, f"reads {label(plan.reads_items)} items"
    bare, bare_select = m(f"{tag} bare aiohttp req/s"), m(f"{tag} bare PK SELECT req/s")
    return {
        "GET /items?limit=20 / bare aiohttp": ratio(m(f"{tag} GET /items?limit=20 req/s"), bare),
        "GET /sources/pokemon/items/{external_id} / bare aiohttp": ratio(
            m(f"{tag} GET /sources/pokemon/items/{{external_id}} req/s"), bare
        ),
        "cold GET /items/{id} / bare PK SELECT": ratio(
            m(f"{tag} cold GET /items/{{id}} req/s"), bare_select
        ),
    }


def _read_verdicts(results: Results, plan: Plan) -> list[Verdict]:
    r, tag = read_ratios(results, plan), f"reads {label(plan.reads_items)} items"
    page = r["GET /items?limit=20 / bare aiohttp"]
    page_p99 = results.median(f"{tag} GET /items?limit=20 p99")
    lookup = r["GET /sources/pokemon/items/{external_id} / bare aiohttp"]
    lookup_p99 = results.median(f"{tag} GET /sources/pokemon/items/{{external_id}} p99")
    cold = r["cold GET /items/{id} / bare PK SELECT"]
    return [
        _judge(
            f"GET /items?limit=20 at {label(plan.reads_items)} >= 30% of bare, p99 < 25 ms",
            page,
            page >= 0.3 and page_p99 < 25,
            f"{page:.0%} of bare, p99 {page_p99:.1f} ms",
        ),
        _judge(
            "GET /sources/{source}/items/{external_id} >= 50% of bare, p99 < 25 ms",
            lookup,
            lookup >= 0.5 and lookup_p99 < 25,
            f"{lookup:.0%} of bare, p99 {lookup_p99:.1f} ms",
        ),
        _judge("cold GET /items/{id} >= 50% of a bare PK SELECT", cold, cold >= 0.5, f"{cold:.0%}"),
    ]


def _memory_verdicts(results: Results, plan: Plan) -> list[Verdict]:
    size = label(plan.memory_items)
    peaks = {
        role: mb
        for name, value in results.facts.items()
        if name.startswith(f"peak RSS MB through sync {size} ")
        for role, mb in value.items()
    }
    lengths = {
        name: value
        for name, value in results.facts.items()
        if name.startswith(f"max stream length through sync {size} ")
    }
    worst = max(peaks.values(), default=float("nan"))
    real = [
        fig.high
        for name, fig in results.figures.items()
        if name.startswith("real-size ") and " peak RSS " in name
    ]
    worst_real = max(real, default=float("nan"))
    bound = plan.memory_items // PAGE_SIZE
    longest = max((max(v.values()) for v in lengths.values()), default=float("nan"))
    return [
        _judge(
            f"every service <= 150 MB RSS through {size}",
            worst,
            worst <= 150,
            f"worst {worst:.0f} MB",
        ),
        _judge(
            "every service <= 150 MB RSS through a real-size sync and backlog catch-up",
            worst_real,
            worst_real <= 150,
            f"worst {worst_real:.0f} MB",
        ),
        _judge(
            f"stream lengths bounded through {size} (below one sync's {bound} pages)",
            longest,
            longest < bound,
            f"longest {longest:.0f} entries",
        ),
    ]


def _latency(plan: Plan, fetchers: int) -> str:
    return latency_figure(plan.latency_items, fetchers, plan.latency_ms)


def _latency_floor(plan: Plan, clients: int) -> str:
    return latency_floor_figure(plan.latency_items, clients, plan.latency_ms)
