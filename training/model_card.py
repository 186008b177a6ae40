"""Filling the top-level ``model_card.md`` template into a model folder's ``README.md``, from the files saved there.

Every number in the card comes from ``train_results.json``, ``training_args.json``, ``eval_results.json``,
``training_config.yaml``, ``config.json`` and ``schema.json`` in the model folder: nothing is copied by hand.
"""

from __future__ import annotations

import json
import platform
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml
from huggingface_hub import EvalResult, ModelCard, ModelCardData

from inference.core.backbone import DEFAULT_BACKBONE
from inference.core.model_folder import (
    CARD_FILE,
    EVAL_RESULTS_FILE,
    TRAIN_RESULTS_FILE,
    TRAINING_ARGS_FILE,
    TRAINING_CONFIG_FILE,
)
from inference.core.modeling import EventClaimConfig
from inference.core.schema import LabelSchema
from inference.ecosystem.transformers_pipeline import TASK as PIPELINE_TASK

from .evaluation.report import TITLES, percent, threshold_table
from .evaluation.span_metrics import TASKS

# The top-level model_card.md, through a link inside the package: a wheel install has no source tree around it.
TEMPLATE = Path(__file__).parent / "resources" / "model_card.md"
# The public corpora a model may be trained on, by the ``corpus`` their importers write into each article's meta.
TRAINING_DATA = {
    "polnear": ("PolNeAR v1.0.0", "political news attribution relations (networkdynamics/PolNeAR): US political news "
                "of 7 publishers, Nov 2015 – Oct 2016, brat standoff; no licence stated for the annotations, the "
                "articles are their publishers' copyright: research use."),
    "m2e2": ("M2E2", "text event annotations of VOA news (limanling/m2e2), 8 ACE event types with arguments; no "
             "licence stated, VOA text."),
    "wikievents": ("WikiEvents (dev file)", "KAIROS event annotations of news linked from Wikipedia, mapped onto the "
                   "M2E2 types and roles by `configs/event_mapping.yaml`; no licence stated."),
    "rams": ("RAMS 1.0 (dev file)", "AIDA event annotations of 5-sentence news windows, one event per document, "
             "mapped onto the M2E2 types and roles by `configs/event_mapping.yaml`, argument phrases cut to their head "
             "word; CC BY-SA 4.0."),
}
# Models trained before train_results.json recorded its corpora were trained on these two.
EARLY_CORPORA = ("polnear", "m2e2")
SPLIT_NOTE = ("Splits are by article: PolNeAR train → train; PolNeAR's published dev split → half dev, half test; "
              "M2E2 → 80 / 10 / 10 by a stable hash of the article id; WikiEvents and RAMS, when used, → train only "
              "(`python -m training.prepare_data`).")
# One example per label: (sentence, trigger, {role: argument}) for each M2E2 event type.
EVENT_EXAMPLES: dict[str, tuple[str, str, dict[str, str]]] = {
    "Conflict:Attack": ("Israeli jets bombarded the city", "bombarded", {"Attacker": "jets", "Target": "city"}),
    "Conflict:Demonstrate": ("Thousands protested in Paris", "protested", {"Entity": "Thousands", "Place": "Paris"}),
    "Contact:Meet": ("Trump met Kim in Singapore", "met", {"Entity": "Kim", "Place": "Singapore"}),
    "Contact:Phone-Write": ("The president called the prime minister", "called", {"Entity": "president"}),
    "Justice:Arrest-Jail": ("Police arrested two men", "arrested", {"Agent": "Police", "Person": "men"}),
    "Life:Die": ("5,791 people have been killed", "killed", {"Victim": "people"}),
    "Movement:Transport": ("Troops were sent to the border", "sent", {"Artifact": "Troops", "Destination": "border"}),
    "Transaction:Transfer-Money": ("The EU gave $5 million to Ukraine", "gave",
                                   {"Giver": "EU", "Money": "$5 million", "Recipient": "Ukraine"}),
}
CLAIM_EXAMPLES = {
    "source": ("who makes the claim", '"**The health ministry in Gaza** says 5,791 people have been killed"'),
    "cue": ("the words that attribute it", '"The health ministry in Gaza **says** 5,791 people have been killed"'),
    "content": ("what is claimed", '"The health ministry in Gaza says **5,791 people have been killed**"'),
}
# Resolved TrainingArguments (training_args.json) shown in the card; max_steps replaces epochs when it is set.
HYPERPARAMETERS = ["learning_rate", "num_train_epochs", "max_steps", "per_device_train_batch_size",
                   "gradient_accumulation_steps", "warmup_steps", "weight_decay", "lr_scheduler_type", "optim",
                   "seed", "bf16", "fp16"]
