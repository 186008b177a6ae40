"""What every span score counts on: the words of a text, and one precision/recall/F1 formula.

The per-part span scores (:mod:`.span_metrics`) and the whole-claim scores (:mod:`.linked_claims`) both compare spans
as ranges of these words, so a part that matches in one matches in the other.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from inference.core.articles import Span

WORD = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class Words:
    """The words of a text (``\\w+`` runs and single other non-space characters) as character offsets.

    Example:
        >>> words = Words.of("Gaza's toll")
        >>> words.starts, words.ends
        ([0, 4, 5, 7], [4, 5, 6, 11])
        >>> words.range_of(Span(1, 8))  # mid-word boundaries snap outward: all four words
        (0, 4)
    """

    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, text: str) -> Words:
        spans = [m.span() for m in WORD.finditer(text)]
        return cls([start for start, _ in spans], [end for _, end in spans])

    def __len__(self) -> int:
        return len(self.starts)

    def range_of(self, span: Span) -> tuple[int, int]:
        """Indices ``[first, stop)`` of the words a span touches; empty (first == stop) if it holds no word."""
        first = bisect_right(self.ends, span.start)  # first word ending after the span starts
        stop = bisect_left(self.starts, span.end)  # words starting before the span ends
        return first, max(first, stop)


def prf(matched: float, gold: float, predicted: float) -> dict[str, float]:
    """Precision, recall and F1 of ``matched`` items out of ``gold`` and ``predicted`` ones (0.0 for an empty side).

    Hand-written because seqeval scores tag sequences only: whole claims and shared characters are counted here.

    Example:
        >>> prf(matched=2, gold=4, predicted=2)
        {'precision': 1.0, 'recall': 0.5, 'f1': 0.6666666666666666}
    """
    precision = matched / predicted if predicted else 0.0
    recall = matched / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}
