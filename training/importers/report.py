"""Counting what an importer skips or merges, so nothing is dropped silently."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ImportReport:
    """Counts of skipped or merged items by reason.

    Example:
        >>> report = ImportReport()
        >>> report.add("polnear: Discuss marker skipped", 2)
        >>> str(report)
        '2 × polnear: Discuss marker skipped'
    """

    counts: Counter = field(default_factory=Counter)

    def add(self, reason: str, n: int = 1) -> None:
        if n:
            self.counts[reason] += n

    def merge(self, other: ImportReport) -> ImportReport:
        self.counts.update(other.counts)
        return self

    def __bool__(self) -> bool:
        return bool(self.counts)

    def __str__(self) -> str:
        return "; ".join(f"{n} × {reason}" for reason, n in sorted(self.counts.items())) or "nothing skipped"

    def to_dict(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))
