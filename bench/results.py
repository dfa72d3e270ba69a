"""Everything one bench run measured, by name, in the order it was measured."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.stats import Figure


@dataclass
class Results:
    """Named figures plus single facts (rows written, peak RSS, stream lengths)."""

    figures: dict[str, Figure] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    def figure(self, name: str, unit: str) -> Figure:
        """The figure called ``name``, created empty on first use."""
        if name not in self.figures:
            self.figures[name] = Figure(unit=unit)
        return self.figures[name]

    def median(self, name: str) -> float:
        """The median of ``name``, NaN when it was not measured."""
        found = self.figures.get(name)
        return found.median if found else float("nan")

    def to_json(self) -> dict[str, Any]:
        """The results as plain JSON values."""
        return {
            "figures": {name: fig.to_json() for name, fig in self.figures.items()},
            "facts": self.facts,
        }
