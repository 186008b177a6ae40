"""Fine-tune the event and claim extractor.

Usage::

    python -m training.train --config configs/release.yaml [--resume [CHECKPOINT]]
    accelerate launch -m training.train --config configs/gpu.yaml          # several GPUs or machines

Reads top to bottom: config -> data -> model -> trainer -> train -> save -> evaluate on the test data.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from inference.core.articles import Article
from inference.core.model_folder import TRAIN_RESULTS_FILE, TRAINING_ARGS_FILE

from .cli import check_data, command_parser, run_command, setup_logging
from .config import DATA_PATHS, DataConfig, ExperimentConfig, keys_a_trained_model_fixes, load_config, model_settings
from .data.importers import load_paths
from .guards import check_finite, check_steps, check_window, claimed_output_dir, resume_point

# The model code (torch, transformers, accelerate) loads in the functions that use it, so --help answers at once.
if TYPE_CHECKING:
    from inference.core.modeling import EventClaimModel
    from inference.core.schema import LabelSchema
    from inference.runtime.predictor import Predictor

    from .trainer import ExtractionTrainer

logger = logging.getLogger("training.train")

# Sensible defaults a config may override: keep the best checkpoint by dev span F1. What the code depends on is not
# among them: ExtractionTrainer enforces REQUIRED_ARGUMENTS.
TRAINING_DEFAULTS = {
    "eval_strategy": "epoch",
    "save_strategy": "epoch",
    "load_best_model_at_end": True,
    "metric_for_best_model": "overall_f1",
    "greater_is_better": True,
    "save_total_limit": 2,
    "report_to": "none",
}


@dataclass
class Splits:
    """The articles of a run: training (oversampled, partly masked), dev (picks the checkpoint), test (scored once)."""

    train: list[Article]
    dev: list[Article]
    test: list[Article]


def oversample_events(articles: list[Article], factor: int) -> list[Article]:
    """Repeat the articles that annotate events (all or some) but not claims ``factor`` times (the dataloader
    shuffles them).

    Example:
        >>> events_only = [Article("m", "x", layers=("events",)), Article("r", "x", layers=("partial_events",))]
        >>> [a.id for a in oversample_events([*events_only, Article("p", "y")], 2)]
        ['m', 'm', 'r', 'r', 'p']
    """
    return [a for a in articles for _ in range(factor if "claims" not in a.layers else 1)]


def training_corpora(articles: list[Article]) -> dict[str, int]:
    """Distinct training articles per corpus (as its importer named it in ``meta``; ``other`` when none did).

    Example:
        >>> training_corpora([Article("a", "x", meta={"corpus": "rams"}), Article("a", "x", meta={"corpus": "rams"})])
        {'rams': 1}
    """
    distinct = {(a.meta.get("corpus", "other"), a.id) for a in articles}
    return dict(sorted(Counter(corpus for corpus, _ in distinct).items()))


def check_data_paths(data: DataConfig) -> None:
    """An error naming the first data path of the config that does not exist or whose format cannot be told (before
    anything slow starts)."""
    for key in DATA_PATHS:
        check_data(getattr(data, key), data.format, f"data.{key}:")


def load_splits(data: DataConfig) -> Splits:
    """Read the three splits; training articles of incomplete corpora get their probable triggers masked, and
    event-only articles are repeated ``data.event_oversampling`` times.

    Example::

        load_splits(load_config("configs/tiny.yaml").data).dev[0].id  # -> 'claims-1'
    """
    from .data.partial_labels import mask_unlabelled_triggers

    check_data_paths(data)
    train = load_paths(data.train, data.format)[: data.max_train_articles]
    if data.incomplete_event_corpora:
        lexicon, masked = mask_unlabelled_triggers(train, data.incomplete_event_corpora,
                                                   data.unlabelled_trigger_min_count, data.unlabelled_trigger_min_rate)
        logger.info("partial labels: %d unlabelled occurrences of %d probable trigger words masked (%s)", masked,
                    len(lexicon.words), ", ".join(sorted(lexicon.words)))
    splits = Splits(oversample_events(train, data.event_oversampling),
                    load_paths(data.dev, data.format)[: data.max_dev_articles], load_paths(data.test, data.format))
    logger.info("articles: %d train, %d dev, %d test", len(splits.train), len(splits.dev), len(splits.test))
    return splits


def build_model(config: ExperimentConfig, schema: LabelSchema) -> tuple[EventClaimModel, object]:
    """A trained extractor (a folder or a published hub id) continues training, keeping its heads, decodings and
    window (a warning names each config key that cannot apply); any other name is a backbone that gets fresh heads,
    set up as ``config`` says (:func:`training.config.model_settings`).

    Example::

        model, tokenizer = build_model(load_config("configs/tiny.yaml"), LabelSchema.default())
    """
    from transformers import AutoConfig, AutoTokenizer

    from inference.core.backbone import resolve_backbone
    from inference.core.modeling import EventClaimConfig, EventClaimModel
    from inference.runtime.hub import resolve_model_dir

    source = resolve_backbone(config.model.model_name_or_path)
    backbone = AutoConfig.from_pretrained(source)
    check_window(config.data.max_length, backbone.to_dict(), config.model.model_name_or_path)
    if backbone.model_type == EventClaimConfig.model_type:
        source = resolve_model_dir(source)  # a hub id: weights, tokenizer and schema fetched together
        model = EventClaimModel.from_pretrained(source)
        for key in keys_a_trained_model_fixes(config, model.config, schema):
            logger.warning("%s cannot apply: model_name_or_path %s is a trained model, whose heads, decodings and "
                           "window stay as trained", key, config.model.model_name_or_path)
        model.config.event_tag_weight = config.model.event_tag_weight  # how to train is this run's choice
        return model, AutoTokenizer.from_pretrained(source)
    settings = model_settings(config, schema)
    # from_encoder takes the entity labels from the schema it is given
    heads = dataclasses.replace(schema, entity_types=schema.entity_types if settings.pop("entity_labels") else [])
    model = EventClaimModel.from_encoder(source, heads, attention_dropout=config.model.attention_dropout, **settings)
    return model, AutoTokenizer.from_pretrained(source)


def model_schema(schema: LabelSchema, model: EventClaimModel) -> LabelSchema:
    """``schema`` as ``model`` extracts it: without entity types when the model has no entity head."""
    return schema if model.config.entity_labels else dataclasses.replace(schema, entity_types=[])


def build_trainer(config: ExperimentConfig, model: EventClaimModel, tokenizer, schema: LabelSchema, splits: Splits,
                  callbacks: list | None) -> ExtractionTrainer:
    """The trainer, with the training windows cut as the model will be run (its window and stride)."""
    from .data.collator import WindowCollator
    from .data.features import build_dataset
    from .trainer import ExtractionTrainer

    window, stride = model.config.window, model.config.stride
    train_dataset = build_dataset(splits.train, tokenizer, model.config, window, stride,
                                  config.data.max_triggers_per_window)
    logger.info("%d training windows of at most %d tokens", len(train_dataset), window)
    return ExtractionTrainer(
        model=model,
        args=config.training_arguments(),
        train_dataset=train_dataset,
        data_collator=WindowCollator(tokenizer.pad_token_id),
        eval_dataset=splits.dev,  # whole articles: evaluation decodes spans, see ExtractionTrainer
        processing_class=tokenizer,
        schema=schema,
        head_learning_rate=config.model.head_learning_rate,
        callbacks=callbacks,
    )


def fit(trainer: ExtractionTrainer, resume: str | None) -> dict:
    """Train, and log and save the training metrics (tokens/s over the tokens seen without padding)."""
    result = trainer.train(resume_from_checkpoint=resume)
    check_finite(trainer.model, trainer.state.global_step, trainer.args.learning_rate)
    metrics = dict(result.metrics)
    metrics["train_tokens_per_second"] = trainer.state.num_input_tokens_seen / max(metrics["train_runtime"], 1e-9)
    trainer.log_metrics("train", metrics)
    trainer.save_metrics("train", metrics)
    return metrics


def save_model(trainer: ExtractionTrainer, predictor: Predictor, config: ExperimentConfig, metrics: dict,
               splits: Splits) -> Path:
    """Tune the thresholds on dev (unless the config says not to), then save the model folder: weights, tokenizer,
    schema, the resolved config and arguments, the training results; returns the folder."""
    from .calibration import calibrate_thresholds, save_thresholds

    model_dir = trainer.model_dir
    if config.model.calibrate_thresholds:
        calibrate_thresholds(predictor, splits.dev)
        save_thresholds(predictor)
    # Not trainer.save_model: it adds a pickled training_args.bin; the arguments go in as JSON instead.
    trainer.model.save_pretrained(model_dir)  # safetensors + config.json with the label lists
    predictor.tokenizer.save_pretrained(model_dir)
    predictor.schema.save(model_dir)
    config.save(model_dir)
    (model_dir / TRAINING_ARGS_FILE).write_text(trainer.args.to_json_string())
    # with the corpora trained on, for the model card's data section (not a metric: log_metrics prints numbers)
    results = {**metrics, "training_corpora": training_corpora(splits.train)}
    (model_dir / TRAIN_RESULTS_FILE).write_text(json.dumps(results, indent=2) + "\n")
    return model_dir


def score_on_test(predictor: Predictor, model_dir: Path, splits: Splits, config: ExperimentConfig) -> None:
    """Score the saved model on the test articles into its folder (the results the card, publishing and shipping
    read); without test articles, say at least whether the model extracts anything from the dev articles."""
    from inference.interface.api import extract

    from .evaluate import score_and_report, shown_path

    if splits.test:
        meta = {"model": shown_path(model_dir), "data": [shown_path(path) for path in config.data.test]}
        score_and_report(predictor, splits.test, model_dir, meta, model_dir)
    elif splits.dev and not any(r.events or r.claims for r in extract([a.text for a in splits.dev], model=predictor)):
        logger.warning("the trained model extracts nothing from the %d dev articles. Expected of a smoke test "
                       "(configs/tiny.yaml); otherwise it was trained too little, or on other data", len(splits.dev))


def train(config: ExperimentConfig, resume: str | bool | None = None, callbacks: list | None = None) -> dict:
    """Train, save the best model with its tokenizer, schema and config, and evaluate it on the test data.

    ``callbacks`` (``transformers.TrainerCallback``) join the trainer's own, e.g. to time steps
    (``benchmarks/gpu_check.py``).

    Example::

        metrics = train(load_config("configs/tiny.yaml"))
    """
    config = dataclasses.replace(config, training={**TRAINING_DEFAULTS, **config.training})
    check_steps(config.training)
    with claimed_output_dir(Path(config.training["output_dir"]), resume):
        return _train(config, resume, callbacks)


def _train(config: ExperimentConfig, resume: str | bool | None, callbacks: list | None) -> dict:
    """:func:`train` in a folder it holds."""
    from transformers import set_seed

    from inference.core.schema import LabelSchema
    from inference.runtime.predictor import Predictor

    from .trainer import REQUIRED_ARGUMENTS

    set_seed(config.training_arguments().seed)
    splits = load_splits(config.data)
    model, tokenizer = build_model(config, LabelSchema.default())
    schema = model_schema(LabelSchema.default(), model)
    trainer = build_trainer(config, model, tokenizer, schema, splits, callbacks)
    config = dataclasses.replace(config, training={**config.training, **REQUIRED_ARGUMENTS})  # saved as it ran
    metrics = fit(trainer, resume_point(resume, trainer.args.output_dir))
    if trainer.is_world_process_zero():
        predictor = Predictor(trainer.model, tokenizer, schema, batch_size=trainer.args.per_device_eval_batch_size,
                              device=trainer.args.device)
        model_dir = save_model(trainer, predictor, config, metrics, splits)
        score_on_test(predictor, model_dir, splits, config)
        trainer.create_model_card()
        if trainer.args.push_to_hub:
            trainer.push_to_hub()
    # Every process waits for the first one's save and test run, then the process group is closed cleanly. The DDP
    # wrapper goes first: if its reducer held the group's last reference, freeing it would join gloo's worker threads
    # while holding the GIL, which a worker still freeing the barrier's work waits for (a hang at exit, now and then).
    trainer.accelerator.wait_for_everyone()
    trainer.model_wrapped = trainer.model
    trainer.accelerator.free_memory()
    trainer.accelerator.end_training()
    return metrics


def main(argv: list[str] | None = None) -> None:
    parser = command_parser("training.train", __doc__)
    parser.add_argument("--config", required=True, help="YAML experiment config (see configs/).")
    parser.add_argument("--resume", nargs="?", const=True, default=None,
                        help="Resume from the last checkpoint in output_dir, or from the checkpoint folder given.")
    options = parser.parse_args(argv)
    config = load_config(options.config)  # before the logs start: a wrong config or data path is one line
    check_data_paths(config.data)
    setup_logging()
    train(config, options.resume)


if __name__ == "__main__":
    run_command(main, "training.train")
