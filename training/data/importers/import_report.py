"""Counting what an importer skips or merges, so that nothing is dropped silently."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from inference.core.articles import DataError


@dataclass
class ImportReport:
    """Counts of skipped or merged items by reason (``"polnear: Discuss marker skipped"``).

    Example:
        >>> report = ImportReport()
        >>> report.add("polnear: Discuss marker skipped", 2)
        >>> report.merge(ImportReport(Counter({"m2e2: overlapping trigger skipped": 1}))).total
        3
        >>> str(report)
        '1 × m2e2: overlapping trigger skipped; 2 × polnear: Discuss marker skipped'
    """

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, reason: str, n: int = 1) -> None:
        """Count ``n`` items skipped or merged for ``reason``; ``n=0`` records nothing."""
        if n < 0:
            raise ValueError(f"ImportReport.add: n={n} for {reason!r}; accepted: a count >= 0")
        if n:
            self.counts[reason] += n

    def merge(self, other: ImportReport) -> ImportReport:
        """Add another report's counts to this one; returns ``self`` so that merges chain."""
        self.counts.update(other.counts)
        return self

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __bool__(self) -> bool:
        return bool(self.counts)

    def __str__(self) -> str:
        return "; ".join(f"{n} × {reason}" for reason, n in sorted(self.counts.items())) or "nothing skipped"

    def to_dict(self) -> dict[str, int]:
        """The counts as a plain dict sorted by reason, ready for ``json.dump``."""
        return dict(sorted(self.counts.items()))

    def log(self, logger: logging.Logger, what: str) -> None:
        """Log the whole report once, at INFO, as a one-line summary for ``what`` (a path or corpus name)."""
        logger.info("%s: skipped or merged: %s", what, self)


def problem(errors: str, report: ImportReport, reason: str, message: str, path: str | Path | None,
            line: int | None) -> None:
    """Raise a ``DataError`` naming file and line (``errors="raise"``) or count ``reason`` (``errors="skip"``).

    Example:
        >>> report = ImportReport()
        >>> problem("skip", report, "demo: bad span skipped", "T1: offsets 3-9 outside the text", "a.ann", 4)
        >>> report.to_dict()
        {'demo: bad span skipped': 1}
    """
    if errors == "raise":
        raise DataError(f"{message}; fix the data or pass errors='skip' to skip and count it", path, line)
    report.add(reason)
