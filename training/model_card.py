"""Filling the top-level ``model_card.md`` template into a model folder's ``README.md``, from the files saved there.

Every number in the card comes from ``train_results.json``, ``eval_results.json``, ``training_config.yaml`` and
``schema.json`` in the model folder: nothing is copied by hand.
"""

from __future__ import annotations

import json
import platform
from importlib.metadata import version
from pathlib import Path

import yaml
from huggingface_hub import EvalResult, ModelCard, ModelCardData

from inference.schema import LabelSchema

from .config import CONFIG_FILE
from .report import TITLES, percent
from .span_metrics import HEADLINE_TASKS, TASKS

TEMPLATE = Path(__file__).resolve().parents[1] / "model_card.md"
TRAINING_DATA = {
    "PolNeAR v1.0.0": "political news attribution relations (networkdynamics/PolNeAR): US political news of 7 "
                      "publishers, Nov 2015 – Oct 2016, brat standoff; no licence stated for the annotations, the "
                      "articles are their publishers' copyright: research use.",
    "M2E2": "text event annotations of VOA news (limanling/m2e2), 8 ACE event types with arguments; no licence "
            "stated, VOA text.",
}
HYPERPARAMETERS = {
    "training": ["learning_rate", "num_train_epochs", "per_device_train_batch_size", "gradient_accumulation_steps",
                 "warmup_steps", "weight_decay", "lr_scheduler_type", "seed"],
    "data": ["max_length", "stride", "event_oversampling"],
}


def write_model_card(model_dir: str | Path, model_id: str | None = None) -> Path:
    """Render ``README.md`` in ``model_dir``; returns its path.

    Example:
        >>> write_model_card("runs/release/model")  # doctest: +SKIP
        PosixPath('runs/release/model/README.md')
    """
    model_dir = Path(model_dir)
    model_id = model_id or model_dir.resolve().parent.name
    config = yaml.safe_load((model_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    train = json.loads((model_dir / "train_results.json").read_text(encoding="utf-8"))
    evaluation_path = model_dir / "eval_results.json"
    evaluation = json.loads(evaluation_path.read_text(encoding="utf-8")) if evaluation_path.is_file() else None
    schema = LabelSchema.load(model_dir)

    scores = evaluation["scores"] if evaluation else {}
    rows = [
        {"task": TITLES[name], "precision": percent(s["exact"]["precision"]), "recall": percent(s["exact"]["recall"]),
         "f1": percent(s["exact"]["f1"]), "overlap_f1": percent(s["overlap"]["f1"]), "support": s["exact"]["support"]}
        for name in TASKS if name != "claims" and (s := scores.get(name))  # the three parts are listed one by one
    ]
    card_data = ModelCardData(
        language="en",
        license="apache-2.0",
        library_name="transformers",
        pipeline_tag="token-classification",
        tags=["event-extraction", "attribution", "claims", "news"],
        base_model="sentence-transformers/all-MiniLM-L6-v2",
        model_name=model_id,
        eval_results=[
            EvalResult(task_type="token-classification", dataset_type="polnear-m2e2-heldout",
                       dataset_name="PolNeAR dev half + M2E2 held-out articles", metric_type="f1",
                       metric_name=f"{TITLES[name]} exact F1",
                       metric_value=round(100 * scores[name]["exact"]["f1"], 1))
            for name in HEADLINE_TASKS if name in scores
        ] or None,
    )
    hyperparameters = {key: config[section][key] for section, keys in HYPERPARAMETERS.items() for key in keys
                       if key in config[section]}
    card = ModelCard.from_template(
        card_data,
        template_path=str(TEMPLATE),
        model_id=model_id,
        backbone=config["model"]["model_name_or_path"],
        event_types=schema.event_types,
        roles=schema.roles,
        training_data=TRAINING_DATA,
        split_note="PolNeAR train → train; PolNeAR's published dev split → half dev, half test; M2E2 → 80 / 10 / 10 "
                   "by a stable hash of the article id (`python -m training.prepare_data`).",
        eval_articles=evaluation["meta"]["articles"] if evaluation else 0,
        eval_rows=rows,
        hyperparameters=hyperparameters,
        train_minutes=round(train["train_runtime"] / 60, 1),
        train_device=f"{platform.machine()} {'CPU' if config['training'].get('use_cpu') else 'accelerator or CPU'}",
        tokens_per_second=round(train["train_tokens_per_second"]),
        versions={name: version(name) for name in ("torch", "transformers", "datasets", "accelerate", "evaluate",
                                                   "seqeval")},
    )
    path = model_dir / "README.md"
    card.save(path)
    return path
