"""Span-level evaluation of a trained extractor on held-out articles.

Usage::

    python -m training.evaluate --model runs/release/model --data data/release/test.jsonl [--format auto]
        [--output-dir DIR] [--device cpu|cuda] [--batch-size 16] [--predictions]

Reports exact (seqeval, strict IOB2) and character-overlap precision/recall/F1 for trigger identification, trigger
classification, argument classification and the claim source, cue and content, overall and per type; writes
``eval_results.json`` and ``eval_results.md`` (and ``predictions.jsonl`` with ``--predictions``) into
``--output-dir``, by default ``eval/<model name>/`` under the working directory: never into the model folder unless
asked, so evaluating an installed or packaged model leaves it as it was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from inference.core.articles import write_jsonl
from inference.core.model_folder import RUN_MODEL_SUBDIR, weights_sha256
from inference.runtime.hub import resolve_model_dir

from .cli import command_parser, setup_logging
from .data.importers import FORMATS, load_paths

logger = logging.getLogger("training.evaluate")

EVAL_DIR = Path("eval")


def default_output_dir(model: str | Path) -> Path:
    """Where the reports on ``model`` go unless told: ``eval/<model name>/``, relative to the working directory.

    A run's ``OUTPUT_DIR/model`` is named after the run; a hub id ``ORG/NAME`` becomes ``ORG--NAME``.

    Example:
        >>> default_output_dir("inference/default_model"), default_output_dir("runs/release/model")
        (PosixPath('eval/default_model'), PosixPath('eval/release'))
    """
    path = Path(model)
    if not path.is_dir() and len(path.parts) == 2 and not str(model).startswith((".", "/")):
        return EVAL_DIR / "--".join(path.parts)  # a hub id, as the Hugging Face cache spells it
    path = path.resolve()
    return EVAL_DIR / (path.parent.name if path.name == RUN_MODEL_SUBDIR else path.name)


def evaluate_model(model: str | Path, data: Sequence[str | Path], output_dir: str | Path, data_format: str = "auto",
                   predictions: bool = False, **predictor_options) -> dict:
    """Score ``model`` (a folder or hub id) on the gold articles in ``data`` and write the reports into
    ``output_dir``; returns the scores. ``predictor_options`` go to ``Predictor.from_pretrained`` (``device``,
    ``batch_size``, ``window``, ``stride``).

    The report's ``meta`` records the sha256 of the weights scored, so a report can be checked against the weights
    beside it (``training.ship`` relies on that).

    Example:
        >>> scores = evaluate_model("runs/release/model", ["data/release/test.jsonl"], "eval/release")  # doctest: +SKIP
        >>> round(scores["claim_cue"]["exact"]["f1"], 2)  # doctest: +SKIP
        0.73
    """
    # Here, not at the top: the model code (torch, transformers) and the metric load only once there is work, so
    # --help answers at once.
    from inference.runtime.predictor import Predictor

    from .evaluation.report import format_summary, write_report
    from .evaluation.scoring import evaluate_articles

    gold = load_paths(data, data_format)
    folder = resolve_model_dir(model)
    predictor = Predictor.from_pretrained(folder, **predictor_options)
    start = time.perf_counter()
    scores, predicted = evaluate_articles(predictor, gold, progress=True)
    seconds = time.perf_counter() - start
    meta = {"model": str(model), "weights_sha256": weights_sha256(folder), "data": [str(p) for p in data],
            "articles": len(gold), "device": str(predictor.device), "seconds": round(seconds, 1),
            "words_per_second": round(sum(len(a.text.split()) for a in gold) / max(seconds, 1e-9))}
    json_path, md_path = write_report(scores, output_dir, meta)
    if predictions:
        write_jsonl(predicted, Path(output_dir) / "predictions.jsonl")
    logger.info("%d articles in %.1f s on %s\n%s", len(gold), seconds, predictor.device, format_summary(scores))
    logger.info("wrote %s and %s", json_path, md_path)
    return scores


def main(argv: list[str] | None = None) -> dict:
    parser = command_parser("training.evaluate", __doc__)
    parser.add_argument("--model", required=True, help="Trained model folder (or hub id).")
    parser.add_argument("--data", required=True, nargs="+", help="Gold articles: files or folders, any format.")
    parser.add_argument("--format", default="auto", choices=["auto", *FORMATS],
                        help="Input format; auto detects it from the path.")
    parser.add_argument("--output-dir", "--out", default=None,
                        help="Where to write the reports (default: eval/<model name>/ in the working directory).")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1, ... (default: cuda when present).")
    parser.add_argument("--batch-size", type=int, default=16, help="Windows per forward pass.")
    parser.add_argument("--window", type=int, default=None, help="Subword tokens per window (default: as trained).")
    parser.add_argument("--stride", type=int, default=None, help="Tokens shared by windows (default: as trained).")
    parser.add_argument("--predictions", action="store_true", help="Also write predictions.jsonl.")
    options = parser.parse_args(argv)
    setup_logging()
    return evaluate_model(options.model, options.data, options.output_dir or default_output_dir(options.model),
                          options.format, options.predictions, device=options.device, batch_size=options.batch_size,
                          window=options.window, stride=options.stride)


if __name__ == "__main__":
    main()
