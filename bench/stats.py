"""A figure measured several times: its median, min and max."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Figure:
    """Samples of one measured quantity, in one unit."""

    unit: str
    samples: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        """Record one run's value."""
        self.samples.append(value)

    @property
    def median(self) -> float:
        """The median sample, or NaN with none."""
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def low(self) -> float:
        """The smallest sample, or NaN with none."""
        return min(self.samples) if self.samples else float("nan")

    @property
    def high(self) -> float:
        """The largest sample, or NaN with none."""
        return max(self.samples) if self.samples else float("nan")

    def to_json(self) -> dict[str, Any]:
        """The figure as plain JSON values."""
        return {
            "unit": self.unit,
            "median": self.median,
            "min": self.low,
            "max": self.high,
            "samples": self.samples,
        }


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN when the denominator is zero or missing."""
    if not denominator or denominator != denominator:
        return float("nan")
    return numerator / denominator
