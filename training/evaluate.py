"""Span-level evaluation of a trained extractor on held-out articles.

Usage::

    python -m training.evaluate --model runs/release/model --data data/release/test.jsonl [--format auto]
        [--output-dir DIR] [--device cpu|cuda] [--batch-size 16] [--predictions]

Reports exact (seqeval, strict IOB2) and character-overlap precision/recall/F1 for trigger identification, trigger
classification, argument classification and the claim source, cue and content, overall and per type; writes
``eval_results.json`` and ``eval_results.md`` (and ``predictions.jsonl`` with ``--predictions``) into
``--output-dir``, by default ``eval/<model name>/`` under the working directory: never into the model folder unless
asked, so evaluating an installed or packaged model leaves it as it was. ``python -m training.ship --model MODEL``
run from the same directory reads the results from there.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from inference.core.articles import Article, write_jsonl
from inference.core.model_folder import EVAL_RESULTS_FILE, RUN_MODEL_SUBDIR, weights_sha256
from inference.runtime.backends import BATCH_SIZE
from inference.runtime.hub import resolve_model_dir

from .cli import check_data, command_parser, run_command, setup_logging
from .data.importers import FORMATS, load_paths
from .evaluation.adjudication import check_judgement_files, read_judgements

# The model code (torch, transformers) and the metric load only once there is work, so --help answers at once.
if TYPE_CHECKING:
    from inference.runtime.predictor import Predictor

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
                   predictions: bool = False, judgements: Sequence[str | Path] = (),
                   reliability: str | Path | None = None, **predictor_options) -> dict:
    """Score ``model`` (a folder or hub id) on the gold articles in ``data`` and write the reports into
    ``output_dir``; returns the scores. ``judgements``: files of judged trigger predictions, for the adjudicated
    trigger precision (``training/evaluation/adjudication.py``); ``reliability``: a PNG path for the reliability
    diagram of claim and event scores. ``predictor_options`` go to
    ``Predictor.from_pretrained`` (``device``, ``batch_size``, ``window``, ``stride``).

    Example::

        scores = evaluate_model("runs/release/model", ["data/release/test.jsonl"], "eval/release")
        round(scores["claim_cue"]["exact"]["f1"], 2)  # -> 0.73
    """
    folder = resolve_model_dir(model)  # first: a wrong model is reported before anything else is read or loaded
    gold = load_paths(data, data_format)
    from inference.runtime.predictor import Predictor

    predictor = Predictor.from_pretrained(folder, **predictor_options)
    meta = {"model": str(model), "data": [str(p) for p in data], **({"judgements": list(map(str, judgements))}
                                                                    if judgements else {})}
    return score_and_report(predictor, gold, output_dir, meta, folder, predictions, judgements, reliability)


def score_and_report(predictor: Predictor, gold: list[Article], output_dir: str | Path, meta: dict,
                     weights: str | Path, predictions: bool = False, judgements: Sequence[str | Path] = (),
                     reliability: str | Path | None = None) -> dict:
    """Score ``predictor`` on ``gold`` and write ``eval_results.{json,md}`` (and ``predictions.jsonl``) into
    ``output_dir``: the one writer of evaluation results, for this command and for training's test run. The report's
    ``meta`` records the sha256 of the weights in the folder ``weights``, so a report can be checked against the
    weights it describes (``training.ship`` relies on that); returns the scores.

    Example::

        score_and_report(predictor, gold, "eval/x", {"model": "runs/x/model", "data": [TEST]}, "runs/x/model"
                         )["claim_cue"]["exact"]["f1"]  # -> 0.73
    """
    from .evaluation.report import format_summary, write_report
    from .evaluation.scoring import evaluate_articles

    judged = read_judgements(judgements) if judgements else None
    start = time.perf_counter()
    scores, predicted = evaluate_articles(predictor, gold, progress=True, judgements=judged)
    seconds = time.perf_counter() - start
    meta = {**meta, "weights_sha256": weights_sha256(weights), "articles": len(gold), "device": str(predictor.device),
            "seconds": round(seconds, 1),
            "words_per_second": round(sum(len(a.text.split()) for a in gold) / max(seconds, 1e-9))}
    json_path, md_path = write_report(scores, output_dir, meta)
    if predictions:
        write_jsonl(predicted, Path(output_dir) / "predictions.jsonl")
    if reliability:
        from .evaluation.reliability import reliability_diagram
        from .evaluation.score_outcomes import outcomes

        title = f"{meta['model']} on {', '.join(Path(p).name for p in meta.get('data', []))}"
        logger.info("wrote %s", reliability_diagram(outcomes(gold, predicted, judged), reliability, title))
    logger.info("%d articles in %.1f s on %s\n%s", len(gold), seconds, predictor.device, format_summary(scores))
    logger.info("wrote %s and %s", json_path, md_path)
    if gold and not any(a.events or a.claims for a in predicted):
        logger.warning("the model extracted nothing from the %d articles: every score is 0. Expected of a smoke test "
                       "(configs/tiny.yaml); otherwise it was trained too little, or on other data", len(gold))
    return scores


def shown_path(path: str | Path) -> str:
    """``path`` as a report records it: relative to the working directory when inside it (what the user types, and
    no local directories in a shipped report), else as it is.

    Example:
        >>> shown_path(Path.cwd() / "data" / "test.jsonl"), shown_path("/elsewhere/test.jsonl")
        ('data/test.jsonl', '/elsewhere/test.jsonl')
    """
    absolute = Path(path).absolute()
    return str(absolute.relative_to(Path.cwd())) if absolute.is_relative_to(Path.cwd()) else str(path)


def same_data(a: Sequence[str | Path], b: Sequence[str | Path]) -> bool:
    """Whether two reports' data lists name the same files (relative paths read from the working directory)."""
    return [Path(p).resolve() for p in a] == [Path(p).resolve() for p in b]


