# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""A row of BENCHMARKS.md: the sfjwt figure and its reference per round, the ratio, the
target."""

from __future__ import annotations

import statistics
from typing import Callable, List, Optional



class Row:
    def __init__(self, section: str, what: str, unit: str, higher_is_better: bool,
                 target: str = "—", met: Optional[Callable[[float, Optional[float]], bool]] = None,
                 note: str = "", worst: bool = False) -> None:
        self.worst = worst
        self.section = section
        self.what = what
        self.unit = unit
        self.higher_is_better = higher_is_better
        self.target = target
        self.met = met
        self.note = note
        self.sfjwt: List[float] = []
        self.reference: List[float] = []
        self.reference_name = ""

    def add(self, sfjwt: float, reference: Optional[float] = None) -> None:
        self.sfjwt.append(sfjwt)
        if reference is not None:
            self.reference.append(reference)

    def value(self) -> float:
        # Counts that must hold in every round report the worst round.
        if self.worst:
            return max(self.sfjwt) if not self.higher_is_better else min(self.sfjwt)
        return statistics.median(self.sfjwt)

    def ref_value(self) -> Optional[float]:
        return statistics.median(self.reference) if self.reference else None

    def ratio(self) -> Optional[float]:
        if not self.reference:
            return None
        ratios = []
        for s, r in zip(self.sfjwt, self.reference):
            if s == 0 or r == 0:
                continue
            ratios.append(s / r if self.higher_is_better else r / s)
        return statistics.median(ratios) if ratios else None

    def status(self) -> str:
        if self.met is None:
            return ""
        return "met" if self.met(self.value(), self.ratio()) else "**missed**"

    def spread(self) -> str:
        if len(self.sfjwt) < 2:
            return ""
        return f"{fmt(min(self.sfjwt), self.unit)}–{fmt(max(self.sfjwt), self.unit)}"


def fmt(value: Optional[float], unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ns":
        return f"{value:,.0f} ns" if value >= 100 else f"{value:.1f} ns"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit == "µs":
        return f"{value:,.1f} µs"
    if unit == "/s":
        return f"{value:,.0f}/s"
    if unit == "MiB":
        return f"{value:.2f} MiB"
    if unit == "count":
        return f"{value:.0f}"
    return f"{value:g} {unit}"

