"""Replace the default model shipped inside the package (``inference/default_model``) with a trained one.

Usage::

    python -m training.evaluate --model runs/release/model --data data/release/test.jsonl   # unless training did
    python -m training.ship --model runs/release/model [--data data/release/test.jsonl] [--force]
        [--gate-data data/release/dev.jsonl]   # also the backends' F1 gate: extract's default backend
    python -m training.ship --reevaluate --data data/release/test.jsonl   # the shipped weights as they are
        [--judgements judgements/triggers_m2e2_test.jsonl]   # judged trigger predictions: the card's event figures
    python -m training.ship --reevaluate   # the test data and judgements the shipped results name

The weights go in as fp16 safetensors (half the size; loaded back as float32 on CPU), with the tokenizer, the label
schema, the resolved training config and the training results beside them. A model replaces the shipped one only with
a measured improvement: its test ``overall_f1`` (the results ``training.evaluate`` wrote, from the same working
directory, or else those training wrote into the model folder) must beat the shipped model's on the same test data,
unless ``--force``. The shipped fp16 weights are then evaluated on that test data (``--data``, by default what the
candidate's results name) and the model card is rendered from those results: results and card record
the sha256 of the weights they describe, and a test checks it. ``--reevaluate`` does only that last step, for the
weights shipped now (after a change to decoding or evaluation, say).
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

from inference.core.model_folder import DEFAULT_MODEL, EVAL_RESULTS_FILE, SHIPPED_FROM_CANDIDATE

from .backend_gate import measure_gate
from .cli import CommandError, check_model_folder, command_parser, run_command, setup_logging
from .evaluate import evaluate_model, find_results, same_data, shown_path
from .evaluation.adjudication import check_judgement_files

# The model code (torch, transformers) and the metric load in the functions that use them: --help answers at once.

logger = logging.getLogger("training.ship")

SHIPPED_MODEL_ID = "newsextract default model"
SHIPPED_MODEL_REF = "str(inference.DEFAULT_MODEL)"  # how the card's code loads it: the folder inside the package


def read_test_results(model_dir: Path) -> dict:
    """The candidate's test results: see :func:`training.evaluate.find_results`."""
    return json.loads(find_results(model_dir).read_text(encoding="utf-8"))


def read_shipped_results(out: Path) -> dict:
    """The results recorded in the shipped folder (the ones its card shows)."""
    path = out / EVAL_RESULTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; --reevaluate needs --data, or the shipped model's own "
                                f"{EVAL_RESULTS_FILE} to name its test data")
    return json.loads(path.read_text(encoding="utf-8"))


def check_improvement(candidate: Path, shipped: Path) -> None:
    """Raise unless ``candidate`` scores a higher test ``overall_f1`` than ``shipped`` on the same test data."""
    new = read_test_results(candidate)
    if not (shipped / EVAL_RESULTS_FILE).is_file():
        return
    old = read_shipped_results(shipped)
    from .evaluation.span_metrics import flat_metrics

    if not same_data(new["meta"]["data"], old["meta"]["data"]):
        raise CommandError(f"the candidate was tested on {new['meta']['data']}, the shipped model on "
                           f"{old['meta']['data']}: evaluate both on the same data")
    new_f1, old_f1 = (flat_metrics(r["scores"])["overall_f1"] for r in (new, old))
    if new_f1 <= old_f1:
        raise CommandError(f"test overall_f1 {new_f1:.4f} does not beat the shipped model's {old_f1:.4f}; "
                           "--force replaces it anyway")
    logger.info("test overall_f1 %.4f > %.4f (shipped)", new_f1, old_f1)


def check_test_data(data: Sequence[str | Path]) -> None:
    """Raise unless every test data path exists (checked before anything in the shipped folder changes)."""
    missing = [str(path) for path in data if not Path(path).exists()]
    if missing or not data:
        raise FileNotFoundError(f"test data {', '.join(missing) or '(none given)'} not found from {Path.cwd()}; "
                                "accepted: --data with the test split (python -m training.prepare_data writes "
                                "data/release/test.jsonl)")