def find_results(model_dir: str | Path) -> Path:
    """The ``eval_results.json`` of the weights in ``model_dir``: what ``python -m training.evaluate --model
    MODEL_DIR`` wrote (``eval/<model name>/``, from this working directory), else what training wrote into the folder
    after its test run. A report whose recorded sha256 is not that of these weights is passed over.

    Example::

        find_results("runs/release/model")  # -> PosixPath('eval/release/eval_results.json')
    """
    model_dir = Path(model_dir)
    places = [default_output_dir(model_dir) / EVAL_RESULTS_FILE, model_dir / EVAL_RESULTS_FILE]
    weights = weights_sha256(model_dir)
    for path in places:
        if path.is_file():
            recorded = json.loads(path.read_text(encoding="utf-8"))["meta"].get("weights_sha256")
            # a report in the folder from before reports recorded the weights is taken as the folder's own
            if recorded == weights or (recorded is None and path.parent == model_dir):
                return path
            logger.info("%s describes other weights than those in %s: passed over", path, model_dir)
    raise FileNotFoundError(f"no test results of the weights in {model_dir} ({' or '.join(map(str, places))}); "
                            f"evaluate them first: python -m training.evaluate --model {model_dir} --data TEST")


def main(argv: list[str] | None = None) -> dict:
    parser = command_parser("training.evaluate", __doc__)
    parser.add_argument("--model", required=True, help="Trained model folder (or hub id).")
    parser.add_argument("--data", required=True, nargs="+", help="Gold articles: files or folders, any format.")
    parser.add_argument("--format", default="auto", choices=["auto", *FORMATS],
                        help="Input format; auto detects it from the path.")
    parser.add_argument("--output-dir", "--out", default=None,
                        help="Where to write the reports (default: eval/<model name>/ in the working directory, "
                             "where training.ship looks for them).")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1, ... (default: cuda when present).")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="Windows per forward pass.")
    parser.add_argument("--window", type=int, default=None, help="Subword tokens per window (default: as trained).")
    parser.add_argument("--stride", type=int, default=None, help="Tokens shared by windows (default: as trained).")
    parser.add_argument("--predictions", action="store_true", help="Also write predictions.jsonl.")
    parser.add_argument("--judgements", nargs="+", default=None, metavar="FILE",
                        help="Judged trigger predictions the gold lacks (e.g. judgements/triggers_*_dev.jsonl): also "
                             "report trigger precision adjudicated by them.")
    parser.add_argument("--reliability", default=None, metavar="FILE.png",
                        help="Also draw the reliability diagram of claim and event scores (needs matplotlib: the "
                             "plots extra).")
    options = parser.parse_args(argv)
    check_data(options.data, options.format, "--data")
    check_judgement_files(options.judgements or ())
    setup_logging()
    return evaluate_model(options.model, options.data, options.output_dir or default_output_dir(options.model),
                          options.format, options.predictions, options.judgements or (), options.reliability,
                          device=options.device,
                          batch_size=options.batch_size,
                          window=options.window, stride=options.stride)


if __name__ == "__main__":
    run_command(main, "training.evaluate")
