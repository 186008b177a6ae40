"""The prepared GPU check: its dry run end to end on the CPU, its FLOP counting and timing, and (``-m gpu``) its
training stage on CUDA with bf16."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch
import yaml
from transformers import AutoModel, BertConfig

from benchmarks.gpu_check import StepTimer, main, timed_training
from tests.conftest import ROOT


def test_the_dry_run_runs_every_stage_and_writes_one_json(tmp_path):
    out = tmp_path / "check" / "gpu_check.json"
    assert main(["--dry-run", "--out", str(out), "--test-paths", "tests/test_gpu.py", "--peak-tflops", "1.0"]) == 0
    report = json.loads(out.read_text())
    assert {key for key, stage in report.items() if key != "meta" and stage["ok"]} == {"gpu_tests", "training",
                                                                                        "extract"}
    assert report["gpu_tests"]["tests"] >= 1 and report["gpu_tests"]["failed"] == []  # skipped here, run on a GPU

    training = report["training"]
    assert (training["device"], training["timed_steps"], training["backbone"]) == (
        "cpu", 3, "all-MiniLM-L6-v2 (random weights)")
    assert training["tokens_per_second"] > 0 and training["flops_per_step"] > 0
    assert training["model_flops_utilisation"] == pytest.approx(
        training["flops_per_step"] / training["seconds_per_step"] / 1e12)

    extract = report["extract"]
    assert [(row["system"], row["batch"]) for row in extract["rows"]] == [
        ("pipeline", 1), ("extract", 1), ("pipeline", 4), ("extract", 4)]
    assert all(row["words"] == 4 * 60 for row in extract["rows"])
    assert extract["ratio"]["4"] == pytest.approx(extract["rows"][3]["words_per_second"]
                                                  / extract["rows"][2]["words_per_second"])


def test_the_step_timer_counts_forward_and_backward_of_the_warmup_steps_and_times_the_rest():
    timer = StepTimer(warmup_steps=1, steps=2)
    layer = torch.nn.Linear(8, 4, bias=False)
    state = SimpleNamespace(global_step=0, num_input_tokens_seen=0)
    for _ in range(3):
        timer.on_step_begin(None, state, None)
        x = torch.randn(16, 8, requires_grad=True)
        layer(x).sum().backward()  # forward, weight gradient, input gradient: 3 products of 2 x 16 x 8 x 4 FLOPs
        state.global_step += 1
        state.num_input_tokens_seen += 16
        timer.on_step_end(None, state, None)
    assert timer.flops_per_step == [3 * 2 * 16 * 8 * 4]  # the warm-up step only
    assert timer.tokens == 32 and timer.seconds > 0


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_the_training_stage_counts_the_same_flops_on_cuda_with_bf16_as_on_the_cpu(tmp_path, tokenizer):
    """On CUDA the backward pass runs in autograd's device threads: its FLOPs must still be counted."""
    backbone = tmp_path / "backbone"  # a tiny random BERT with the real vocabulary (no backbone package needed)
    AutoModel.from_config(BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=64, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=128)).save_pretrained(backbone)
    tokenizer.save_pretrained(backbone)
    config = {"base": str(ROOT / "configs" / "tiny.yaml"), "training": {}}  # its data paths: relative to it
    runs = {}
    for device, overrides in (("cpu", {}), ("cuda", {"use_cpu": False, "bf16": True})):
        config["training"].update(overrides)
        path = tmp_path / f"{device}.yaml"
        path.write_text(yaml.safe_dump(config))
        runs[device] = timed_training(str(path), str(backbone), False, 2, 3, None, tmp_path / device)
    assert runs["cuda"]["device"].startswith("cuda") and runs["cuda"]["bf16"]
    assert runs["cuda"]["flops_per_step"] == pytest.approx(runs["cpu"]["flops_per_step"], rel=1e-6)