def record_results(out: str | Path, data: Sequence[str | Path], judgements: Sequence[str | Path] = ()) -> dict:
    """Evaluate the weights in ``out`` on ``data``, write ``eval_results.{json,md}`` there and render its model card
    from them; returns the scores. Both files then name the sha256 of the weights they describe. ``judgements``:
    files of judged trigger predictions the test gold lacks (event precision and calibration judged fairly).

    Example::

        scores = record_results("inference/default_model", ["data/release/test.jsonl"])
    """
    out = Path(out)
    check_test_data(data)
    from .model_card import write_model_card

    scores = evaluate_model(shown_path(out), [shown_path(path) for path in data], out,
                            judgements=[shown_path(path) for path in judgements])
    write_model_card(out, model_id=SHIPPED_MODEL_ID, model_ref=SHIPPED_MODEL_REF)
    return scores


def ship(model_dir: str | Path, out: str | Path = DEFAULT_MODEL, force: bool = False,
         data: Sequence[str | Path] | None = None, gate_data: Sequence[str | Path] | None = None,
         judgements: Sequence[str | Path] = ()) -> Path:
    """Write ``model_dir`` as the packaged default model in ``out`` (fp16 weights), evaluate those weights on ``data``
    (default: the test data of the candidate's ``eval_results.json``) and render the card; returns ``out``.

    Example::

        ship("runs/release/model")  # -> PosixPath('.../inference/default_model')
    """
    model_dir, out = check_model_folder(model_dir), Path(out)
    if not force:
        check_improvement(model_dir, out)
    data = list(data or read_test_results(model_dir)["meta"]["data"])
    check_test_data(data)  # before the shipped model is removed, not after
    import torch

    from inference.core.modeling import EventClaimModel

    model = EventClaimModel.from_pretrained(model_dir, dtype=torch.float32)
    if out.exists():
        shutil.rmtree(out)
    model.half().save_pretrained(out)  # safetensors, float16: half the package's size
    # config.json names the dtype a plain from_pretrained (and pipeline()) loads, casting on load: float32, the one CPUs
    # run fastest and every gate and score of the shipped model was measured in; dtype= asks for another.
    model.config.dtype = torch.float32
    model.config.save_pretrained(out)
    # Not the candidate's eval_results: those scored its fp32 weights; the shipped fp16 ones are evaluated again.
    for name in SHIPPED_FROM_CANDIDATE:
        if (model_dir / name).is_file():
            shutil.copy2(model_dir / name, out / name)
    record_results(out, data, judgements)
    if gate_data:  # which backend extract runs by default: the fastest within the F1 gate of torch (backends.json)
        measure_gate(out, gate_data)
    logger.info("shipped %s to %s", model_dir, out)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = command_parser("training.ship", __doc__)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--model", help="Trained model folder, evaluated on the test data by training or by "
                                      "training.evaluate from this working directory.")
    what.add_argument("--reevaluate", action="store_true",
                      help="Keep the shipped weights; evaluate them on --data again and render the card.")
    parser.add_argument("--data", nargs="+", default=None,
                        help="Test articles (default: those the candidate's eval_results.json names; with "
                             "--reevaluate, those the shipped one names).")
    parser.add_argument("--out", default=str(DEFAULT_MODEL),
                        help="Where the shipped model lives (default: the package's inference/default_model).")
    parser.add_argument("--force", action="store_true", help="Replace the shipped model even without improvement.")
    parser.add_argument("--gate-data", nargs="+", default=None,
                        help="Dev articles: score every backend on them and record the default backend in "
                             "backends.json (without it, extract runs the shipped model on torch).")
    parser.add_argument("--judgements", nargs="+", default=[], metavar="FILE",
                        help="Judged trigger predictions the test gold lacks (judgements/triggers_*_test.jsonl): the "
                             "results and card then give event precision and calibration against them (default: "
                             "with --reevaluate and no --data, those the shipped results name).")
    options = parser.parse_args(argv)
    check_judgement_files(options.judgements)
    setup_logging()
    if options.reevaluate:
        out = check_model_folder(options.out, "--out")
        # Without --data, the shipped results' own test data and judgements: the same measurement, taken again.
        shipped = {} if options.data else read_shipped_results(out)["meta"]
        record_results(out, options.data or shipped["data"], options.judgements or shipped.get("judgements", []))
    else:
        ship(options.model, options.out, options.force, options.data, options.gate_data, options.judgements)


if __name__ == "__main__":
    run_command(main, "training.ship")
