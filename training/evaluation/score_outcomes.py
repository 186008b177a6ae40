"""Which predicted claims and events are right, for calibrating their scores and measuring how well they are.

"Right", one definition everywhere (``training.calibration --scores`` fits on it, ``training.evaluate`` reports the
expected calibration error and the precision and recall at score thresholds, ``score_thresholds.py``, on it):

- a claim is right when a gold claim has a cue overlapping its cue, content overlapping its content, and a source
  overlapping its source (or neither has one): the claim a reader would recognise, boundaries aside;
- an event is right when the gold has its trigger span and type, or a judge called it a real event of that type
  (``judgements/``, see ``adjudication.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from inference.core.articles import Article, Claim, Span
from inference.core.score_maps import expected_calibration_error

from .adjudication import Key, trigger_key


def _overlap(a: Sequence[Span], b: Sequence[Span]) -> bool:
    return any(x.overlaps(y) for x in a for y in b)


def _same_claim(claim: Claim, gold: Claim) -> bool:
    sources = _overlap(claim.source, gold.source) or not claim.source and not gold.source
    return sources and _overlap(claim.cue, gold.cue) and _overlap(claim.content, gold.content)


def outcomes(gold: Sequence[Article], predicted: Sequence[Article], judgements: dict[Key, str] | None = None
             ) -> dict[str, tuple[list[float], list[bool]]]:
    """``{"claim": (scores, right), "event": (scores, right)}`` over the articles annotating each layer.

    Example:
        >>> gold = Article("a", "He said it rained.", claims=[Claim([Span(0, 2)], [Span(3, 7)], [Span(8, 17)])])
        >>> pred = Article("a", gold.text, claims=[Claim([Span(0, 2)], [Span(3, 7)], [Span(11, 17)], score=0.8)])
        >>> outcomes([gold], [pred])["claim"]
        ([0.8], [True])
    """
    by_id = {article.id: article for article in predicted}
    found: dict[str, tuple[list[float], list[bool]]] = {"claim": ([], []), "event": ([], [])}
    for article in gold:
        prediction = by_id[article.id]
        if "claims" in article.layers:
            for claim in prediction.claims:
                found["claim"][0].append(claim.score or 0.0)
                found["claim"][1].append(any(_same_claim(claim, g) for g in article.claims))
        if "events" in article.layers:
            gold_keys = {trigger_key(article.id, e) for e in article.events}
            for event in prediction.events:
                key = trigger_key(article.id, event)
                found["event"][0].append(event.score or 0.0)
                found["event"][1].append(key in gold_keys or (judgements or {}).get(key) == "real")
    return found


def gold_outcomes(gold: Sequence[Article], predicted: Sequence[Article]) -> dict[str, list[float | None]]:
    """``{"claim": [...], "event": [...]}``: for each gold claim and event of the articles annotating its layer, the
    highest score among the predictions right for it by the definition above, ``None`` when none is: what recall at a
    score threshold counts. Judgements add right predictions the gold lacks, not gold items, so none are taken here.

    Example:
        >>> gold = Article("a", "He said it rained.", claims=[Claim([Span(0, 2)], [Span(3, 7)], [Span(8, 17)])])
        >>> pred = Article("a", gold.text, claims=[Claim([Span(0, 2)], [Span(3, 7)], [Span(11, 17)], score=0.8),
        ...                                        Claim([], [Span(3, 7)], [Span(8, 17)], score=0.9)])
        >>> gold_outcomes([gold], [pred])
        {'claim': [0.8], 'event': []}
    """
    by_id = {article.id: article for article in predicted}
    found: dict[str, list[float | None]] = {"claim": [], "event": []}
    for article in gold:
        prediction = by_id[article.id]
        if "claims" in article.layers:
            for claim in article.claims:
                found["claim"].append(max((c.score or 0.0 for c in prediction.claims if _same_claim(c, claim)),
                                          default=None))
        if "events" in article.layers:
            scores: dict[Key, float] = {}
            for event in prediction.events:
                key = trigger_key(article.id, event)
                scores[key] = max(scores.get(key, 0.0), event.score or 0.0)
            found["event"] += [scores.get(trigger_key(article.id, event)) for event in article.events]
    return found


def calibration_errors(gold: Sequence[Article], predicted: Sequence[Article], judgements: dict[Key, str] | None = None
                       ) -> dict[str, dict[str, float | int]]:
    """Expected calibration error (10 bins) of claim and event scores, with how many items and how many right."""
    return {kind: {"ece": expected_calibration_error(scores, right), "items": len(scores), "right": sum(right)}
            for kind, (scores, right) in outcomes(gold, predicted, judgements).items() if scores}
