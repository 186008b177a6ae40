from pathlib import Path

import pytest
import torch

from inference.core.model_folder import TRAINING_CONFIG_FILE
from training.config import load_config
from training.data.importers.event_mapping import DEFAULT_EVENT_MAPPING, load_event_mapping

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


BASE = """
data: {train: [a.jsonl], dev: [b.jsonl]}
training: {output_dir: out, learning_rate: 1.0e-5}
"""


def test_every_shipped_config_loads():
    mapping = ROOT / "configs" / "event_mapping.yaml"
    assert DEFAULT_EVENT_MAPPING.resolve() == mapping.resolve(), "the packaged mapping must link to configs/"
    configs = sorted(set((ROOT / "configs").glob("*.yaml")) - {mapping})
    assert len(configs) >= 3
    for corpus in ("wikievents", "rams"):  # the one config that is not an experiment: read by the importers
        assert load_event_mapping(DEFAULT_EVENT_MAPPING, corpus).types
    for path in configs:
        config = load_config(path)  # keys and types checked against the dataclasses and TrainingArguments
        if not (config.training.get("bf16") or config.training.get("fp16")) or torch.cuda.is_available():
            assert config.training_arguments().output_dir  # TrainingArguments refuses bf16 without a GPU


def test_defaults_fill_in_and_round_trip(tmp_path):
    config = load_config(write(tmp_path, BASE))
    assert config.model.model_name_or_path == "all-MiniLM-L6-v2"
    assert config.training_arguments().learning_rate == 1.0e-5
    saved = config.save(tmp_path)
    assert saved.name == TRAINING_CONFIG_FILE
    assert load_config(saved) == config


@pytest.mark.parametrize(
    "text, message",
    [
        (BASE + "extra: 1\n", r"unknown key\(s\) \['extra'\]; accepted: data, model, training"),
        (BASE.replace("dev:", "dve:"), r"data: unknown key\(s\) \['dve'\]"),
        (BASE.replace("1.0e-5", "1e-5"), r"training.learning_rate: got '1e-5' \(str\); accepted: float, int"),
        (BASE.replace("learning_rate", "warmup_ratio"), r"unknown key\(s\) \['warmup_ratio'\]"),
        (BASE + "model: {classifier_dropout: true}\n", r"model.classifier_dropout: got True \(bool\)"),
        (BASE + "model: {event_tag_weight: 0.0}\n", r"model.event_tag_weight=0.0; accepted: a weight > 0"),
        (BASE.replace("output_dir: out, ", ""), "training.output_dir is required"),
        (BASE.replace("{train: [a.jsonl], ", "{max_length: 4, train: [a.jsonl], "), "max_length=4; accepted"),
        (BASE.replace("dev: [b.jsonl]", "dev: []"), "data.train and data.dev each need at least one path"),
        (BASE.replace("train: [a.jsonl]", "train: [1, 2]"),
         r"c\.yaml: data\.train: got \[1, 2\]; accepted: a list of str \(1 is int\)"),
        (BASE + "training: {output_dir: out, report_to: [none, 3]}\n", r"training\.report_to: got \['none', 3\]"),
        (BASE + "model: {event_conventions: []}\n", r"model.event_conventions=\[\]; accepted: distinct corpus names"),
        (BASE + "model: {event_conventions: [m2e2, m2e2]}\n", r"accepted: distinct corpus names"),
        (BASE + "model: {argument_decoding: spans}\n", r"argument_decoding='spans'; accepted: tags, entities"),
        (BASE + "model: {argument_decoding: entities}\n", r"'entities' needs model.entity_head: true"),
        (BASE.replace("dev: [b.jsonl]", "dev: [b.jsonl], unlabelled_trigger_min_rate: 0.0"),
         r"unlabelled_trigger_min_rate=0.0; accepted: 0 < rate <= 1"),
    ],
)
def test_bad_configs_name_the_problem(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_config(write(tmp_path, text))


def test_the_gpu_config_is_valid_training_arguments_even_without_a_gpu():
    """test_every_shipped_config_loads cannot build bf16 arguments on a CPU; with the GPU-only switches off, the rest
    of gpu.yaml (optimizer, scheduler, strategies) is still checked by TrainingArguments itself."""
    from inference.core.backbone import MPNET_BACKBONE

    config = load_config(ROOT / "configs" / "gpu.yaml")
    assert config.model.model_name_or_path == MPNET_BACKBONE
    assert config.training["bf16"] is True
    args = config.training_arguments(bf16=False, tf32=None, use_cpu=True)
    assert args.optim == "adamw_torch_fused"
    assert args.max_steps % args.eval_steps == 0, "the last step is evaluated, so it can be the best checkpoint"


@pytest.mark.parametrize("text, line", [("data: {train: [a.jsonl]\ntraining: x\n", 2), ("data:\n\t- a\n", 2)])
def test_invalid_yaml_names_the_file_and_line(tmp_path, text, line):
    with pytest.raises(ValueError, match=rf"^{tmp_path}/c\.yaml:{line}:\d+: invalid YAML: "):
        load_config(write(tmp_path, text))
