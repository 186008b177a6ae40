"""The training command lines: their help texts (fast: no model code imported), their one-line errors, and where
``training.evaluate`` writes its reports."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, ROOT
from training.data.importers import FORMATS
from training.evaluate import main as evaluate_main

COMMANDS = ["training.train", "training.evaluate", "training.calibration", "training.ship", "training.publish",
            "training.prepare_data", "training.backend_gate"]
HEAVY = {"torch", "transformers", "accelerate", "datasets", "onnxruntime", "numpy"}


@pytest.mark.parametrize("module", COMMANDS)
def test_help_names_the_command_as_typed_and_shows_defaults(module, capsys):
    with pytest.raises(SystemExit) as stopped:
        importlib.import_module(module).main(["--help"])
    assert stopped.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: python -m {module} "), text.splitlines()[0]
    assert "(default: None)" not in text and "(default: False)" not in text


@pytest.mark.parametrize("module", ["training.evaluate", "training.calibration"])
def test_format_option_lists_its_choices(module, capsys):
    with pytest.raises(SystemExit):
        importlib.import_module(module).main(["--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines at the terminal's width
    assert "{" + ",".join(["auto", *FORMATS]) + "}" in text and "(default: auto)" in text


def test_evaluate_help_shows_defaults(capsys):
    with pytest.raises(SystemExit):
        evaluate_main(["--help"])
    assert "Windows per forward pass. (default: 16)" in " ".join(capsys.readouterr().out.split())


def test_evaluate_writes_reports_under_the_working_directory_not_into_the_model(tiny_model_dir, tmp_path,
                                                                                monkeypatch):
    before = {path.name: path.stat().st_mtime_ns for path in tiny_model_dir.iterdir()}
    monkeypatch.chdir(tmp_path)
    evaluate_main(["--model", str(tiny_model_dir), "--data", str(FIXTURES / "articles.jsonl"), "--predictions"])
    assert {path.name: path.stat().st_mtime_ns for path in tiny_model_dir.iterdir()} == before, "model changed"
    reports = tmp_path / "eval" / tiny_model_dir.name
    assert sorted(path.name for path in reports.iterdir()) == ["eval_results.json", "eval_results.md",
                                                               "predictions.jsonl"]
    assert json.loads((reports / "eval_results.json").read_text())["meta"]["model"] == str(tiny_model_dir)


def test_evaluate_writes_into_the_folder_asked(tiny_model_dir, tmp_path):
    evaluate_main(["--model", str(tiny_model_dir), "--data", str(FIXTURES / "articles.jsonl"),
                   "--output-dir", str(tmp_path / "reports")])
    assert (tmp_path / "reports" / "eval_results.json").is_file()


def command(module: str, *args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}  # offline: a hub id that is none fails fast
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("module", COMMANDS)
def test_help_imports_no_model_code(module):
    """--help answers at once: training.train took 5-6 s when it imported transformers at the top."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", module, "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time")}
    assert not HEAVY & imported, sorted(HEAVY & imported)
    assert result.stdout.startswith(f"usage: python -m {module}")


def _one_line_error(result: subprocess.CompletedProcess, module: str, *expected: str) -> str:
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"python -m {module}: error: "), lines[0]
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


ARTICLES = str(FIXTURES / "articles.jsonl")


@pytest.mark.parametrize("module, args, expected", [
    ("training.train", ["--config", "missing.yaml"], ["missing.yaml: no such file", "accepted: a YAML config"]),
    ("training.evaluate", ["--model", "runs/none/model", "--data", ARTICLES],
     ["'runs/none/model' is not a folder", "accepted: a folder saved by training"]),
    ("training.evaluate", ["--model", "missing", "--data", ARTICLES], ["model 'missing' is not a folder"]),
    ("training.evaluate", ["--model", "inference/default_model", "--data", "missing.jsonl"],
     ["--data missing.jsonl: no such file or folder; accepted: articles in any supported format"]),
    ("training.evaluate", ["--model", "inference/default_model", "--data", "configs/tiny.yaml"],
     ["--data configs/tiny.yaml: cannot tell the format", "jsonl"]),
    ("training.calibration", ["--model", "missing", "--data", ARTICLES],
     ["--model missing: no such folder; accepted: a model folder saved by training"]),
    ("training.calibration", ["--model", "inference/default_model", "--data", "missing.jsonl"],
     ["--data missing.jsonl: no such file or folder"]),
    ("training.backend_gate", ["--model", "missing", "--data", ARTICLES], ["--model missing: no such folder"]),
    ("training.backend_gate", ["--model", "configs", "--data", ARTICLES],
     ["model folder configs has no config.json and no model.safetensors"]),
    ("training.ship", ["--model", "missing"], ["--model missing: no such folder"]),
    ("training.ship", ["--reevaluate", "--out", "missing"], ["--out missing: no such folder"]),
    ("training.ship", ["--reevaluate", "--judgements", "missing.jsonl"],
     ["--judgements missing.jsonl: no such file; accepted: JSON lines of judged triggers"]),
    ("training.publish", ["--model", "missing", "--repo-id", "org/name", "--dry-run"],
     ["--model missing: no such folder; accepted: a model folder saved by training"]),
    ("training.prepare_data", ["--shared", "/wrong", "--out", "unused"],
     ["--shared /wrong: no such folder; accepted: the folder of the corpora: polnear/data/train"]),
    ("training.prepare_data", ["--shared", "configs", "--out", "unused"],
     ["--shared configs: no polnear/data/train, polnear/data/dev, m2e2/text_only_event.json in it"]),
])
def test_a_wrong_file_or_folder_is_one_line_and_exit_status_2(module, args, expected):
    _one_line_error(command(module, *args), module, *expected)


def test_train_names_a_config_data_path_that_is_not_there(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(f"base: {ROOT / 'configs' / 'tiny.yaml'}\ndata: {{dev: [no-dev.jsonl]}}\n"
                      f"training: {{output_dir: {tmp_path / 'run'}}}\n")
    line = _one_line_error(command("training.train", "--config", str(config)), "training.train")
    assert f"data.dev: {tmp_path / 'no-dev.jsonl'}: no such file or folder" in line, "resolved beside the config"
    assert not (tmp_path / "run").exists()


def test_train_names_a_bad_config_key(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(f"base: {ROOT / 'configs' / 'tiny.yaml'}\nmodel: {{entity_heads: true}}\n")
    _one_line_error(command("training.train", "--config", str(config)), "training.train",
                    f"{config}: model: unknown key(s) ['entity_heads']; accepted: model_name_or_path,")


def test_ship_without_test_results_says_how_to_get_them(tiny_model_dir, tmp_path):
    _one_line_error(command("training.ship", "--model", str(tiny_model_dir), "--out", str(tmp_path / "shipped"),
                            cwd=tmp_path), "training.ship",
                    f"no test results of the weights in {tiny_model_dir}",
                    f"python -m training.evaluate --model {tiny_model_dir} --data TEST")
    assert not (tmp_path / "shipped").exists()
