"""The training command lines: their help texts, and where ``training.evaluate`` writes its reports."""

from __future__ import annotations

import importlib
import json

import pytest

from tests.conftest import FIXTURES
from training.data.importers import FORMATS
from training.evaluate import main as evaluate_main

COMMANDS = ["training.train", "training.evaluate", "training.calibration", "training.ship", "training.publish",
            "training.prepare_data"]


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
