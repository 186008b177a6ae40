"""Span-level evaluation of a trained extractor on held-out articles.

Usage::

    python -m training.evaluate --model runs/release/model --data data/release/test.jsonl [--format auto]
        [--out DIR] [--device cpu|cuda] [--batch-size 16] [--predictions]

Reports exact (seqeval, strict IOB2) and character-overlap precision/recall/F1 for trigger identification, trigger
classification, argument classification and the claim source, cue and content, overall and per type; writes
``eval_results.json`` and ``eval_results.md`` (and ``predictions.jsonl`` with ``--predictions``).
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from inference.document import write_jsonl
from inference.predictor import Predictor

from .evaluation import evaluate_articles
from .importers import load_paths
from .report import format_summary, write_report

logger = logging.getLogger("training.evaluate")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="Trained model folder (or hub id).")
    parser.add_argument("--data", required=True, nargs="+", help="Gold articles: files or folders, any format.")
    parser.add_argument("--format", default="auto", help="Input format (default: detect from the path).")
    parser.add_argument("--out", default=None, help="Where to write the reports (default: the model folder).")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1, ... (default: cuda when present).")
    parser.add_argument("--batch-size", type=int, default=16, help="Windows per forward pass.")
    parser.add_argument("--window", type=int, default=None, help="Subword tokens per window (default: as trained).")
    parser.add_argument("--stride", type=int, default=None, help="Tokens shared by windows (default: as trained).")
    parser.add_argument("--predictions", action="store_true", help="Also write predictions.jsonl.")
    options = parser.parse_args(argv)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)

    gold = load_paths(options.data, options.format)
    predictor = Predictor.from_pretrained(options.model, device=options.device, batch_size=options.batch_size,
                                          window=options.window, stride=options.stride)
    start = time.perf_counter()
    scores, predictions = evaluate_articles(predictor, gold, progress=True)
    seconds = time.perf_counter() - start
    out = Path(options.out or options.model)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"model": options.model, "data": options.data, "articles": len(gold), "device": str(predictor.device),
            "seconds": round(seconds, 1), "words_per_second": round(sum(len(a.text.split()) for a in gold) / seconds)}
    json_path, md_path = write_report(scores, out, meta)
    if options.predictions:
        write_jsonl(predictions, out / "predictions.jsonl")
    logger.info("%d articles in %.1f s on %s\n%s", len(gold), seconds, predictor.device, format_summary(scores))
    logger.info("wrote %s and %s", json_path, md_path)
    return scores


if __name__ == "__main__":
    main()
