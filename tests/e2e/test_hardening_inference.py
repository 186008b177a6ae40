"""Issue 16, the inference side, as a hostile but fair user tried it: wrong arguments, odd text, odd files, a quiet
library, a fast ``--help`` and the default backend a model folder records."""

from __future__ import annotations

import json
import logging
import shutil
import sys

import pytest
import torch

from inference.__main__ import main
from inference.core.model_folder import BACKENDS_FILE, weights_sha256
from inference.interface import api
from inference.interface.api import extract, load_predictor
from inference.runtime.backends import default_backend
from tests.conftest import ROOT
from tests.processes import run_command

TEXT = "Police said on Monday that two people were killed in Gaza. Witnesses told AFP the jets hit the city."


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """No predictor loaded yet, and an empty ONNX cache under ``tmp_path``."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(api, "_predictors", {})
    return tmp_path


def spans(result) -> list[dict]:
    record = result.to_dict()
    found = [e["trigger"] for e in record["events"]] + [a for e in record["events"] for a in e["arguments"]]
    return found + [s for c in record["claims"] for s in [c["source"], c["cue"], *c["content"]] if s is not None]


# --- wrong arguments: errors that name the problem and what is accepted


@pytest.mark.parametrize("batch_size", ["8", 2.5, None, True])
def test_batch_size_must_be_a_positive_int(tiny_model_dir, batch_size):
    with pytest.raises(TypeError, match=rf"batch_size={batch_size!r} .*accepted: an int"):
        extract(TEXT, model=tiny_model_dir, batch_size=batch_size)
    with pytest.raises(ValueError, match=r"batch_size=0; accepted: an int"):
        extract(TEXT, model=tiny_model_dir, batch_size=0)


def test_threshold_must_be_a_number_between_0_and_1(tiny_model_dir):
    with pytest.raises(TypeError, match=r"threshold='x' \(str\); accepted: a number between 0 and 1, or None"):
        extract(TEXT, model=tiny_model_dir, threshold="x")
    with pytest.raises(ValueError, match=r"threshold=1.5; accepted: a number between 0 and 1"):
        extract(TEXT, model=tiny_model_dir, threshold=1.5)


@pytest.mark.parametrize(("device", "message"), [
    ("tpu", r"device='tpu' is no device; accepted: 'cpu', 'cuda', 'cuda:N'"),
    (3, r"device=3 \(for GPU 3, pass 'cuda:3'\); accepted: 'cpu'"),
    ("cpu:7", r"device='cpu:7': the CPU has no index; accepted: 'cpu'"),
    ("meta", r"device='meta': only CPUs and CUDA GPUs are supported"),
])
def test_a_device_that_is_none_is_refused(tiny_model_dir, fresh, device, message):
    with pytest.raises(ValueError, match=message):
        extract(TEXT, model=tiny_model_dir, device=device)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda_says_so(tiny_model_dir, fresh):
    with pytest.raises(ValueError, match=r"device='cuda', but CUDA is not available here .*accepted here: 'cpu'"):
        extract(TEXT, model=tiny_model_dir, device="cuda")


def test_model_of_the_wrong_type_or_an_empty_folder(tmp_path, fresh):
    with pytest.raises(TypeError, match=r"model=123 \(int\); accepted: None \(the shipped model\), a model folder"):
        extract(TEXT, model=123)
    with pytest.raises(FileNotFoundError, match=r"has no config.json and no model.safetensors, so it holds no model"):
        extract(TEXT, model=tmp_path)


def test_pickled_weights_are_refused_with_the_conversion(tiny_model_dir, tmp_path, fresh):
    folder = tmp_path / "pickled"
    shutil.copytree(tiny_model_dir, folder)
    (folder / "model.safetensors").unlink()
    torch.save({}, folder / "pytorch_model.bin")
    with pytest.raises(ValueError, match=r"holds pytorch_model.bin \(a pickle.*use_safetensors=False\)"
                                         r"\.save_pretrained\("):
        extract(TEXT, model=folder)
    (folder / "config.json").unlink()  # a folder holding only the pickle: the same advice
    with pytest.raises(ValueError, match=r"holds pytorch_model.bin .*convert it once"):
        extract(TEXT, model=folder)


# --- text: offsets index what the user gave


def test_a_lone_surrogate_works_alone_and_in_a_list(tiny_model_dir):
    odd = "Police said \ud800 two people were killed in the attack on Monday. " * 3
    alone = extract(odd, model=tiny_model_dir)
    batch = extract([TEXT, odd, TEXT], model=tiny_model_dir)
    assert batch[1].to_dict() == alone.to_dict() and batch[0].to_dict() == extract(TEXT, model=tiny_model_dir).to_dict()
    assert spans(alone), "a random tiny model tags something here"
    for span in spans(alone):
        assert odd[span["start"] : span["end"]] == span["text"]


def test_cli_offsets_index_a_crlf_file(tmp_path, capsys, tiny_model_dir):
    raw = "Police said two people were killed.\r\n\r\nWitnesses told AFP the jets hit the city.\r\n" * 3
    path = tmp_path / "crlf.txt"
    path.write_bytes(raw.encode("utf-8"))
    main([str(path), "--model", str(tiny_model_dir)])
    record = json.loads(capsys.readouterr().out)
    found = [e["trigger"] for e in record["events"]] + [s for c in record["claims"] for s in [c["cue"], *c["content"]]
                                                         if s is not None]
    assert found
    for span in found:
        assert raw[span["start"] : span["end"]] == span["text"]


# --- the command line: one line on stderr and exit status 2 for an input it cannot read


@pytest.mark.parametrize(("make", "message"), [
    (lambda folder: folder / "missing.txt", "no such file"),
    (lambda folder: folder, "is a directory, not a file"),
    (lambda folder: (folder / "b.bin").write_bytes(b"\x00\x01\xff" * 10) and folder / "b.bin", "a binary file"),
    (lambda folder: (folder / "l.txt").write_bytes(b"caf\xe9") and folder / "l.txt", "not UTF-8 text"),
])
def test_cli_unreadable_input(tmp_path, capsys, tiny_model_dir, make, message):
    path = make(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        main([str(path), "--model", str(tiny_model_dir)])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith(f"{path}: {message}") and "accepted: a UTF-8 text file" in err


def _imported_by_help(module: str) -> tuple[str, set[str]]:
    result = run_command(sys.executable, "-X", "importtime", "-m", module, "--help", timeout=120)
    return result.stdout, {line.split("|")[-1].strip() for line in result.stderr.splitlines()
                           if line.startswith("import time")}


def test_cli_help_loads_neither_torch_nor_transformers():
    """--help answers before anything heavy is imported (it took 8-11 s, 38 s on a loaded machine)."""
    shown, imported = _imported_by_help("inference")
    assert not {"torch", "transformers", "onnxruntime", "numpy"} & imported
    assert shown.startswith("usage: python -m inference")
    assert "{auto,text,jsonl,label-studio}" in shown and "{torch,onnx,onnx-int8}" in shown
    assert "(default: 16)" in shown


@pytest.mark.parametrize("module", ["inference.corpus", "training.prepare_data", "training.evaluate",
                                    "training.calibration", "training.backend_gate", "training.ship",
                                    "training.publish"])
def test_other_commands_help_loads_no_model_code(module):
    """These took 8-11 s to answer --help (torch, transformers, accelerate, datasets or the metric imported first)."""
    shown, imported = _imported_by_help(module)
    assert not {"torch", "transformers", "accelerate", "datasets", "onnxruntime"} & imported
    assert shown.startswith(f"usage: python -m {module}")


# --- quiet by default


def test_library_loads_print_no_progress_bar(tiny_model_dir, fresh, capfd):
    from transformers.utils import logging as transformers_logging

    before = transformers_logging.is_progress_bar_enabled()
    extract(TEXT, model=tiny_model_dir)
    assert "Loading weights" not in capfd.readouterr().err
    assert transformers_logging.is_progress_bar_enabled() == before  # the user's setting is left as it was


def test_int8_export_warns_of_nothing(tiny_model_dir, fresh, capfd, caplog):
    pytest.importorskip("onnxruntime")
    with caplog.at_level(logging.WARNING):
        extract(TEXT, model=tiny_model_dir, backend="onnx-int8")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], [r.getMessage() for r in caplog.records]
    assert "pre-processing" not in capfd.readouterr().err


# --- the default backend: the fastest whose F1 gate the model folder records as passed


def gated(folder, passed: list[str]) -> None:
    from inference.runtime.backends import INT8_RECIPE

    record = {"passed": passed, "default": passed[-1], "weights_sha256": weights_sha256(folder),
              "int8_recipe": INT8_RECIPE}
    (folder / BACKENDS_FILE).write_text(json.dumps(record), encoding="utf-8")


def test_default_backend_is_the_fastest_that_passed_the_gate(tiny_model_dir, tmp_path, fresh, monkeypatch, caplog):
    pytest.importorskip("onnxruntime")
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    assert default_backend(folder, None) == "torch"  # no record: torch
    gated(folder, ["torch", "onnx", "onnx-int8"])
    assert default_backend(folder, "cpu") == "onnx-int8"
    predictor = load_predictor(folder)
    assert type(predictor.model).__name__ == "OnnxModel" and "-int8-" in predictor.model.path.name
    assert load_predictor(folder, backend="torch") is not predictor  # backend= still chooses
    gated(folder, ["torch", "onnx"])
    assert default_backend(folder, "cpu") == "onnx"
    (folder / BACKENDS_FILE).write_text(json.dumps({"passed": ["onnx"], "weights_sha256": "0" * 64}))
    assert default_backend(folder, "cpu") == "torch"  # measured on other weights: says nothing about these
    gated(folder, ["torch", "onnx", "onnx-int8"])
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # the onnx extra missing: torch, said once
    monkeypatch.setattr("inference.runtime.backends._said_no_onnx", False)
    with caplog.at_level(logging.INFO, logger="inference.runtime.backends"):
        assert default_backend(folder, "cpu") == default_backend(folder, None) == "torch"
    assert len([r for r in caplog.records if "needs the onnx extra" in r.getMessage()]) == 1


def test_the_shipped_model_records_its_gate():
    record = json.loads((ROOT / "inference" / "default_model" / BACKENDS_FILE).read_text(encoding="utf-8"))
    assert record["weights_sha256"] == weights_sha256(ROOT / "inference" / "default_model")
    assert record["data"] == ["data/release/dev.jsonl"] and record["default"] in record["passed"]
    assert all(record["overall_f1"][b] >= record["overall_f1"]["torch"] - 0.5 for b in record["passed"])
