"""Scoring a model on gold articles: predict from raw text exactly as users do, then compare spans."""

from __future__ import annotations

from collections.abc import Sequence

from inference.core.articles import Article
from inference.interface.api import extract
from inference.runtime.predictor import Predictor

from .adjudication import Key, adjudicated_triggers
from .claim_attribution import events_in_claims
from .score_outcomes import calibration_errors
from .score_thresholds import threshold_tables
from .span_metrics import span_scores


def evaluate_articles(predictor: Predictor, gold: Sequence[Article], progress: bool = False,
                      judgements: dict[Key, str] | None = None, gold_triggers: bool = True
                      ) -> tuple[dict, list[Article]]:
    """Run :func:`inference.extract` on every gold article's text and score the results; returns
    ``(scores, predictions)``. Scoring the user-facing results makes the measured score the one users get.

    Beside the span scores: ``arguments_gold_triggers``, arguments when the gold triggers are given
    (``extract(text, triggers=...)``, the standard argument extraction task: a second pass over the event articles,
    which callers comparing only the headline scores skip with ``gold_triggers=False``); ``events_in_claims`` (when
    the gold articles annotate claims), the share of predicted events inside gold claim content that point to the
    right claim (``claim_attribution.py``); with ``judgements``, ``triggers_adjudicated`` (``adjudication.py``);
    ``score_calibration``, the expected calibration error of claim, event and argument scores
    (``score_outcomes.py``), and ``score_thresholds``, their precision and recall at a few score thresholds
    (``score_thresholds.py``).

    Example::

        scores, predictions = evaluate_articles(Predictor.from_pretrained("runs/x/model"), dev)
        scores["claim_cue"]["exact"]["f1"]  # -> 0.71
    """
    results = extract([a.text for a in gold], model=predictor, progress=progress)
    predictions = [result.to_article(a.id, a.text) for result, a in zip(results, gold, strict=True)]
    scores = span_scores(list(gold), predictions)
    events = [a for a in gold if "events" in a.layers]
    if events and gold_triggers:
        scores["arguments_gold_triggers"] = _arguments_on_gold_triggers(predictor, events)
    if any("claims" in a.layers for a in gold):
        scores["events_in_claims"] = events_in_claims(gold, results)
    if judgements is not None and events:
        scores["triggers_adjudicated"] = adjudicated_triggers(gold, predictions, judgements)
    scores["score_calibration"] = calibration_errors(gold, predictions, judgements)
    scores["score_thresholds"] = threshold_tables(gold, predictions, judgements)
    return scores, predictions


def _arguments_on_gold_triggers(predictor: Predictor, events: Sequence[Article]) -> dict:
    triggers = [[{"start": e.trigger.start, "end": e.trigger.end, "type": e.type} for e in a.events] for a in events]
    results = extract([a.text for a in events], model=predictor, triggers=triggers)
    given = [result.to_article(a.id, a.text) for result, a in zip(results, events, strict=True)]
    return span_scores(list(events), given)["argument_classification"]
