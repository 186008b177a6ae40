"""Scoring a model on gold articles: predict from raw text exactly as users do, then compare spans."""

from __future__ import annotations

from collections.abc import Sequence

from inference.core.articles import Article
from inference.interface.api import extract
from inference.runtime.predictor import Predictor

from .claim_attribution import events_in_claims
from .span_metrics import span_scores


def evaluate_articles(predictor: Predictor, gold: Sequence[Article], progress: bool = False
                      ) -> tuple[dict, list[Article]]:
    """Run :func:`inference.extract` on every gold article's text and score the results; returns
    ``(scores, predictions)``. Scoring the user-facing results makes the measured score the one users get.
    ``scores["events_in_claims"]`` (when the gold articles annotate claims) is the share of predicted events inside
    gold claim content that point to the right claim (``training/evaluation/claim_attribution.py``).

    Example:
        >>> scores, predictions = evaluate_articles(Predictor.from_pretrained("runs/x/model"), dev)  # doctest: +SKIP
        >>> scores["claim_cue"]["exact"]["f1"]  # doctest: +SKIP
        0.71
    """
    results = extract([a.text for a in gold], model=predictor, progress=progress)
    predictions = [result.to_article(a.id, a.text) for result, a in zip(results, gold, strict=True)]
    scores = span_scores(list(gold), predictions)
    if any("claims" in a.layers for a in gold):
        scores["events_in_claims"] = events_in_claims(gold, results)
    return scores, predictions
