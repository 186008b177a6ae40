"""Precision and recall of claims, events and arguments kept at a few score thresholds, so a user can choose one.

Scores are calibrated (``score_maps.json``), so keeping the claims scored at least 0.9 should keep claims right about
9 times in 10; this measures it. At each threshold *t*, from the same "right" as the calibration error
(``score_outcomes.py``):

- **precision**: the share right among the predictions scored at least *t* (``None`` when none is);
- **recall**, against the gold: the share of gold items for which a prediction scored at least *t* is right (a gold
  claim whose source, cue and content each overlap a kept claim's; a gold trigger kept with its span and type; a gold
  argument of that role overlapped by a kept argument of its event). With
  judgements, precision counts predictions judged real; recall stays against the gold, which they do not extend.

Not one to one: two kept claims may both be right for one gold claim, so these are not the whole-claim scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inference.core.articles import Article

from .adjudication import Key
from .score_outcomes import gold_outcomes, outcomes

# The thresholds reported (eval_results.json, eval_results.md, the model card): the one place they are set.
THRESHOLDS = (0.5, 0.7, 0.8, 0.9)


def at_thresholds(scores: Sequence[float], right: Sequence[bool], gold_best: Sequence[float | None],
                  thresholds: Sequence[float] = THRESHOLDS) -> dict[str, Any]:
    """Precision, recall and counts at each threshold, from the predictions' ``(scores, right)`` and, for each gold
    item, the best score of a prediction right for it (``None``: none is).

    Example:
        >>> table = at_thresholds([0.95, 0.85, 0.6, 0.3], [True, False, True, True], [0.95, 0.6, 0.3, None], [0.5, 0.9])
        >>> [(row["threshold"], row["kept"], row["precision"], row["recall"]) for row in table["rows"]]
        [(0.5, 3, 0.6666666666666666, 0.5), (0.9, 1, 1.0, 0.25)]
    """
    rows = []
    for threshold in thresholds:
        kept = [ok for score, ok in zip(scores, right, strict=True) if score >= threshold]
        found = sum(1 for best in gold_best if best is not None and best >= threshold)
        rows.append({"threshold": threshold, "kept": len(kept), "right": sum(kept),
                     "precision": sum(kept) / len(kept) if kept else None, "found": found,
                     "recall": found / len(gold_best) if gold_best else None})
    return {"predicted": len(scores), "gold": len(gold_best), "rows": rows}


def threshold_tables(gold: Sequence[Article], predicted: Sequence[Article], judgements: dict[Key, str] | None = None,
                     thresholds: Sequence[float] = THRESHOLDS) -> dict[str, dict[str, Any]]:
    """:func:`at_thresholds` for claims, events and arguments, over the articles annotating each layer; a kind with
    neither predictions nor gold items is left out. ``judged`` says whether event precision counted judgements.

    Example:
        >>> from inference.core.articles import Claim, Span
        >>> gold = Article("a", "He said it rained.", claims=[Claim([Span(0, 2)], [Span(3, 7)], [Span(8, 17)])])
        >>> pred = Article("a", gold.text, claims=[Claim([Span(0, 2)], [Span(3, 7)], [Span(11, 17)], score=0.8)])
        >>> [(row["threshold"], row["precision"], row["recall"]) for row in
        ...  threshold_tables([gold], [pred], thresholds=[0.7, 0.9])["claim"]["rows"]]
        [(0.7, 1.0, 1.0), (0.9, None, 0.0)]
    """
    pairs, best = outcomes(gold, predicted, judgements), gold_outcomes(gold, predicted)
    tables = {kind: at_thresholds(*pairs[kind], best[kind], thresholds)
              for kind in pairs if pairs[kind][0] or best[kind]}
    if "event" in tables:
        tables["event"]["judged"] = judgements is not None
    return tables
