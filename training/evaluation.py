"""Scoring a model on gold articles: predict from raw text exactly as users do, then compare spans."""

from __future__ import annotations

from collections.abc import Sequence

from inference.document import Article
from inference.predictor import Predictor

from .span_metrics import span_scores


def evaluate_articles(predictor: Predictor, gold: Sequence[Article], progress: bool = False
                      ) -> tuple[dict, list[Article]]:
    """Predict every gold article's text and score the predictions; returns ``(scores, predictions)``.

    Example:
        >>> scores, predictions = evaluate_articles(Predictor.from_pretrained("runs/x/model"), dev)  # doctest: +SKIP
        >>> scores["claim_cue"]["exact"]["f1"]  # doctest: +SKIP
        0.71
    """
    predictions = predictor.predict([a.text for a in gold], ids=[a.id for a in gold], progress=progress)
    return span_scores(list(gold), predictions), predictions
