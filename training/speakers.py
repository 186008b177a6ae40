"""Speaker resolution scored against claims judged by reading, by kind of source.

Usage::

    python -m training.speakers --judgements judgements/speakers_dev.jsonl --model inference/default_model
        --data data/release/dev.jsonl [--save-predictions FILE] [--misses] [--output FILE.json]
    python -m training.speakers --judgements judgements/speakers_dev.jsonl --predictions FILE [--misses] [--halves]

The first form runs the model (torch) on the articles of ``--data`` the judgements name (a few minutes on a CPU); the
second reads predicted articles saved before (``--save-predictions``, or ``python -m training.evaluate
--predictions``), so that a change to the rules in ``inference/core/speakers.py`` is measured in seconds: only the
entity mentions and claims are read from them, and every judged source is resolved again by the rules as they are now.
``training/evaluation/speaker_judgements.py`` says what is right; ``docs/speakers.md`` gives the figures, on the dev
judgements the rules are written on and on the test judgements made without seeing their output.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from inference.core.articles import Article, read_jsonl, write_jsonl

from .cli import CommandError, check_data, command_parser, run_command, setup_logging
from .data.importers import load_paths
from .evaluation.speaker_judgements import format_speaker_scores, misses, read_speaker_judgements, speaker_scores

logger = logging.getLogger("training.speakers")


def predict_judged(model: str, data: list[str], docs: set[str], device: str | None = None) -> list[Article]:
    """The model's predicted articles (entity mentions and claims) for the articles of ``data`` named in ``docs``.

    Example::

        predict_judged("inference/default_model", ["data/release/dev.jsonl"], {"VOA_EN_NW_..."})[0].entities[:1]
    """
    from inference.interface.api import extract

    gold = [article for article in load_paths(data, "auto") if article.id in docs]
    results = extract([a.text for a in gold], model=model, device=device, backend="torch", progress=True)
    return [result.to_article(a.id, a.text) for result, a in zip(results, gold, strict=True)]


def main(argv: list[str] | None = None) -> dict:
    parser = command_parser("training.speakers", __doc__)
    parser.add_argument("--judgements", required=True, metavar="FILE",
                        help="Judged claims, JSON lines (e.g. judgements/speakers_dev.jsonl).")
    parser.add_argument("--model", default=None, help="Model folder or hub id to run on --data.")
    parser.add_argument("--data", nargs="+", default=None, help="Articles the judgements were made on (with --model).")
    parser.add_argument("--predictions", default=None, metavar="FILE",
                        help="Predicted articles saved before (article JSON lines), instead of --model and --data.")
    parser.add_argument("--save-predictions", default=None, metavar="FILE",
                        help="With --model: also write the predicted articles, for later runs with --predictions.")
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: cuda when present).")
    parser.add_argument("--misses", action="store_true", help="Also list every judged claim resolved wrong.")
    parser.add_argument("--halves", action="store_true",
                        help="Also score the two halves of the articles by the SHA-1 of their id (docs/speakers.md).")
    parser.add_argument("--output", default=None, metavar="FILE.json", help="Also write the scores as JSON.")
    options = parser.parse_args(argv)
    if (options.predictions is None) == (options.model is None) or (options.model is None) != (options.data is None):
        raise CommandError("give either --model and --data (run the model) or --predictions (saved predictions)")
    if not Path(options.judgements).is_file():
        raise FileNotFoundError(f"--judgements {options.judgements}: no such file; accepted: JSON lines of judged "
                                "speakers")
    setup_logging()
    judgements = read_speaker_judgements(options.judgements)
    if options.predictions is not None:
        if not Path(options.predictions).is_file():
            raise FileNotFoundError(f"--predictions {options.predictions}: no such file; accepted: article JSON lines")
        predicted = read_jsonl(options.predictions)
    else:
        check_data(options.data, "auto", "--data")
        predicted = predict_judged(options.model, options.data, {j.doc for j in judgements}, options.device)
        if options.save_predictions:
            write_jsonl(predicted, options.save_predictions)
    scores = speaker_scores(judgements, predicted, options.halves)
    if options.misses:
        logger.info("resolved wrong:\n%s", "\n".join(misses(judgements, predicted)))
    logger.info("speakers right, %% (right/claims), %s:\n%s", options.judgements, format_speaker_scores(scores))
    if options.output:
        Path(options.output).write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    return scores


if __name__ == "__main__":
    run_command(main, "training.speakers")
