"""End-to-end commands on a tiny random model: train -> evaluate, resume, and two-process data parallelism."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from huggingface_hub import ModelCard
from safetensors.torch import load_file

from tests.conftest import FIXTURES, ROOT
from tests.processes import TORCHRUN, run_command
from training.config import load_config
from training.evaluate import main as evaluate_main

TASKS = {"trigger_identification", "trigger_classification", "argument_classification",
         "claim_source", "claim_cue", "claim_content"}


def tiny_config(folder: Path, model_dir: Path, name: str, **training) -> Path:
    """configs/tiny.yaml on the tiny random model in ``model_dir``, training into ``folder/name``."""
    config = yaml.safe_load((ROOT / "configs" / "tiny.yaml").read_text())
    train_file = folder / "train.jsonl"
    if not train_file.exists():  # the fixtures four times over: enough windows for several full batches
        lines = (FIXTURES / "articles.jsonl").read_text().splitlines()
        rows = [{**json.loads(line), "id": f"{json.loads(line)['id']}-{i}"} for i in range(4) for line in lines]
        train_file.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config["data"].update(train=[str(train_file)], dev=[str(FIXTURES / "articles.jsonl")],
                          test=[str(FIXTURES / "articles.jsonl")])
    config["model"]["model_name_or_path"] = str(model_dir)
    config["training"].update(output_dir=str(folder / name), **training)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def train(*launcher: str, config: Path, resume: bool = False) -> subprocess.CompletedProcess:
    return run_command(*launcher, "-m", "training.train", "--config", str(config), *(["--resume"] if resume else []))


def step_6(run_dir: Path) -> dict[str, torch.Tensor]:
    """The weights after the last of the tiny config's 6 steps (the model folder holds the best checkpoint's)."""
    return load_file(run_dir / "checkpoint-6" / "model.safetensors")


def assert_same_weights(a: dict, b: dict, atol: float) -> None:
    assert a.keys() == b.keys()
    worst = max((a[k].float() - b[k].float()).abs().max().item() for k in a)
    assert worst <= atol, f"largest weight difference {worst}"


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_model_dir) -> Path:
    """One run of the tiny config in one process (dev evaluation and a checkpoint at steps 3 and 6), shared: the
    other tests resume it and train it again in two processes."""
    folder = tmp_path_factory.mktemp("train")
    train(sys.executable, config=tiny_config(folder, tiny_model_dir, "run"))
    return folder


def test_train_then_evaluate(trained, tmp_path, capsys):
    model_dir = trained / "run" / "model"
    for name in ("model.safetensors", "config.json", "tokenizer.json", "schema.json", "training_config.yaml",
                 "train_results.json", "eval_results.json", "eval_results.md", "README.md"):
        assert (model_dir / name).is_file(), name
    assert not list(model_dir.glob("*.bin")), "weights and arguments are saved without pickle"
    assert json.loads((model_dir / "train_results.json").read_text())["train_tokens_per_second"] > 0
    resolved = load_config(model_dir / "training_config.yaml")  # the saved config is complete and reads back
    assert resolved.training["metric_for_best_model"] == "overall_f1" and resolved.data.max_length == 32
    state = json.loads((trained / "run" / "checkpoint-6" / "trainer_state.json").read_text())
    assert [h["step"] for h in state["log_history"] if "eval_overall_f1" in h] == [3, 6]  # span F1 on dev
    assert state["best_model_checkpoint"] is not None

    card = ModelCard.load(model_dir / "README.md")
    assert "{{" not in card.text and "{%" not in card.text
    assert "\n# run\n" in card.text  # the model id heads the card
    assert card.data.library_name == "transformers" and card.data.license == "apache-2.0"
    test_scores = json.loads((model_dir / "eval_results.json").read_text())["scores"]
    reported = {r.metric_name: r.metric_value for r in card.data.eval_results}
    assert reported["Claim cue exact F1"] == round(100 * test_scores["claim_cue"]["exact"]["f1"], 1)
    assert f"| Claim cue | {100 * test_scores['claim_cue']['exact']['precision']:.1f} |" in card.text

    out = tmp_path / "eval"  # python -m training.evaluate, in this process
    evaluate_main(["--model", str(model_dir), "--data", str(FIXTURES / "articles.jsonl"), "--out", str(out),
                   "--predictions"])
    scores = json.loads((out / "eval_results.json").read_text())
    assert TASKS <= set(scores["scores"])
    for task in TASKS:
        assert 0.0 <= scores["scores"][task]["exact"]["f1"] <= 1.0
        assert "overlap" in scores["scores"][task]
    assert (out / "predictions.jsonl").read_text().count("\n") == 6
    markdown = (out / "eval_results.md").read_text()
    for heading in ("## Summary", "## Trigger identification", "## Argument classification", "## Claim content"):
        assert heading in markdown


def test_resume_gives_the_same_model(trained, tiny_model_dir):
    resumed = trained / "resumed"
    shutil.copytree(trained / "run", resumed)
    # checkpoint-6 as a kill mid-save leaves it: weights and optimizer written, the trainer state not yet. Its weights
    # are step 3's, so only steps 4 to 6 run again and saved make them step 6's.
    for file in (resumed / "checkpoint-6").iterdir():
        if file.name not in ("config.json", "model.safetensors", "optimizer.pt"):
            file.unlink()
    shutil.copy(resumed / "checkpoint-3" / "model.safetensors", resumed / "checkpoint-6" / "model.safetensors")
    shutil.rmtree(resumed / "model")
    result = train(sys.executable, config=tiny_config(trained, tiny_model_dir, "resumed"), resume=True)
    assert "skipping " + str(resumed / "checkpoint-6") + ": no trainer_state.json" in result.stderr
    assert "resuming from " + str(resumed / "checkpoint-3") in result.stderr
    assert_same_weights(step_6(trained / "run"), step_6(resumed), atol=1e-6)


def test_two_process_data_parallel_equals_one_process(trained, tiny_model_dir):
    """Two gloo processes with 2 windows each take the same steps as one process with 4 windows, evaluating and
    saving as it does."""
    train(*TORCHRUN, config=tiny_config(trained, tiny_model_dir, "two", per_device_train_batch_size=2))
    before, after = load_file(tiny_model_dir / "model.safetensors"), step_6(trained / "run")
    assert max((after[k] - before[k]).abs().max().item() for k in before) > 1e-3, "training changed nothing"
    assert_same_weights(after, step_6(trained / "two"), atol=1e-5)
    assert (trained / "two" / "model" / "eval_results.json").is_file(), "the first process saved and tested the model"


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_train_on_gpu_with_bf16(tmp_path, tiny_model_dir):
    train(sys.executable, config=tiny_config(tmp_path, tiny_model_dir, "gpu", use_cpu=False, bf16=True))
    assert json.loads((tmp_path / "gpu" / "model" / "eval_results.json").read_text())["meta"]["device"].startswith(
        "cuda")
