"""Fine-tune the event and claim extractor.

Usage::

    python -m training.train --config configs/release.yaml [--resume [CHECKPOINT]]
    accelerate launch -m training.train --config configs/gpu.yaml          # several GPUs or machines

Reads top to bottom: config -> data -> labels -> model -> arguments -> trainer -> train -> save -> evaluate.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections import Counter

from transformers import AutoConfig, AutoTokenizer, set_seed

from inference.core.articles import Article
from inference.core.backbone import resolve_backbone
from inference.core.model_folder import TRAIN_RESULTS_FILE, TRAINING_ARGS_FILE
from inference.core.modeling import EventClaimConfig, EventClaimModel
from inference.core.schema import LabelSchema
from inference.runtime.hub import resolve_model_dir
from inference.runtime.predictor import Predictor

from .calibration import calibrate_thresholds, save_thresholds
from .checkpoints import checkpoint_problem, last_complete_checkpoint
from .cli import command_parser, setup_logging
from .config import ExperimentConfig, load_config
from .data.collator import WindowCollator
from .data.features import build_dataset
from .data.importers import load_paths
from .data.partial_labels import mask_unlabelled_triggers
from .evaluation.report import format_summary, write_report
from .evaluation.scoring import evaluate_articles
from .trainer import REQUIRED_ARGUMENTS, ExtractionTrainer

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


def build_model(config: ExperimentConfig, schema: LabelSchema) -> tuple[EventClaimModel, object]:
    """A trained extractor (a folder or a published hub id) continues training; any other name is a backbone that gets
    fresh heads."""
    source = resolve_backbone(config.model.model_name_or_path)
    if AutoConfig.from_pretrained(source).model_type == EventClaimConfig.model_type:
        source = resolve_model_dir(source)  # a hub id: weights, tokenizer and schema fetched together
        model = EventClaimModel.from_pretrained(source)
        model.config.event_tag_weight = config.model.event_tag_weight  # how to train is this run's choice
        return model, AutoTokenizer.from_pretrained(source)
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = EventClaimModel.from_encoder(source, schema, attention_dropout=config.model.attention_dropout,
                                         classifier_dropout=config.model.classifier_dropout,
                                         event_tag_weight=config.model.event_tag_weight,
                                         event_conventions=config.model.event_conventions,
                                         argument_decoding=config.model.argument_decoding,
                                         claim_decoding=config.model.claim_decoding,
                                         frame_labels=schema.frame_labels if config.model.claim_frames else [],
                                         window=config.data.max_length, stride=config.data.stride)
    return model, tokenizer


def train(config: ExperimentConfig, resume: str | bool | None = None, callbacks: list | None = None) -> dict:
    """Train, save the best model with its tokenizer, schema and config, and evaluate it on the test data.

    ``callbacks`` (``transformers.TrainerCallback``) join the trainer's own, e.g. to time steps
    (``benchmarks/gpu_check.py``).
    """
    config = dataclasses.replace(config, training={**TRAINING_DEFAULTS, **config.training})
    args = config.training_arguments()
    set_seed(args.seed)
    schema = LabelSchema.default()
    if not config.model.entity_head:
        schema = dataclasses.replace(schema, entity_types=[])

    data = config.data
    train_articles = load_paths(data.train, data.format)[: data.max_train_articles]
    if data.incomplete_event_corpora:
        lexicon, masked = mask_unlabelled_triggers(train_articles, data.incomplete_event_corpora,
                                                   data.unlabelled_trigger_min_count, data.unlabelled_trigger_min_rate)
        logger.info("partial labels: %d unlabelled occurrences of %d probable trigger words masked (%s)", masked,
                    len(lexicon.words), ", ".join(sorted(lexicon.words)))
    train_articles = oversample_events(train_articles, data.event_oversampling)
    dev_articles = load_paths(data.dev, data.format)[: data.max_dev_articles]
    test_articles = load_paths(data.test, data.format)
    logger.info("articles: %d train, %d dev, %d test", len(train_articles), len(dev_articles), len(test_articles))

    model, tokenizer = build_model(config, schema)
    train_dataset = build_dataset(train_articles, tokenizer, model.config, data.max_length, data.stride,
                                  data.max_triggers_per_window)
    logger.info("%d training windows of at most %d tokens", len(train_dataset), data.max_length)

    trainer = ExtractionTrainer(
        model=model,
        args=args,
        train_dataset=train_dataset,
        data_collator=WindowCollator(tokenizer.pad_token_id),
        eval_dataset=dev_articles,  # whole articles: evaluation decodes spans, see ExtractionTrainer
        processing_class=tokenizer,
        schema=schema,
        head_learning_rate=config.model.head_learning_rate,
        callbacks=callbacks,
    )
    args = trainer.args  # with REQUIRED_ARGUMENTS in force (a warning names any the config set otherwise)
    config = dataclasses.replace(config, training={**config.training, **REQUIRED_ARGUMENTS})  # saved as it ran
    if resume is True:
        resume = last_complete_checkpoint(args.output_dir)  # logs each newer, half-written one it skips
        if resume is None:
            raise FileNotFoundError(f"--resume: no complete checkpoint-* folder in {args.output_dir}; train without "
                                    "--resume")
    elif resume and (problem := checkpoint_problem(resume)):
        raise FileNotFoundError(f"--resume {resume}: {problem}; name a complete checkpoint, or pass --resume alone "
                                "for the newest complete one")
    if resume:
        logger.info("resuming from %s", resume)
    result = trainer.train(resume_from_checkpoint=resume)
    metrics = dict(result.metrics)
    metrics["train_tokens_per_second"] = trainer.state.num_input_tokens_seen / max(metrics["train_runtime"], 1e-9)
    trainer.log_metrics("train", metrics)
    trainer.save_metrics("train", metrics)

    model_dir = trainer.model_dir
    if trainer.is_world_process_zero():
        predictor = Predictor(trainer.model, tokenizer, schema, batch_size=args.per_device_eval_batch_size,
                              device=args.device)
        if config.model.calibrate_thresholds:
            calibrate_thresholds(predictor, dev_articles)
            save_thresholds(predictor)
        # Not trainer.save_model: it adds a pickled training_args.bin; the arguments go in as JSON instead.
        trainer.model.save_pretrained(model_dir)  # safetensors + config.json with the label lists
        tokenizer.save_pretrained(model_dir)
        schema.save(model_dir)
        config.save(model_dir)
        (model_dir / TRAINING_ARGS_FILE).write_text(args.to_json_string())
        # with the corpora trained on, for the model card's data section (not a metric: log_metrics prints numbers)
        results = {**metrics, "training_corpora": training_corpora(train_articles)}
        (model_dir / TRAIN_RESULTS_FILE).write_text(json.dumps(results, indent=2) + "\n")
        if test_articles:
            start = time.perf_counter()
            scores, _ = evaluate_articles(predictor, test_articles, progress=True)
            meta = {"model": str(model_dir), "data": data.test, "articles": len(test_articles),
                    "device": str(args.device), "seconds": round(time.perf_counter() - start, 1)}
            write_report(scores, model_dir, meta)
            logger.info("test results:\n%s", format_summary(scores))
        trainer.create_model_card()
        if args.push_to_hub:
            trainer.push_to_hub()
    # Every process waits for the first one's save and test run, then the process group is closed cleanly.
    trainer.accelerator.wait_for_everyone()
    trainer.accelerator.end_training()
    return metrics


def main(argv: list[str] | None = None) -> None:
    parser = command_parser("training.train", __doc__)
    parser.add_argument("--config", required=True, help="YAML experiment config (see configs/).")
    parser.add_argument("--resume", nargs="?", const=True, default=None,
                        help="Resume from the last checkpoint in output_dir, or from the checkpoint folder given.")
    options = parser.parse_args(argv)
    setup_logging()
    train(load_config(options.config), options.resume)


if __name__ == "__main__":
    main()