DATA_HYPERPARAMETERS = ["max_length", "stride", "event_oversampling"]
HUB_ID = re.compile(r"[\w.-]+/[\w.-]+")


def _read_json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _event_example(event_type: str) -> str:
    if event_type not in EVENT_EXAMPLES:
        return "(no example: a type outside M2E2)"
    sentence, trigger, arguments = EVENT_EXAMPLES[event_type]
    roles = ", ".join(f"{role} = {text}" for role, text in arguments.items())
    return f'"{sentence}": trigger **{trigger}**; {roles}'


def _hyperparameters(config: dict[str, Any], training_args: dict[str, Any] | None) -> dict[str, Any]:
    """The resolved training arguments when saved (every default filled in), else what the config names."""
    arguments = training_args or config["training"]
    keys = [k for k in HYPERPARAMETERS if not (k == "num_train_epochs" and arguments.get("max_steps", -1) > 0)
            and not (k == "max_steps" and arguments.get("max_steps", -1) <= 0)]
    values = {"backbone": config["model"]["model_name_or_path"],
              "classifier_dropout": config["model"].get("classifier_dropout"),
              "head_learning_rate": config["model"].get("head_learning_rate")}
    values |= {key: arguments.get(key) for key in keys}
    values |= {f"data.{key}": config["data"].get(key) for key in DATA_HYPERPARAMETERS}
    return {key: value for key, value in values.items() if value is not None}


def _base_model(backbone: str) -> str | None:
    """The hub id the model was fine-tuned from, for the card's metadata; None for a local folder."""
    if backbone in (DEFAULT_BACKBONE, f"sentence-transformers/{DEFAULT_BACKBONE}"):
        return f"sentence-transformers/{DEFAULT_BACKBONE}"
    return backbone if HUB_ID.fullmatch(backbone) and not Path(backbone).exists() else None


def _shown_paths(paths: str | list[str]) -> list[str]:
    """Data paths as the card shows them: relative paths as given, absolute ones by name (no local directories)."""
    return [path if not Path(path).is_absolute() else Path(path).name for path in ([paths] if isinstance(paths, str)
                                                                                    else paths)]


def _evaluation(evaluation: dict[str, Any] | None) -> tuple[list[dict[str, Any]], str, list[EvalResult]]:
    """The card's results table, its note, and the metadata's eval results, from ``eval_results.json``."""
    scores = evaluation["scores"] if evaluation else {}
    # The claims total is left out: its three parts are listed one by one.
    shown = [(name, scores[name]) for name in TASKS if name != "claims" and name in scores]
    rows = [
        {"task": TITLES[name], "precision": percent(s["exact"]["precision"]), "recall": percent(s["exact"]["recall"]),
         "f1": percent(s["exact"]["f1"]), "overlap_f1": percent(s["overlap"]["f1"]) if s.get("overlap") else "-",
         "support": s["exact"]["support"]}
        for name, s in shown
    ]
    if not evaluation:
        return rows, ("Not evaluated yet: `python -m training.evaluate --model MODEL_DIR --data TEST_FILE` writes "
                      "`eval_results.json`; `python -m training.publish` renders the card again with it."), []
    paths = _shown_paths(evaluation["meta"].get("data", []))
    note = (f"Measured on held-out articles ({', '.join(f'`{p}`' for p in paths)}, {evaluation['meta']['articles']} "
            "articles): exact span match with seqeval (strict IOB2), and character-overlap F1 beside it (whole "
            "claims: each part overlaps the gold claim's). Scores ×100.")
    if evaluation["meta"].get("weights_sha256"):  # tests/model/test_shipped_model.py checks it against the weights
        note += f" Weights scored: `model.safetensors` with sha256 `{evaluation['meta']['weights_sha256']}`."
    results = [
        EvalResult(task_type="token-classification", dataset_type="news-articles",
                   dataset_name=f"held-out articles: {', '.join(paths)}", metric_type="f1",
                   metric_name=f"{TITLES[name]} {kind} F1", metric_value=round(100 * s[kind]["f1"], 1))
        for name, s in shown for kind in ("exact", "overlap") if s.get(kind)
    ]
    return rows, note, results


