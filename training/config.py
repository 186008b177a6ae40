"""Typed experiment configuration, read strictly from YAML.

A config file has three sections::

    data:      # DataConfig: where the articles are and how they are cut into windows
    model:     # ModelConfig: the backbone and the heads
    training:  # any field of transformers.TrainingArguments, checked against its type

An unknown key or a value of the wrong type is an error that names the key and what is accepted. Write floats with a
dot and a signed exponent (``1.0e-5``): YAML 1.1 reads ``1e-5`` as a string.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from transformers import TrainingArguments

from inference.core.model_folder import TRAINING_CONFIG_FILE
from inference.core.modeling import ARGUMENT_DECODINGS, CLAIM_DECODINGS

from .strict_yaml import build, check_fields, check_keys


@dataclass
class DataConfig:
    train: list[str] = field(metadata={"help": "Training data: files or folders in any supported format."})
    dev: list[str] = field(metadata={"help": "Dev data used to pick the best checkpoint by span F1."})
    test: list[str] = field(default_factory=list, metadata={"help": "Held-out data evaluated once after training."})
    format: str = field(default="auto", metadata={"help": "Input format of every file, or 'auto' to detect."})
    max_length: int = field(default=256, metadata={"help": "Subword tokens per window, [CLS] and [SEP] included."})
    stride: int = field(default=64, metadata={"help": "Tokens shared by neighbouring windows."})
    max_triggers_per_window: int = field(
        default=16, metadata={"help": "Gold triggers per window whose arguments are trained (the rest are counted)."}
    )
    event_oversampling: int = field(
        default=1,
        metadata={"help": "Repeat event-only articles this many times per epoch (M2E2 has ~30x fewer spans than "
                          "PolNeAR; without it the trigger head sees too few positives)."},
    )
    incomplete_event_corpora: list[str] = field(
        default_factory=list,
        metadata={"help": "Corpora (an importer's meta['corpus'], e.g. m2e2) whose events are not all labelled: a word "
                          "labelled a one-word trigger often enough there is not taught as 'no trigger' where it is "
                          "unlabelled (training/data/partial_labels.py)."},
    )
    unlabelled_trigger_min_count: int = field(
        default=3, metadata={"help": "Times a word must be a labelled one-word trigger to be masked elsewhere."}
    )
    unlabelled_trigger_min_rate: float = field(
        default=0.1, metadata={"help": "Share of its occurrences a word must be labelled a trigger to be masked."}
    )
    max_train_articles: int | None = field(default=None, metadata={"help": "Use only the first N training articles."})
    max_dev_articles: int | None = field(default=None, metadata={"help": "Use only the first N dev articles."})

    def __post_init__(self) -> None:
        if not self.train or not self.dev:
            raise ValueError("data.train and data.dev each need at least one path")
        if not 8 <= self.max_length <= 4096:
            raise ValueError(f"data.max_length={self.max_length}; accepted: 8 to 4096 tokens")
        if not 0 <= self.stride < self.max_length - 2:
            raise ValueError(f"data.stride={self.stride}; accepted: 0 <= stride < max_length - 2")
        if self.event_oversampling < 1:
            raise ValueError(f"data.event_oversampling={self.event_oversampling}; accepted: an integer >= 1")
        if self.max_triggers_per_window < 1:
            raise ValueError(f"data.max_triggers_per_window={self.max_triggers_per_window}; accepted: >= 1")
        if self.unlabelled_trigger_min_count < 1:
            raise ValueError(f"data.unlabelled_trigger_min_count={self.unlabelled_trigger_min_count}; accepted: >= 1")
        if not 0.0 < self.unlabelled_trigger_min_rate <= 1.0:
            raise ValueError(f"data.unlabelled_trigger_min_rate={self.unlabelled_trigger_min_rate}; accepted: "
                             "0 < rate <= 1")


@dataclass
class ModelConfig:
    model_name_or_path: str = field(
        default="all-MiniLM-L6-v2",
        metadata={"help": "Backbone encoder (the offline default, a hub id or a folder), or a trained model folder."},
    )
    classifier_dropout: float = field(default=0.1, metadata={"help": "Dropout before the heads."})
    attention_dropout: float | None = field(
        default=None,
        metadata={"help": "Dropout on the encoder's attention probabilities; None keeps the backbone's own (0.1 for "
                          "MiniLM). 0 lets attention run without drawing a (B, heads, T, T) random mask each layer: "
                          "8 % faster CPU steps, measured."},
    )
    event_tag_weight: float = field(
        default=1.0,
        metadata={"help": "Loss weight of every trigger and argument tag other than O (O weighs 1). Triggers are ~1 % "
                          "of an event window's tags: weighing them up trades some precision for recall and faster "
                          "learning of the event heads."},
    )
    entity_head: bool = field(
        default=False,
        metadata={"help": "Add a head that tags ACE entity mentions (trained on articles with the 'entities' layer): "
                          "results list them, and argument_decoding 'entities' chooses arguments among them."},
    )
    event_conventions: list[str] = field(
        default_factory=lambda: ["m2e2"],
        metadata={"help": "Corpora whose trigger conventions get a trigger head each (an article's meta['corpus']; "
                          "others train the first); the first is the one the model answers in."},
    )
    argument_decoding: str = field(
        default="tags",
        metadata={"help": "'tags': arguments are runs of the argument head's IOB2 tags; 'entities': each entity "
                          "mention in the trigger's sentence takes the role its words score best, or none."},
    )
    claim_frames: bool = field(
        default=True,
        metadata={"help": "Add a head that tags, for each cue, the source and the content of that claim (trained on "
                          "articles with the 'claims' layer); claim_decoding 'frames' builds claims from it."},
    )
    claim_decoding: str = field(
        default="linker",
        metadata={"help": "'linker': the claim head's source and content spans join their nearest cue; 'frames': each "
                          "cue takes the source and content the frame head tags for it; 'frame_linker': the claim "
                          "head's spans join the cue whose frame tags them, else the nearest."},
    )
    calibrate_thresholds: bool = field(
        default=True,
        metadata={"help": "After training, tune the trigger and argument thresholds on the dev events (19 dev passes "
                          "each); false keeps argmax, e.g. for quick experiments."},
    )
    head_learning_rate: float | None = field(
        default=None,
        metadata={"help": "Peak learning rate of the three heads (the encoder takes training.learning_rate); None: "
                          "the same as the encoder. Freshly initialised heads learn faster at a higher rate."},
    )

    def __post_init__(self) -> None:
        if not 0.0 <= self.classifier_dropout < 1.0:
            raise ValueError(f"model.classifier_dropout={self.classifier_dropout}; accepted: 0 <= p < 1")
        if self.attention_dropout is not None and not 0.0 <= self.attention_dropout < 1.0:
            raise ValueError(f"model.attention_dropout={self.attention_dropout}; accepted: 0 <= p < 1, or null")
        if not self.event_tag_weight > 0.0:
            raise ValueError(f"model.event_tag_weight={self.event_tag_weight}; accepted: a weight > 0")
        if not self.event_conventions or len(set(self.event_conventions)) != len(self.event_conventions):
            raise ValueError(f"model.event_conventions={self.event_conventions}; accepted: distinct corpus names, at "
                             "least one")
        if self.argument_decoding not in ARGUMENT_DECODINGS:
            raise ValueError(f"model.argument_decoding={self.argument_decoding!r}; accepted: "
                             f"{', '.join(ARGUMENT_DECODINGS)}")
        if self.argument_decoding == "entities" and not self.entity_head:
            raise ValueError("model.argument_decoding='entities' needs model.entity_head: true")
        if self.claim_decoding not in CLAIM_DECODINGS:
            raise ValueError(f"model.claim_decoding={self.claim_decoding!r}; accepted: {', '.join(CLAIM_DECODINGS)}")
        if self.claim_decoding != "linker" and not self.claim_frames:
            raise ValueError(f"model.claim_decoding={self.claim_decoding!r} needs model.claim_frames: true")
        if self.head_learning_rate is not None and not 0.0 < self.head_learning_rate < 1.0:
            raise ValueError(f"model.head_learning_rate={self.head_learning_rate}; accepted: 0 < rate < 1, or null")


@dataclass
class ExperimentConfig:
    data: DataConfig
    model: ModelConfig
    training: dict[str, Any]  # validated against TrainingArguments; kept as given so it is saved as written

    def training_arguments(self, **overrides) -> TrainingArguments:
        return TrainingArguments(**{**self.training, **overrides})

    def save(self, directory: str | Path) -> Path:
        """Write the resolved config (every default filled in) as YAML that :func:`load_config` reads back."""
        path = Path(directory) / TRAINING_CONFIG_FILE
        resolved = {"data": dataclasses.asdict(self.data), "model": dataclasses.asdict(self.model),
                    "training": self.training}
        path.write_text(yaml.safe_dump(resolved, sort_keys=False), encoding="utf-8")
        return path


def load_config(path: str | Path) -> ExperimentConfig:
    """Read a YAML experiment config strictly.

    Example:
        >>> config = load_config("configs/tiny.yaml")  # doctest: +SKIP
        >>> config.data.max_length  # doctest: +SKIP
        64
    """
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:  # yaml's own message names neither the file nor, for some errors, the line
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        raise ValueError(f"{where}: invalid YAML: {getattr(error, 'problem', None) or error}") from None
    check_keys(raw, ("data", "model", "training"), where=str(path))
    data = build(DataConfig, raw.get("data") or {}, f"{path}: data")
    model = build(ModelConfig, raw.get("model") or {}, f"{path}: model")
    training = raw.get("training") or {}
    check_fields(TrainingArguments, training, f"{path}: training")
    if "output_dir" not in training:
        raise ValueError(f"{path}: training.output_dir is required")
    return ExperimentConfig(data, model, training)
