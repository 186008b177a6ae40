import dataclasses
from pathlib import Path

import pytest
import torch
import yaml

from inference.core.model_folder import TRAINING_CONFIG_FILE
from inference.core.modeling import EventClaimConfig
from inference.core.schema import LabelSchema
from training.config import SETTING_KEYS, DataConfig, ExperimentConfig, ModelConfig, load_config, model_settings
from training.data.importers.event_mapping import DEFAULT_EVENT_MAPPING, load_event_mapping
from training.strict_yaml import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
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
        (BASE + "extra: 1\n", r"unknown key\(s\) \['extra'\]; accepted: base, data, model, training"),
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


# --- one source for configuration


def test_code_defaults_are_the_release_recipe():
    """release.yaml writes every value out; each must be the code's default, so a config that leaves a key out trains
    the release recipe, and a change to either shows here."""
    release = yaml.safe_load((ROOT / "configs" / "release.yaml").read_text())
    for section, cls in (("data", DataConfig), ("model", ModelConfig)):
        defaults = {f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()
                    for f in dataclasses.fields(cls) if f.name not in ("train", "dev", "test", "format")}
        assert {key: release[section][key] for key in defaults} == defaults, section
        assert set(release[section]) == {f.name for f in dataclasses.fields(cls)}, f"{section}: every value written"


def test_the_model_config_defaults_are_the_experiment_defaults():
    """EventClaimConfig's defaults are those of the config keys they come from (SETTING_KEYS)."""
    config = ExperimentConfig(DataConfig(train=["a"], dev=["b"]), ModelConfig(), {"output_dir": "out"})
    schema = LabelSchema.default()
    settings = model_settings(config, schema)
    assert set(settings) == set(SETTING_KEYS)
    built = EventClaimConfig(entity_labels=schema.entity_labels, frame_labels=schema.frame_labels)
    assert {key: getattr(built, key) for key in settings} == settings
    plain = EventClaimConfig()  # no entity or frame head: the decodings every model can run
    assert (plain.argument_decoding, plain.claim_decoding) == ("tags", "linker")


@pytest.mark.parametrize("text, message", [
    ("model: {argument_decoding: entities, entity_head: false}", r"c\.yaml: model\.argument_decoding='entities' "
                                                                 r"needs model\.entity_head: true$"),
    ("model: {claim_decoding: frames, claim_frames: false}", r"model\.claim_decoding='frames' needs "
                                                             r"model\.claim_frames: true$"),
    ("model: {claim_decoding: nearest}", r"model\.claim_decoding='nearest'; accepted: linker, frames, frame_linker$"),
])
def test_a_decoding_rule_broken_in_a_config_names_its_yaml_keys(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, BASE + text + "\n"))


def test_data_paths_are_relative_to_the_config_file(tmp_path, monkeypatch):
    folder = tmp_path / "configs"
    folder.mkdir()
    path = folder / "c.yaml"
    path.write_text("data: {train: [../data/a.jsonl, /abs/b.jsonl], dev: [dev.jsonl]}\ntraining: {output_dir: out}\n")
    monkeypatch.chdir(ROOT)  # not the config's folder
    config = load_config(path)
    assert config.data.train == [str(tmp_path / "data" / "a.jsonl"), "/abs/b.jsonl"]
    assert config.data.dev == [str(folder / "dev.jsonl")]
    assert config.training["output_dir"] == "out", "the output folder stays relative to the working directory"


def test_the_shipped_configs_data_paths_resolve_the_same_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(ROOT / "configs" / "tiny.yaml")
    assert config.data.train == [str(ROOT / "tests" / "fixtures" / "articles.jsonl")]
    release = load_config(ROOT / "configs" / "release.yaml")
    assert release.data.test == [str(ROOT / "data" / "release" / "test.jsonl")]


def test_gpu_config_is_the_release_recipe_with_its_own_values():
    release, gpu = (load_config(ROOT / "configs" / name) for name in ("release.yaml", "gpu.yaml"))
    assert (gpu.data.train, gpu.data.dev, gpu.data.test) == (release.data.train, release.data.dev, release.data.test)
    assert dataclasses.replace(gpu.model, model_name_or_path=release.model.model_name_or_path) == release.model
    assert (gpu.data.max_length, gpu.data.stride) == (256, 64)
    own = {"output_dir": "runs/gpu", "per_device_train_batch_size": 64, "learning_rate": 8.0e-5, "bf16": True,
           "use_cpu": False}
    assert {key: gpu.training[key] for key in own} == own
    assert gpu.training["seed"] == release.training["seed"] and gpu.training["warmup_steps"] == 0.06


def test_a_base_is_overridden_key_by_key_and_saved_merged(tmp_path):
    (tmp_path / "base.yaml").write_text(BASE + "model: {classifier_dropout: 0.2, event_tag_weight: 2.0}\n")
    child = tmp_path / "sub" / "child.yaml"
    child.parent.mkdir()
    child.write_text("base: ../base.yaml\ndata: {max_length: 64, stride: 8}\nmodel: {event_tag_weight: 3.0}\n"
                     "training: {learning_rate: 2.0e-5}\n")
    config = load_config(child)
    assert config.data.train == [str(tmp_path / "a.jsonl")], "a base's paths are relative to the base"
    assert (config.data.max_length, config.model.classifier_dropout, config.model.event_tag_weight) == (64, 0.2, 3.0)
    assert config.training == {"output_dir": "out", "learning_rate": 2.0e-5}
    saved = config.save(child.parent)
    assert "base" not in yaml.safe_load(saved.read_text())
    assert load_config(saved) == config, "the saved config is complete: it loads back anywhere, without its base"


@pytest.mark.parametrize("child, message", [
    ("base: base.yaml\ndata: {dve: [x]}\n", r"child\.yaml: data: unknown key\(s\) \['dve'\]"),
    ("base: missing.yaml\n", r"child\.yaml: base: missing\.yaml is no file"),
    ("base: child.yaml\n", r"child\.yaml: base: child\.yaml leads back to child\.yaml"),
    ("base: [base.yaml]\n", r"base: got \['base.yaml'\]; accepted: the path of another config"),
    ("base: base.yaml\nmodel: {event_tag_weight: 0.0}\n", r"child\.yaml: model\.event_tag_weight=0\.0"),
])
def test_bad_bases_name_the_file_and_the_problem(tmp_path, child, message):
    (tmp_path / "base.yaml").write_text(BASE)
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, child, "child.yaml"))


def test_a_missing_config_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=rf"^{tmp_path}/none\.yaml: no such file; accepted: a YAML config"):
        load_config(tmp_path / "none.yaml")


@pytest.mark.parametrize("text, line", [("data: {train: [a.jsonl]\ntraining: x\n", 2), ("data:\n\t- a\n", 2)])
def test_invalid_yaml_names_the_file_and_line(tmp_path, text, line):
    with pytest.raises(ValueError, match=rf"^{tmp_path}/c\.yaml:{line}:\d+: invalid YAML: "):
        load_config(write(tmp_path, text))
