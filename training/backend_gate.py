"""The F1 gate of the CPU backends: score a model on held-out articles with every backend, and record in the model
folder which backends stay within ``GATE_POINTS`` of fp32 torch and which of them ``extract`` uses by default.

Usage::

    python -m training.backend_gate --model inference/default_model --data data/release/dev.jsonl

writes ``MODEL/backends.json``::

    {"data": ["data/release/dev.jsonl"], "articles": 57, "overall_f1": {"torch": 56.1, "onnx": 56.1, ...},
     "gate_points": 0.5, "passed": ["torch", "onnx", "onnx-int8"], "default": "onnx-int8", ...}

``extract(text)`` without ``backend=`` then runs ``default`` (the fastest that passed, ``FASTEST_FIRST``) on a CPU,
as long as the weights are the ones measured (the record holds their sha256). Gate on dev, not test: choosing a
backend is a decision, and test stays for the final score.
"""

from __future__ import annotations

import json
import logging
import platform
from collections.abc import Sequence
from pathlib import Path

from inference.core.model_folder import BACKENDS_FILE, weights_sha256
from inference.runtime.backends import BACKENDS, FASTEST_FIRST, GATE_POINTS, INT8_RECIPE

from .cli import check_data, check_model_folder, command_parser, run_command, setup_logging

logger = logging.getLogger("training.backend_gate")


def backend_f1(model_dir: str | Path, data: Sequence[str | Path], backends: Sequence[str] = BACKENDS
               ) -> tuple[dict[str, float], int]:
    """Overall F1 (points) of each backend of the model in ``model_dir`` on the gold articles in ``data`` (through
    ``extract``, as ``training.evaluate`` scores), and the number of articles.

    Example::

        backend_f1("inference/default_model", ["data/release/dev.jsonl"])
        # -> ({'torch': 56.1, 'onnx': 56.1, 'onnx-int8': 55.93}, 57)
    """
    from inference import Predictor
    from inference.runtime.hub import quiet_weight_loading

    from .data.importers import load_paths
    from .evaluation.scoring import evaluate_articles
    from .evaluation.span_metrics import flat_metrics

    gold = load_paths([str(path) for path in data], "auto")
    scores = {}
    for backend in backends:
        with quiet_weight_loading():
            predictor = Predictor.from_pretrained(model_dir, device="cpu", backend=backend)
        measured, _ = evaluate_articles(predictor, gold, gold_triggers=False)  # compares headline scores
        scores[backend] = round(100 * flat_metrics(measured)["overall_f1"], 2)
        logger.info("%s: overall F1 %.2f on %d articles", backend, scores[backend], len(gold))
    return scores, len(gold)


def gate_record(model_dir: str | Path, data: Sequence[str | Path], f1: dict[str, float], articles: int) -> dict:
    """What ``backends.json`` holds: each backend's F1, those within ``GATE_POINTS`` of torch, the default."""
    import onnxruntime
    import torch

    passed = [b for b in f1 if f1[b] >= f1["torch"] - GATE_POINTS]
    return {"data": [str(path) for path in data], "articles": articles, "overall_f1": f1, "gate_points": GATE_POINTS,
            "passed": passed, "default": next(b for b in FASTEST_FIRST if b in passed),
            "weights_sha256": weights_sha256(model_dir), "int8_recipe": INT8_RECIPE,
            "measured_with": {"torch": torch.__version__, "onnxruntime": onnxruntime.__version__,
                              "machine": platform.machine()}}


def measure_gate(model_dir: str | Path, data: Sequence[str | Path]) -> dict:
    """Score every backend on ``data`` and write the record to ``model_dir/backends.json``; returns it.

    Example::

        measure_gate("inference/default_model", ["data/release/dev.jsonl"])["default"]  # -> 'onnx-int8'
    """
    f1, articles = backend_f1(model_dir, data)
    record = gate_record(model_dir, data, f1, articles)
    (Path(model_dir) / BACKENDS_FILE).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    logger.info("passed the %.1f-point gate: %s; default backend: %s", GATE_POINTS, ", ".join(record["passed"]),
                record["default"])
    return record


def main(argv: list[str] | None = None) -> None:
    parser = command_parser("training.backend_gate", __doc__)
    parser.add_argument("--model", required=True, help="Model folder; backends.json is written into it.")
    parser.add_argument("--data", nargs="+", required=True, help="Held-out gold articles (the dev split).")
    options = parser.parse_args(argv)
    folder = check_model_folder(options.model)  # a folder, not a hub id: backends.json is written into it
    check_data(options.data, "auto", "--data")
    setup_logging()
    print(json.dumps(measure_gate(folder, options.data), indent=1))


if __name__ == "__main__":
    run_command(main, "training.backend_gate")
