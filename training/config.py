"""Typed experiment configuration, read strictly from YAML.

A config file has three sections, and may build on another config::

    base: release.yaml   # optional: that file's sections, overridden here key by key (a path relative to this file)
    data:      # DataConfig: where the articles are and how they are cut into windows
    model:     # ModelConfig: the backbone and the heads
    training:  # any field of transformers.TrainingArguments, checked against its type

Every default is the release recipe's (``configs/release.yaml`` writes each one out). Data paths (``train``, ``dev``,
``test``) are relative to the file that names them; ``training.output_dir`` and a backbone folder are relative to the
working directory, as with any ``TrainingArguments``. An unknown key or a value of the wrong type is an error naming
the file, the key and what is accepted. Floats take a dot and a signed exponent (``1.0e-5``; YAML 1.1 reads ``1e-5``
as a string).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from inference.core.model_folder import TRAINING_CONFIG_FILE

from .strict_yaml import ConfigError, build, check_fields, check_keys, read_yaml

# transformers (TrainingArguments) and the model code load where they are used, so a command's --help answers at once.
if TYPE_CHECKING:
    from transformers import PretrainedConfig, TrainingArguments

    from inference.core.schema import LabelSchema

SECTIONS = ("data", "model", "training")
DATA_PATHS = ("train", "dev", "test")  # the keys whose paths are relative to the config file


@dataclass
class DataConfig:
    train: list[str] = field(metadata={"help": "Training data: files or folders in any supported format."})
    dev: list[str] = field(metadata={"help": "Dev data used to pick the best checkpoint by span F1."})
    test: list[str] = field(default_factory=list, metadata={"help": "Held-out data evaluated once after training."})
    format: str = field(default="auto", metadata={"help": "Input format of every file, or 'auto' to detect."})
    max_length: int = field(default=128, metadata={"help": "Subword tokens per window, [CLS] and [SEP] included."})
    stride: int = field(default=24, metadata={"help": "Tokens shared by neighbouring windows."})
    max_triggers_per_window: int = field(
        default=16, metadata={"help": "Gold triggers per window whose arguments are trained (the rest are counted)."}
    )
    event_oversampling: int = field(
        default=4,
        metadata={"help": "Repeat event-only articles this many times per epoch (the event corpora have far fewer "
                          "spans than the claim corpus; seen once, the trigger head sees too few positives)."},
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
            raise ConfigError("data.train and data.dev each need at least one path")
        if not 8 <= self.max_length <= 4096:
            raise ConfigError(f"data.max_length={self.max_length}; accepted: 8 to 4096 tokens")
        if not 0 <= self.stride < self.max_length - 2:
            raise ConfigError(f"data.stride={self.stride}; accepted: 0 <= stride < max_length - 2")
        for key in ("event_oversampling", "max_triggers_per_window", "unlabelled_trigger_min_count"):
            if getattr(self, key) < 1:
                raise ConfigError(f"data.{key}={getattr(self, key)}; accepted: an integer >= 1")
        if not 0.0 < self.unlabelled_trigger_min_rate <= 1.0:
            raise ConfigError(f"data.unlabelled_trigger_min_rate={self.unlabelled_trigger_min_rate}; accepted: "
                              "0 < rate <= 1")


@dataclass
class ModelConfig:
    model_name_or_path: str = field(
        default="all-MiniLM-L6-v2",
        metadata={"help": "Backbone encoder (the offline default, a hub id or a folder), or a trained model folder "
                          "to continue training (its heads, decodings and window stay as trained)."},
    )
    classifier_dropout: float = field(default=0.1, metadata={"help": "Dropout before the heads."})
    attention_dropout: float | None = field(
        default=0.0,
        metadata={"help": "Dropout on the encoder's attention probabilities; None keeps the backbone's own. 0 lets "
                          "attention run without drawing a (B, heads, T, T) random mask in every layer: faster CPU "
                          "steps."},
    )
    event_tag_weight: float = field(
        default=5.0,
        metadata={"help": "Loss weight of every trigger and argument tag other than O (O weighs 1). Triggers are a "
                          "small share of an event window's tags: unweighted, the event heads learn mostly 'O'; "
                          "weighing them up trades some precision for recall and faster learning."},
    )
    entity_head: bool = field(
        default=True,
        metadata={"help": "Add a head that tags ACE entity mentions (trained on articles with the 'entities' layer): "
                          "results list them, and argument_decoding 'entities' chooses arguments among them."},
    )
    event_conventions: list[str] = field(
        default_factory=lambda: ["m2e2"],
        metadata={"help": "Corpora whose trigger conventions get a trigger head each (an article's meta['corpus']; "
                          "others train the first); the first is the one the model answers in."},
    )
    argument_decoding: str = field(
        default="entities",
        metadata={"help": "'tags': arguments are runs of the argument head's IOB2 tags; 'entities': each entity "
                          "mention in the trigger's sentence takes the role its words score best, or none."},
    )
    claim_frames: bool = field(
        default=True,
        metadata={"help": "Add a head that tags, for each cue, the source and the content of that claim (trained on "
                          "articles with the 'claims' layer); claim_decoding 'frames' builds claims from it."},
    )
    claim_decoding: str = field(
        default="frame_linker",
        metadata={"help": "'linker': the claim head's source and content spans join their nearest cue; 'frames': each "
                          "cue takes the source and content the frame head tags for it; 'frame_linker': the claim "
                          "head's spans join the cue whose frame tags them, else the nearest."},
    )
    calibrate_thresholds: bool = field(
        default=True,
        metadata={"help": "After training, tune the trigger and argument thresholds on the dev events (one dev pass "
                          "per candidate threshold); false keeps argmax, e.g. for quick experiments."},
    )
    head_learning_rate: float | None = field(
        default=1.0e-3,
        metadata={"help": "Peak learning rate of the heads (the encoder takes training.learning_rate); None: the same "
                          "as the encoder. Freshly initialised heads learn faster at a higher rate."},
    )

    def __post_init__(self) -> None:
        from inference.core.modeling import check_decodings

        if not 0.0 <= self.classifier_dropout < 1.0:
            raise ConfigError(f"model.classifier_dropout={self.classifier_dropout}; accepted: 0 <= p < 1")
        if self.attention_dropout is not None and not 0.0 <= self.attention_dropout < 1.0:
            raise ConfigError(f"model.attention_dropout={self.attention_dropout}; accepted: 0 <= p < 1, or null")
        if not self.event_tag_weight > 0.0:
            raise ConfigError(f"model.event_tag_weight={self.event_tag_weight}; accepted: a weight > 0")
        if not self.event_conventions or len(set(self.event_conventions)) != len(self.event_conventions):
            raise ConfigError(f"model.event_conventions={self.event_conventions}; accepted: distinct corpus names, "
                              "at least one")
        if self.head_learning_rate is not None and not 0.0 < self.head_learning_rate < 1.0:
            raise ConfigError(f"model.head_learning_rate={self.head_learning_rate}; accepted: 0 < rate < 1, or null")
        heads = {"entity_labels": self.entity_head, "frame_labels": self.claim_frames}
        try:
            check_decodings({**dataclasses.asdict(self), **heads}, {**SETTING_KEYS, "entity_labels": "model."
                            "entity_head: true", "frame_labels": "model.claim_frames: true"})
        except ValueError as error:
            raise ConfigError(str(error)) from None


@dataclass
class ExperimentConfig:
    data: DataConfig
    model: ModelConfig
    training: dict[str, Any]  # validated against TrainingArguments; kept as given so it is saved as written

    def training_arguments(self, **overrides) -> TrainingArguments:
        from transformers import TrainingArguments

        return TrainingArguments(**{**self.training, **overrides})

    def save(self, directory: str | Path) -> Path:
        """Write the resolved config (defaults filled in, ``base`` merged, data paths absolute): it loads anywhere."""
        path = Path(directory) / TRAINING_CONFIG_FILE
        # a token is a secret, and the saved config is published with the model: redacted as transformers does
        secrets = {key: "<HUB_TOKEN>" for key, value in self.training.items() if key.endswith("token") and value}
        resolved = {"data": dataclasses.asdict(self.data), "model": dataclasses.asdict(self.model),
                    "training": {**self.training, **secrets}}
        path.write_text(yaml.safe_dump(resolved, sort_keys=False), encoding="utf-8")
        return path


# The one mapping of the model's settings (EventClaimConfig) to the config keys they come from (not for a trained model)
SETTING_KEYS = {"classifier_dropout": "model.classifier_dropout", "event_tag_weight": "model.event_tag_weight",
                "event_conventions": "model.event_conventions", "entity_labels": "model.entity_head",
                "frame_labels": "model.claim_frames", "argument_decoding": "model.argument_decoding",
                "claim_decoding": "model.claim_decoding", "window": "data.max_length", "stride": "data.stride"}
APPLIED_WHEN_CONTINUING = ("event_tag_weight",)  # how to train is each run's choice; the rest shapes the model


def model_settings(config: ExperimentConfig, schema: LabelSchema) -> dict[str, Any]:
    """The ``EventClaimConfig`` settings that ``config`` asks for (keyed as :data:`SETTING_KEYS`); a head is there
    when its label list (from ``schema``) is not empty.

    Example::

        model_settings(load_config("configs/release.yaml"), LabelSchema.default())["window"]  # -> 128
    """
    model, data = config.model, config.data
    return {"classifier_dropout": model.classifier_dropout, "event_tag_weight": model.event_tag_weight,
            "event_conventions": list(model.event_conventions),
            "entity_labels": schema.entity_labels if model.entity_head else [],
            "frame_labels": schema.frame_labels if model.claim_frames else [],
            "argument_decoding": model.argument_decoding, "claim_decoding": model.claim_decoding,
            "window": data.max_length, "stride": data.stride}


def keys_a_trained_model_fixes(config: ExperimentConfig, trained: PretrainedConfig, schema: LabelSchema) -> list[str]:
    """What ``config`` asks for that a trained model (its ``EventClaimConfig``) cannot take when training continues
    from it: one ``key: asked (the model has ...)`` entry for each config key whose value differs from the model's.

    Example::

        keys_a_trained_model_fixes(config, model.config, schema)  # -> ['data.max_length: 128 (the model has 32)']
    """
    from inference.core.modeling import ATTENTION_DROPOUT_NAMES

    asked = model_settings(config, schema)
    differ = []
    for setting, key in SETTING_KEYS.items():
        want, have = asked[setting], getattr(trained, setting)
        if setting in ("entity_labels", "frame_labels"):  # a head, there or not
            want, have = bool(want), bool(have)
        if setting not in APPLIED_WHEN_CONTINUING and want != have:
            differ.append(f"{key}: {_yaml(want)} (the model has {_yaml(have)})")
    attention = [trained.encoder[name] for name in ATTENTION_DROPOUT_NAMES if name in trained.encoder]
    if config.model.attention_dropout is not None and attention and attention[0] != config.model.attention_dropout:
        differ.append(f"model.attention_dropout: {_yaml(config.model.attention_dropout)} (the model has "
                      f"{_yaml(attention[0])})")
    return differ


def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True).removesuffix("\n...\n").strip()


def load_config(path: str | Path) -> ExperimentConfig:
    """Read a YAML experiment config strictly, with its ``base`` merged in and its data paths made absolute.

    The checks that need no model code come first, so that a missing file, invalid YAML or an unknown key is
    reported at once; the decoding rules and the ``training`` section load the model code and transformers.

    Example:
        >>> config = load_config("configs/gpu.yaml")
        >>> config.data.max_length, Path(config.data.test[0]).name, config.model.argument_decoding
        (256, 'test.jsonl', 'entities')
    """
    trainings: list[tuple[Path, dict]] = []  # each file's training section, checked once transformers is loaded
    raw = _read_config(Path(path), (), trainings)
    try:
        data = build(DataConfig, raw["data"], f"{path}: data")
        model = build(ModelConfig, raw["model"], f"{path}: model")
    except ConfigError as error:
        raise ConfigError(str(error) if str(error).startswith(str(path)) else f"{path}: {error}") from None
    from transformers import TrainingArguments

    for source, training in trainings:
        check_fields(TrainingArguments, training, f"{source}: training")
    if "output_dir" not in raw["training"]:
        raise ConfigError(f"{path}: training.output_dir is required")
    return ExperimentConfig(data, model, raw["training"])


def _read_config(path: Path, seen: tuple[Path, ...], trainings: list[tuple[Path, dict]]) -> dict[str, dict]:
    """One file's sections over its base's, key by key; each file's data and model keys checked (so an error names
    the file that has it) and its data paths resolved; its training section added to ``trainings``."""
    raw = read_yaml(path)
    check_keys(raw, ("base", *SECTIONS), where=str(path))
    sections = {name: raw.get(name) or {} for name in SECTIONS}
    for name, fields in (("data", DataConfig), ("model", ModelConfig)):
        check_fields(fields, sections[name], f"{path}: {name}")
    check_keys(sections["training"], None, f"{path}: training")  # a mapping; its keys are checked later
    trainings.append((path, sections["training"]))
    for key in DATA_PATHS:
        if key in sections["data"]:
            sections["data"][key] = [str(_beside(path, item)) for item in sections["data"][key]]
    if "base" not in raw:
        return sections
    if not isinstance(raw["base"], str):
        raise ConfigError(f"{path}: base: got {raw['base']!r}; accepted: the path of another config, relative to "
                          "this file")
    base = _beside(path, raw["base"])
    if not base.is_file():
        raise ConfigError(f"{path}: base: {raw['base']} is no file (looked for {base}); accepted: the path of "
                          "another config, relative to this file")
    if base in (*seen, _beside(path, path.name)):
        raise ConfigError(f"{path}: base: {raw['base']} leads back to {path.name}; accepted: a chain of bases "
                          "without a loop")
    inherited = _read_config(base, (*seen, _beside(path, path.name)), trainings)
    return {name: {**inherited[name], **sections[name]} for name in SECTIONS}


def _beside(config: Path, relative: str) -> Path:
    """``relative`` read from the folder of ``config`` (an absolute path stays as it is), without ``..`` in it."""
    return Path(os.path.normpath(config.absolute().parent / Path(relative).expanduser()))
