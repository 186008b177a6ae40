"""Tuning the trigger threshold on dev articles.

M2E2 leaves many real triggers unlabelled ("attack" is a labelled trigger 33 times out of 110), so the trigger head
learns that a typical trigger word is more often ``O`` than not, and its argmax finds few triggers. Tagging a word as
a trigger once ``P(not O)`` reaches a threshold chosen on dev recovers them; the test split is never looked at.

Usage::

    python -m training.calibration --model runs/release/model --data data/release/dev.jsonl
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from inference.document import Article
from inference.predictor import Predictor

from .evaluation import evaluate_articles
from .importers import load_paths

logger = logging.getLogger("training.calibration")

GRID = (0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05)
EVENT_TASKS = ("trigger_classification", "argument_classification")


def calibrate_trigger_threshold(predictor: Predictor, dev: Sequence[Article], grid: Sequence[float] = GRID
                                ) -> tuple[float | None, dict[float | None, float]]:
    """Pick the threshold (or ``None``, plain argmax) with the best mean dev F1 of trigger and argument
    classification; sets it on ``predictor`` and returns it with the F1 of every candidate.

    Example:
        >>> best, f1 = calibrate_trigger_threshold(predictor, dev_articles)  # doctest: +SKIP
    """
    events = [a for a in dev if "events" in a.layers]
    if not events:
        logger.warning("no event-annotated dev article: trigger threshold left at %s", predictor.trigger_threshold)
        return predictor.trigger_threshold, {}
    results: dict[float | None, float] = {}
    for threshold in (None, *grid):
        predictor.trigger_threshold = threshold
        scores, _ = evaluate_articles(predictor, events)
        results[threshold] = sum(scores[task]["exact"]["f1"] for task in EVENT_TASKS) / len(EVENT_TASKS)
        logger.info("trigger threshold %s: mean dev F1 of trigger and argument classification %.3f",
                    threshold, results[threshold])
    best = max(results, key=lambda t: results[t])  # ties keep the earlier candidate: argmax first
    predictor.trigger_threshold = best
    return best, results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="Trained model folder; its config.json gets the threshold.")
    parser.add_argument("--data", required=True, nargs="+", help="Dev articles (never the test split).")
    parser.add_argument("--format", default="auto", help="Input format (default: detect from the path).")
    options = parser.parse_args(argv)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    predictor = Predictor.from_pretrained(options.model)
    best, _ = calibrate_trigger_threshold(predictor, load_paths(options.data, options.format))
    predictor.model.config.trigger_threshold = best
    predictor.model.config.save_pretrained(options.model)
    logger.info("trigger threshold %s written to %s/config.json", best, options.model)


if __name__ == "__main__":
    main()
