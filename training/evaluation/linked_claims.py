"""Whole-claim scores: a predicted claim counts only when its source, cue and content are all right *and* linked
together, which the per-part scores of :mod:`.span_metrics` cannot see (three right parts may belong to three
different predicted claims).

seqeval scores spans in tag sequences, not linked tuples, so this is counted here:

- **exact**: every part covers the same words as the gold claim's (fragments compared as sets of word ranges, on the
  same words as the exact span scores; a part absent on both sides, such as an unnamed source, agrees);
- **overlap**: every part shares at least one word with the gold claim's part (or both are absent). Set beside the
  per-part scores, it tells linking errors from boundary errors: parts found but linked wrong lower it, parts with
  wrong boundaries do not.

Predicted and gold claims are paired one to one: exact matches as multisets, overlap matches greedily in the order
of the predicted claims' cues (the first unpaired gold claim that agrees). Per type: claims with a named source and
claims without one (``"named source"``, ``"no source"``), by the gold claim for recall and the predicted one for
precision.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from inference.core.articles import Claim

from .words import Words, prf

KINDS = ("named source", "no source")
Part = frozenset[tuple[int, int]]  # the word ranges [first, stop) of a part's fragments
Linked = tuple[Part, Part, Part]  # source, cue, content


def _linked(claim: Claim, words: Words) -> Linked:
    def part(name: str) -> Part:
        ranges = (words.range_of(span) for span in getattr(claim, name))
        return frozenset((first, stop) for first, stop in ranges if first < stop)

    return part("source"), part("cue"), part("content")


def _kind(claim: Linked) -> str:
    return KINDS[0] if claim[0] else KINDS[1]


def _parts_overlap(gold: Linked, pred: Linked) -> bool:
    def overlap(a: Part, b: Part) -> bool:
        if not a or not b:
            return not a and not b
        return any(a_first < b_stop and b_first < a_stop for a_first, a_stop in a for b_first, b_stop in b)

    return all(overlap(g, p) for g, p in zip(gold, pred, strict=True))


@dataclass
class LinkedClaimCounts:
    """Claim counts gathered article by article; :meth:`scores` gives exact and overlap P/R/F1 in the shape of
    :func:`training.evaluation.span_metrics.span_scores`' tasks, scores in [0, 1].

    Example:
        >>> from inference.core.articles import Span
        >>> from training.evaluation.words import Words
        >>> counts = LinkedClaimCounts()
        >>> counts.add(Words.of("He said no."), gold=[Claim([Span(0, 2)], [Span(3, 7)], [Span(8, 10)])],
        ...            pred=[Claim([Span(0, 2)], [Span(3, 7)], [Span(8, 11)])])  # content takes in the "."
        >>> scores = counts.scores()
        >>> scores["exact"]["f1"], scores["overlap"]["f1"]
        (0.0, 1.0)
    """

    counts: dict[str, Counter] = field(default_factory=lambda: {key: Counter() for key in
                                                                ("gold", "pred", "exact", "overlap")})
    articles: int = 0

    def add(self, words: Words, gold: Sequence[Claim], pred: Sequence[Claim]) -> None:
        """Count one article's gold and predicted claims (its text split into ``words``)."""
        self.articles += 1
        gold_linked, pred_linked = [_linked(c, words) for c in gold], [_linked(c, words) for c in pred]
        self.counts["gold"].update(map(_kind, gold_linked))
        self.counts["pred"].update(map(_kind, pred_linked))
        for claim, n in (Counter(gold_linked) & Counter(pred_linked)).items():
            self.counts["exact"][_kind(claim)] += n
        unpaired = list(gold_linked)
        for claim in sorted(pred_linked, key=lambda c: min(c[1], default=(-1, -1))):  # in the order of the cues
            match = next((k for k, candidate in enumerate(unpaired) if _parts_overlap(candidate, claim)), None)
            if match is not None:
                self.counts["overlap"][_kind(unpaired.pop(match))] += 1

    def scores(self) -> dict[str, Any]:
        gold, pred = self.counts["gold"], self.counts["pred"]
        kinds = [kind for kind in KINDS if gold[kind] or pred[kind]]

        def scored(match: Counter) -> dict[str, Any]:
            per_type = {kind: {**prf(match[kind], gold[kind], pred[kind]), "support": gold[kind]} for kind in kinds}
            return {**prf(match.total(), gold.total(), pred.total()), "support": gold.total(), "per_type": per_type}

        return {"exact": scored(self.counts["exact"]), "overlap": scored(self.counts["overlap"]),
                "articles": self.articles}
