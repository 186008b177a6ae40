"""Tuning on dev articles: the trigger and argument thresholds, or (``--scores``) the maps that calibrate scores.

M2E2 leaves many real triggers unlabelled (a common trigger word is labelled in a minority of its uses), so the
trigger head learns that a typical trigger word is more often ``O`` than not, and its argmax finds few triggers;
arguments suffer the same way. Tagging a word once ``P(not O)`` reaches a threshold chosen on dev recovers them. The
trigger threshold is chosen first (for the mean F1 of trigger and argument classification), then the argument
threshold (for argument classification F1). The test split is never looked at.

That gold undercounts real triggers also biases the trigger F1 against lower thresholds; with ``--judgements`` (judged
predictions the gold lacks, ``training/evaluation/adjudication.py``) the trigger F1 is the adjudicated one, and
``--min-precision`` passes over a trigger threshold whose adjudicated precision falls under it on any corpus.

Usage::

    python -m training.calibration --model runs/release/model --data data/release/dev.jsonl
    python -m training.calibration --model runs/release/model --data data/release/dev.jsonl \
        data/release/wikievents_dev.jsonl --judgements judgements/triggers_*_dev.jsonl --min-precision 0.8
    python -m training.calibration --model runs/release/model --data data/release/dev.jsonl --scores \
        [--judgements judgements/triggers_m2e2_dev.jsonl]   # claim, event and argument scores: score_maps.json
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from inference.core.articles import Article

from .cli import CommandError, check_data, check_model_folder, command_parser, run_command, setup_logging
from .data.importers import FORMATS, load_paths
from .evaluation.adjudication import check_judgement_files, read_judgements

# The model code (torch, transformers) loads where it is used, so --help answers at once.
if TYPE_CHECKING:
    from inference.core.score_maps import ScoreMaps
    from inference.runtime.predictor import Predictor

    from .evaluation.adjudication import Key

logger = logging.getLogger("training.calibration")

GRID = (0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05)
# The attribute of Predictor (and of the model config) tuned, and the tasks whose mean F1 it is tuned for.
STEPS = (("trigger_threshold", ("trigger_classification", "argument_classification")),
         ("argument_threshold", ("argument_classification",)))


def calibrate_thresholds(predictor: Predictor, dev: Sequence[Article], grid: Sequence[float] = GRID,
                         judgements: Mapping[Key, str] | None = None, min_precision: float = 0.0
                         ) -> dict[str, tuple[float | None, dict[float | None, float]]]:
    """Pick each threshold (or ``None``, plain argmax) by dev F1; sets them on ``predictor``.

    With ``judgements`` (:func:`~training.evaluation.adjudication.read_judgements`) the trigger F1 is adjudicated: a
    prediction the gold lacks counts right when judged ``real``, wrong when unjudged. A trigger threshold whose
    adjudicated precision is under ``min_precision`` on some corpus (``meta["corpus"]``) is passed over, unless all are.
    Returns ``{attribute: (best, {candidate: F1})}``.

    Example::

        chosen = calibrate_thresholds(predictor, dev_articles)
        chosen["trigger_threshold"][0]  # -> 0.2
        calibrate_thresholds(predictor, dev_articles, judgements=read_judgements(paths), min_precision=0.8)
    """
    from .evaluation.scoring import evaluate_articles

    events = [a for a in dev if "events" in a.layers]
    if not events:
        logger.warning("no event-annotated dev article: thresholds left as they are")
        return {}
    chosen = {}
    for attribute, tasks in STEPS:
        results: dict[float | None, float] = {}
        under: set[float | None] = set()  # candidates under the precision floor
        for threshold in (None, *grid):
            setattr(predictor, attribute, threshold)
            scores, predicted = evaluate_articles(predictor, events, gold_triggers=False, judgements=judgements)
            results[threshold] = sum(_task_f1(scores, task) for task in tasks) / len(tasks)
            logger.info("%s %s: mean dev F1 of %s %.3f", attribute, threshold, " and ".join(tasks), results[threshold])
            if attribute == "trigger_threshold" and judgements is not None:
                precision = _lowest_adjudicated_precision(events, predicted, judgements)
                logger.info("%s %s: lowest adjudicated precision %.3f", attribute, threshold, precision)
                if precision < min_precision:
                    under.add(threshold)
        eligible = [t for t in results if t not in under]
        if not eligible:
            logger.warning("every %s is under adjudicated precision %s: chosen by F1 alone", attribute, min_precision)
            eligible = list(results)
        best = max(eligible, key=lambda t: results[t])  # ties keep the earlier candidate: argmax first
        setattr(predictor, attribute, best)
        chosen[attribute] = (best, results)
    return chosen


def _task_f1(scores: dict, task: str) -> float:
    if task == "trigger_classification" and "triggers_adjudicated" in scores:
        return scores["triggers_adjudicated"]["adjudicated_f1"]  # the same exact spans and types, judged
    return scores[task]["exact"]["f1"]


def _lowest_adjudicated_precision(gold: Sequence[Article], predicted: Sequence[Article],
                                  judgements: Mapping[Key, str]) -> float:
    """Per corpus, since one corpus's precision must not hide another's under a pooled figure."""
    from .evaluation.adjudication import adjudicated_triggers

    corpora = {a.meta.get("corpus") for a in gold}
    return min(adjudicated_triggers([a for a in gold if a.meta.get("corpus") == corpus], predicted, judgements
                                    )["adjudicated_precision"] for corpus in corpora)


def fit_score_maps(predictor: Predictor, dev: Sequence[Article], judgements: Sequence[str] = ()) -> ScoreMaps:
    """One isotonic map per kind (claims, events, arguments) from ``predictor``'s raw scores on ``dev`` to the share
    right there (``training/evaluation/score_outcomes.py``); logs the dev calibration error before and after.

    Example::

        fit_score_maps(Predictor.from_pretrained("runs/x/model"), dev).save("runs/x/model")
    """
    from inference.core.score_maps import ScoreMaps, expected_calibration_error, fit_isotonic

    from .evaluation.score_outcomes import outcomes
    from .evaluation.scoring import evaluate_articles

    predictor.decoder.score_maps = ScoreMaps()  # fit on the raw scores
    _, predicted = evaluate_articles(predictor, dev, gold_triggers=False)
    maps = ScoreMaps()
    for kind, (scores, right) in outcomes(dev, predicted, read_judgements(judgements)).items():
        if scores:
            maps.knots[kind] = fit_isotonic(scores, right)
            calibrated = [maps.apply(kind, s) for s in scores]
            logger.info("%s scores on dev: ECE %.3f -> %.3f (%d of %d right)", kind,
                        expected_calibration_error(scores, right), expected_calibration_error(calibrated, right),
                        sum(right), len(right))
    predictor.decoder.score_maps = maps
    return maps


def save_thresholds(predictor: Predictor) -> None:
    """Copy the predictor's thresholds into its model's config (saved with the model from then on)."""
    for attribute, _ in STEPS:
        setattr(predictor.model.config, attribute, getattr(predictor, attribute))


def main(argv: list[str] | None = None) -> None:
    parser = command_parser("training.calibration", __doc__)
    parser.add_argument("--model", required=True, help="Trained model folder; its config.json gets the thresholds.")
    parser.add_argument("--data", required=True, nargs="+", help="Dev articles (never the test split).")
    parser.add_argument("--format", default="auto", choices=["auto", *FORMATS],
                        help="Input format; auto detects it from the path.")
    parser.add_argument("--scores", action="store_true",
                        help="Instead of the thresholds, fit the maps that calibrate claim, event and argument scores "
                             "(score_maps.json in the model folder).")
    parser.add_argument("--judgements", nargs="+", default=None, metavar="FILE",
                        help="Judged trigger predictions the gold lacks: the trigger threshold is chosen on "
                             "adjudicated F1; with --scores, an event judged real counts right.")
    parser.add_argument("--min-precision", type=float, default=0.0, metavar="P",
                        help="With --judgements: pass over a trigger threshold whose adjudicated precision is under "
                             "P (0-1) on any corpus (default 0: none).")
    options = parser.parse_args(argv)
    folder = check_model_folder(options.model)  # a folder, not a hub id: its config.json is written
    check_data(options.data, options.format, "--data")
    check_judgement_files(options.judgements or ())
    if not 0.0 <= options.min_precision <= 1.0 or options.min_precision and not options.judgements:
        raise CommandError(f"--min-precision {options.min_precision}; accepted: a precision from 0 to 1, "
                           "with --judgements")
    setup_logging()
    dev = load_paths(options.data, options.format)
    from inference.runtime.predictor import Predictor

    predictor = Predictor.from_pretrained(folder)
    if options.scores:
        fit_score_maps(predictor, dev, options.judgements or ()).save(folder)
        logger.info("score maps written to %s", folder)
        return

    judged = read_judgements(options.judgements) if options.judgements else None
    chosen = calibrate_thresholds(predictor, dev, judgements=judged, min_precision=options.min_precision)
    save_thresholds(predictor)
    predictor.model.config.save_pretrained(folder)
    logger.info("%s written to %s/config.json", {k: best for k, (best, _) in chosen.items()}, folder)


if __name__ == "__main__":
    run_command(main, "training.calibration")
