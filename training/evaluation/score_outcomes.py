"""Which predicted claims, events and arguments are right, for calibrating their scores and measuring how well they are.

"Right", one definition everywhere (``training.calibration --scores`` fits on it, ``training.evaluate`` reports the
expected calibration error and the precision and recall at score thresholds, ``score_thresholds.py``, on it):

- a claim is right when a gold claim has a cue overlapping its cue, content overlapping its content, and a source
  overlapping its source (or neither has one): the claim a reader would recognise, boundaries aside;
- an event is right when the gold has its trigger span and type, or a judge called it a real event of that type
  (``judgements/``, see ``adjudication.py``);
- an argument of an event the gold has (trigger span and type) is right when that gold event has an argument of the
  same role overlapping it; the arguments of events the gold lacks are left out, as nobody annotated them.
"""

from __future__ import annotations

from collections.abc import Sequence

from inference.core.articles import Argument, Article, Claim, Event, Span
from inference.core.score_maps import expected_calibration_error

from .adjudication import Key, trigger_key


def _overlap(a: Sequence[Span], b: Sequence[Span]) -> bool:
    return any(x.overlaps(y) for x in a for y in b)


def _same_claim(claim: Claim, gold: Claim) -> bool:
    sources = _overlap(claim.source, gold.source) or not claim.source and not gold.source
    return sources and _overlap(claim.cue, gold.cue) and _overlap(claim.content, gold.content)


def _same_argument(argument: Argument, gold: Argument) -> bool:
    return argument.role == gold.role and argument.span.overlaps(gold.span)


def _gold_events(article: Article) -> dict[Key, Event]:
    return {trigger_key(article.id, event): event for event in article.events}


def outcomes(gold: Sequence[Article], predicted: Sequence[Article], judgements: dict[Key, str] | None = None
             ) -> dict[str, tuple[list[float], list[bool]]]:
    """``{"claim": (scores, right), "event": (scores, right), "argument": (scores, right)}`` over the articles
    annotating each layer.

    Example:
        >>> gold = Article("a", "He said it rained.", claims=[Claim([Span(0, 2)], [Span(3, 7)], [Span(8, 17)])])
        >>> pred = Article("a", gold.text, claims=[Claim([Span(0, 2)], [Span(3, 7)], [Span(11, 17)], score=0.8)])
        >>> outcomes([gold], [pred])["claim"]
        ([0.8], [True])
    """
    by_id = {article.id: article for article in predicted}
    found: dict[str, tuple[list[float], list[bool]]] = {"claim": ([], []), "event": ([], []), "argument": ([], [])}
    for article in gold:
        prediction = by_id[article.id]
        if "claims" in article.layers:
            for claim in prediction.claims:
                found["claim"][0].append(claim.score or 0.0)
                found["claim"][1].append(any(_same_claim(claim, g) for g in article.claims))
        if "events" in article.layers:
            gold_events = _gold_events(article)
            for event in prediction.events:
                key = trigger_key(article.id, event)
                found["event"][0].append(event.score or 0.0)
                found["event"][1].append(key in gold_events or (judgements or {}).get(key) == "real")
                for argument in event.arguments if key in gold_events else ():
                    found["argument"][0].append(argument.score or 0.0)
                    found["argument"][1].append(any(_same_argument(argument, g) for g in gold_events[key].arguments))
    return found


def gold_outcomes(gold: Sequence[Article], predicted: Sequence[Article]) -> dict[str, list[float | None]]:
    """``{"claim": [...], "event": [...], "argument": [...]}``: for each gold claim, event and argument of the
    articles annotating its layer, the highest score among the predictions right for it by the definition above,
    ``None`` when none is: what recall at a score threshold counts. Judgements add right predictions the gold lacks,
    not gold items, so none are taken here.

    Example:
        >>> gold = Article("a", "He said it rained.", claims=[Claim([Span(0, 2)], [Span(3, 7)], [Span(8, 17)])])
        >>> pred = Article("a", gold.text, claims=[Claim([Span(0, 2)], [Span(3, 7)], [Span(11, 17)], score=0.8),
        ...                                        Claim([], [Span(3, 7)], [Span(8, 17)], score=0.9)])
        >>> gold_outcomes([gold], [pred])
        {'claim': [0.8], 'event': [], 'argument': []}
    """
    by_id = {article.id: article for article in predicted}
    found: dict[str, list[float | None]] = {"claim": [], "event": [], "argument": []}
    for article in gold:
        prediction = by_id[article.id]
        if "claims" in article.layers:
            for claim in article.claims:
                found["claim"].append(max((c.score or 0.0 for c in prediction.claims if _same_claim(c, claim)),
                                          default=None))
        if "events" in article.layers:
            scores: dict[Key, float] = {}
            arguments: dict[Key, list[Argument]] = {}
            for event in prediction.events:
                key = trigger_key(article.id, event)
                scores[key] = max(scores.get(key, 0.0), event.score or 0.0)
                arguments.setdefault(key, []).extend(event.arguments)
            for event in article.events:
                key = trigger_key(article.id, event)
                found["event"].append(scores.get(key))
                found["argument"] += [max((a.score or 0.0 for a in arguments.get(key, []) if _same_argument(a, g)),
                                          default=None) for g in event.arguments]
    return found


def calibration_errors(gold: Sequence[Article], predicted: Sequence[Article], judgements: dict[Key, str] | None = None
                       ) -> dict[str, dict[str, float | int]]:
    """Expected calibration error (10 bins) of claim, event and argument scores, with how many items and how many
    right."""
    return {kind: {"ece": expected_calibration_error(scores, right), "items": len(scores), "right": sum(right)}
            for kind, (scores, right) in outcomes(gold, predicted, judgements).items() if scores}
