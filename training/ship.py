"""Replace the default model shipped inside the package (``inference/default_model``) with a trained one.

Usage::

    python -m training.ship --model runs/release/model [--force]

The weights go in as fp16 safetensors (half the size; loaded back as float32 on CPU), with the tokenizer, the label
schema, the resolved training config, the training and test results and the model card beside them. A model replaces
the shipped one only with a measured improvement: its test ``overall_f1`` must beat the shipped model's on the same
test data, unless ``--force``.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
from pathlib import Path

import torch

from inference.api import DEFAULT_MODEL
from inference.modeling import EventClaimModel

from .config import CONFIG_FILE
from .model_card import write_model_card
from .span_metrics import flat_metrics

logger = logging.getLogger("training.ship")

KEPT_FILES = ["tokenizer.json", "tokenizer_config.json", "schema.json", CONFIG_FILE, "training_args.json",
              "train_results.json", "eval_results.json", "eval_results.md"]


def test_results(model_dir: Path) -> dict:
    path = model_dir / "eval_results.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: evaluate the model on the test split first "
                                "(python -m training.evaluate --model DIR --data TEST)")
    return json.loads(path.read_text(encoding="utf-8"))


def check_improvement(candidate: Path, shipped: Path) -> None:
    """Raise unless ``candidate`` scores a higher test ``overall_f1`` than ``shipped`` on the same test data."""
    new = test_results(candidate)
    if not (shipped / "eval_results.json").is_file():
        return
    old = test_results(shipped)
    if new["meta"]["data"] != old["meta"]["data"]:
        raise ValueError(f"the candidate was tested on {new['meta']['data']}, the shipped model on "
                         f"{old['meta']['data']}: evaluate both on the same data")
    new_f1, old_f1 = (flat_metrics(r["scores"])["overall_f1"] for r in (new, old))
    if new_f1 <= old_f1:
        raise ValueError(f"test overall_f1 {new_f1:.4f} does not beat the shipped model's {old_f1:.4f}; "
                         "--force replaces it anyway")
    logger.info("test overall_f1 %.4f > %.4f (shipped)", new_f1, old_f1)


def ship(model_dir: str | Path, out: str | Path = DEFAULT_MODEL, force: bool = False) -> Path:
    """Write ``model_dir`` as the packaged default model in ``out`` (fp16 weights); returns ``out``.

    Example:
        >>> ship("runs/release/model")  # doctest: +SKIP
        PosixPath('.../inference/default_model')
    """
    model_dir, out = Path(model_dir), Path(out)
    if not force:
        check_improvement(model_dir, out)
    model = EventClaimModel.from_pretrained(model_dir, dtype=torch.float32)
    if out.exists():
        shutil.rmtree(out)
    model.half().save_pretrained(out)  # safetensors, config.json with dtype float16
    for name in KEPT_FILES:
        if (model_dir / name).is_file():
            shutil.copy2(model_dir / name, out / name)
    write_model_card(out, model_id="newsextract default model")
    logger.info("shipped %s to %s", model_dir, out)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="Trained model folder with its test eval_results.json.")
    parser.add_argument("--out", default=str(DEFAULT_MODEL), help="Where the shipped model lives.")
    parser.add_argument("--force", action="store_true", help="Replace the shipped model even without improvement.")
    options = parser.parse_args(argv)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    ship(options.model, options.out, options.force)


if __name__ == "__main__":
    main()