def _thresholds_block(evaluation: dict[str, Any] | None) -> str:
    """The table of precision and recall at a few score thresholds (``score_thresholds`` in ``eval_results.json``),
    with how to read it; empty for results measured before it was reported."""
    figure = (evaluation or {}).get("scores", {}).get("score_thresholds")
    if not figure:
        return ""
    judged = ", events also when a judge called them real" if figure.get("event", {}).get("judged") else ""
    text = (f"Each row is what `extract(text, threshold=t)` keeps, the claims (events, arguments) whose `score` is at "
            f"least t: *precision* is the share of them right (as `training/evaluation/score_outcomes.py` defines "
            f"it{judged}), *recall* the share of the gold ones they find, ×100 on the same articles.")
    # The lowest threshold whose claims are right 9 times in 10: the one a user asking for that would pick.
    row = next((row for row in figure.get("claim", {}).get("rows", []) if (row["precision"] or 0) >= 0.9), None)
    if row:
        text += (f" So `extract(text, threshold={row['threshold']:g})` keeps claims right "
                 f"{percent(row['precision'])} times in 100 here, finding {percent(row['recall'])} % of the gold "
                 f"claims.")
    return text + "\n\n" + "\n".join(threshold_table(figure))


def render_model_card(model_dir: str | Path, model_id: str | None = None, model_ref: str | None = None) -> ModelCard:
    """The model card of ``model_dir`` (a saved model folder), titled ``model_id`` (default: the run's folder name);
    its code loads the model with the Python expression ``model_ref`` (default: ``model_id`` quoted, a hub id).

    Example::

        card = render_model_card("runs/release/model", model_id="org/news-extractor")
        card.data.eval_results[0].metric_name  # -> 'Trigger identification exact F1'
    """
    model_dir = Path(model_dir)
    model_id = model_id or model_dir.resolve().parent.name
    config = yaml.safe_load((model_dir / TRAINING_CONFIG_FILE).read_text(encoding="utf-8"))
    train = json.loads((model_dir / TRAIN_RESULTS_FILE).read_text(encoding="utf-8"))
    training_args = _read_json(model_dir / TRAINING_ARGS_FILE)
    evaluation = _read_json(model_dir / EVAL_RESULTS_FILE)
    model_config = EventClaimConfig.from_pretrained(model_dir)
    schema = LabelSchema.load(model_dir)

    rows, eval_note, eval_results = _evaluation(evaluation)
    backbone = config["model"]["model_name_or_path"]
    card_data = ModelCardData(
        language="en",
        license="apache-2.0",
        library_name="transformers",
        # No pipeline_tag: those name transformers' own tasks, whose pipelines cannot run this model; ours is a tag.
        tags=["event-extraction", "attribution", "claims", "news", PIPELINE_TASK],
        base_model=_base_model(backbone),
        model_name=model_id,
        eval_results=eval_results or None,
    )
    use_cpu = (training_args or config["training"]).get("use_cpu")
    return ModelCard.from_template(
        card_data,
        template_path=str(TEMPLATE),
        model_id=model_id,
        model_ref=model_ref or json.dumps(model_id),
        model_type=EventClaimConfig.model_type,
        pipeline_task=PIPELINE_TASK,
        backbone=backbone,
        window=model_config.window,
        event_types=schema.event_types,
        event_rows=[{"type": t, "roles": ", ".join(schema.event_roles[t]), "example": _event_example(t)}
                    for t in schema.event_types],
        claim_rows=[{"part": part, "meaning": CLAIM_EXAMPLES[part][0], "example": CLAIM_EXAMPLES[part][1]}
                    for part in schema.claim_parts],
        training_data=dict(TRAINING_DATA[corpus] for corpus in train.get("training_corpora", EARLY_CORPORA)
                           if corpus in TRAINING_DATA),
        train_files=", ".join(f"`{path}`" for path in _shown_paths(config["data"]["train"])),
        split_note=SPLIT_NOTE,
        eval_note=eval_note,
        eval_rows=rows,
        thresholds_note=_thresholds_block(evaluation),
        hyperparameters=_hyperparameters(config, training_args),
        train_note=(f"Training took {train['train_runtime'] / 60:.1f} minutes "
                    f"({train['train_tokens_per_second']:.0f} subword tokens/s) on "
                    f"{'a CPU' if use_cpu else 'the accelerators present (GPU when available)'}."),
        versions={"python": platform.python_version(),
                  **{name: version(name) for name in ("torch", "transformers", "huggingface_hub", "safetensors",
                                                      "datasets", "accelerate", "evaluate", "seqeval")}},
    )


def write_model_card(model_dir: str | Path, model_id: str | None = None, model_ref: str | None = None) -> Path:
    """Render ``README.md`` in ``model_dir``; returns its path.

    Example::

        write_model_card("runs/release/model")  # -> PosixPath('runs/release/model/README.md')
    """
    path = Path(model_dir) / CARD_FILE
    render_model_card(model_dir, model_id, model_ref).save(path)
    return path
