"""The prepared GPU run (benchmarks/gpu/): its dry run end to end on the CPU, its FLOP counting and timing, the
bring-back of weights in parts, the budget of what travels; and (``-m gpu``) its training stage on CUDA with bf16,
``extract`` on CUDA against the CPU, and the ONNX backends refused on CUDA."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch
import yaml
from transformers import AutoModel, BertConfig

from benchmarks.gpu import bring_back, bundle
from benchmarks.gpu.cli import main
from benchmarks.gpu.timing import StepTimer
from benchmarks.gpu.training_run import run_training, timed_block
from inference.core.model_folder import WEIGHTS_FILE
from tests.conftest import ROOT, make_sharp_model

STAGES = ("1_gpu_tests.json", "2_training.json", "3_extract.json", "4_sweep.json")


# Slow (25-40 s): run it (python -m pytest -m slow -k dry_run) before taking the GPU check to a GPU machine.
@pytest.mark.slow
def test_the_dry_run_writes_every_stage_and_its_best_model_comes_back_whole(tmp_path):
    out = tmp_path / "out"
    assert main(["--dry-run", "--out", str(out), "--bring-back", "always"]) == 0
    stages = {name: json.loads((out / name).read_text()) for name in STAGES}
    assert all(stage["ok"] for stage in stages.values()), {n: s.get("error") for n, s in stages.items()}

    tests = stages["1_gpu_tests.json"]["tests"]
    assert tests["passed"] and tests["tests"] >= 1 and tests["failed"] == []  # skipped here, run on a GPU
    training = stages["2_training.json"]
    assert (training["device"], training["max_steps"], training["stopped_at_step_for_the_deadline"]) == ("cpu", 6, None)
    assert training["timed"]["tokens_per_second"] > 0 and training["timed"]["mfu_vs_measured_matmul"] > 0
    assert set(training["against_shipped"]) == {"dev", "test"} and training["batch_scan"][0]["flops_per_step"] > 0
    extract = stages["3_extract.json"]
    assert extract["matches_cpu"]["spans_equal"]
    assert [(row["system"], row["batch"]) for row in extract["speed"]["rows"]] == [
        ("pipeline", 1), ("extract", 1), ("pipeline", 4), ("extract", 4)]
    assert {"decoding", "model forward"} <= set(extract["profile"]["self_seconds_by_part"])

    swept = stages["4_sweep.json"]
    assert len(swept["runs"]) == 2 and swept["best"]["name"] in {run["name"] for run in swept["runs"]}
    manifest = swept["bring_back"]
    assert all(part["bytes"] <= bring_back.PART_BYTES for part in manifest["parts"])
    assert bring_back.main([str(out / "4_sweep.json"), "--out", str(tmp_path / "model")]) == 0
    assert bring_back.sha256_file(tmp_path / "model" / WEIGHTS_FILE) == manifest["weights_sha256"]
    assert json.loads((tmp_path / "model" / "config.json").read_text())["dtype"] == "float16"


def test_parts_join_into_the_same_folder_and_a_damaged_part_is_refused(tmp_path, tiny_model_dir):
    manifest = bring_back.pack(tiny_model_dir, tmp_path / "parts", part_bytes=100_000)
    assert len(manifest["parts"]) > 1 and all(p["bytes"] <= 100_000 for p in manifest["parts"])
    result = bring_back.reassemble(manifest, tmp_path / "parts", tmp_path / "whole")
    assert result["weights_sha256"] == manifest["weights_sha256"]
    assert {p.name for p in (tmp_path / "whole").iterdir()} == set(manifest["files"])

    damaged = tmp_path / "parts" / manifest["parts"][1]["name"]
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"x")
    with pytest.raises(ValueError, match=f"{damaged.name}: sha256 .*, the manifest says"):
        bring_back.reassemble(manifest, tmp_path / "parts", tmp_path / "again")
    assert not (tmp_path / "again").exists()
    assert bring_back.main([str(tmp_path / "no.json"), "--out", str(tmp_path / "x")]) == 2


def test_the_budget_measures_the_tree_without_the_shipped_weights_and_each_part_of_the_bundle(tmp_path):
    (tmp_path / "backbone").mkdir()
    (tmp_path / "backbone" / WEIGHTS_FILE).write_bytes(b"\0" * 2**20)
    (tmp_path / "data.tar.xz").write_bytes(b"\0" * 2**19)
    measured = bundle.budget(tmp_path)
    items = {item["item"]: item for item in measured["items"]}
    assert not items["inference/default_model/model.safetensors (left behind)"]["travels"]
    assert items[f"{tmp_path.name}/backbone"]["mib"] == 1.0 and items[f"{tmp_path.name}/data.tar.xz"]["mib"] == 0.5
    assert measured["total_mib"] == pytest.approx(sum(i["mib"] for i in measured["items"] if i["travels"]))
    assert "| **total that travels** |" in bundle.format_budget(measured)


def test_the_step_timer_counts_forward_and_backward_of_the_first_steps_and_times_the_rest():
    timer = StepTimer(count_steps=1, timed_from=1, timed_steps=2)
    layer = torch.nn.Linear(8, 4, bias=False)
    state = SimpleNamespace(global_step=0, num_input_tokens_seen=0)
    for _ in range(3):
        timer.on_step_begin(None, state, None)
        x = torch.randn(16, 8, requires_grad=True)
        layer(x).sum().backward()  # forward, weight gradient, input gradient: 3 products of 2 x 16 x 8 x 4 FLOPs
        state.global_step += 1
        state.num_input_tokens_seen += 16
        timer.on_step_end(None, state, None)
    assert timer.flops_per_step == [3 * 2 * 16 * 8 * 4]  # the counted step only
    assert timer.tokens == 32 and timer.seconds > 0
    assert timer.summary(None, None)["mfu_vs_measured_matmul"] is None
    with pytest.raises(ValueError, match="timed from after the counted ones"):
        StepTimer(count_steps=2, timed_from=1, timed_steps=2)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_the_training_stage_counts_the_same_flops_on_cuda_with_bf16_as_on_the_cpu(tmp_path, tokenizer):
    """On CUDA the backward pass runs in autograd's device threads: its FLOPs must still be counted."""
    from benchmarks.gpu.training_run import NO_CHECKPOINTS, variant
    from training.config import load_config

    backbone = tmp_path / "backbone"  # a tiny random BERT with the real vocabulary (no backbone package needed)
    AutoModel.from_config(BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=64, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=128)).save_pretrained(backbone)
    tokenizer.save_pretrained(backbone)
    config = {"base": str(ROOT / "configs" / "tiny.yaml"), "training": {}}  # its data paths: relative to it
    flops = {}
    for device, overrides in (("cpu", {}), ("cuda", {"use_cpu": False, "bf16": True})):
        config["training"].update(overrides)
        path = tmp_path / f"{device}.yaml"
        path.write_text(yaml.safe_dump(config))
        run = variant(load_config(path), str(backbone), ROOT / "tests" / "fixtures", tmp_path / device,
                      {**NO_CHECKPOINTS, "max_steps": 5})
        timer = timed_block(run, 2, 1)
        assert run_training(run, float("inf"), timer)["trainer_metrics"]["train_runtime"] > 0
        flops[device] = timer.summary(None, None)["flops_per_step"]
    assert flops["cuda"] == pytest.approx(flops["cpu"], rel=1e-6)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_extract_on_cuda_finds_the_same_spans_as_on_the_cpu(tmp_path, tokenizer, articles):
    """A tiny model with sharp heads finds many spans (arguments too): what the GPU run's extract stage compares on
    the model it trains, here without the shipped weights, which stay behind for that run."""
    from benchmarks.gpu.extract_stage import matches_cpu

    make_sharp_model(tokenizer).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    found = matches_cpu(str(tmp_path), [article.text for article in articles], "cuda")
    assert found["spans_equal"] and found["spans"] > 10 and found["max_score_difference"] < 1e-3


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_the_onnx_backends_are_refused_on_a_real_cuda_device(tiny_model_dir):
    from inference import Predictor

    for backend in ("onnx", "onnx-int8"):
        with pytest.raises(ValueError, match=f'backend="{backend}" runs on the CPU only; got device=\'cuda(:0)?\''):
            Predictor.from_pretrained(tiny_model_dir, backend=backend, device="cuda")
