"""The training workflow as documented, on tiny models: evaluate then ship, continuing from a trained model, and
the line that says a model extracts nothing."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil

import pytest
import torch

from inference.core.model_folder import EVAL_RESULTS_FILE, weights_sha256
from inference.core.schema import LabelSchema
from inference.runtime.predictor import Predictor
from tests.conftest import FIXTURES, ROOT
from training.config import load_config
from training.evaluate import find_results, score_and_report
from training.evaluate import main as evaluate_main
from training.ship import main as ship_main
from training.train import build_model

ARTICLES = str(FIXTURES / "articles.jsonl")


@pytest.fixture
def candidate(model_dir, tmp_path, monkeypatch):
    """A trained model folder with no test results yet (training without test data leaves one so), and a working
    directory of its own: evaluate's default output goes under it."""
    folder = tmp_path / "runs" / "x" / "model"
    shutil.copytree(model_dir, folder)
    (folder / EVAL_RESULTS_FILE).unlink()
    monkeypatch.chdir(tmp_path)
    return folder


def test_evaluate_then_ship_as_documented(candidate, tmp_path):
    """python -m training.evaluate --model M --data TEST, then python -m training.ship --model M (it used to end in a
    traceback: evaluate wrote to eval/<name>/, ship read M/eval_results.json)."""
    evaluate_main(["--model", "runs/x/model", "--data", ARTICLES])
    assert find_results(candidate).absolute() == tmp_path / "eval" / "x" / EVAL_RESULTS_FILE
    shipped = tmp_path / "shipped"  # never the package's inference/default_model
    ship_main(["--model", "runs/x/model", "--out", str(shipped)])
    results = json.loads((shipped / EVAL_RESULTS_FILE).read_text())
    assert results["meta"]["data"] == [ARTICLES], "the shipped weights scored on the data evaluate named"
    assert results["meta"]["weights_sha256"] == weights_sha256(shipped)
    assert (shipped / "README.md").is_file()


def test_ship_passes_over_results_of_other_weights(candidate, tmp_path):
    evaluate_main(["--model", "runs/x/model", "--data", ARTICLES])
    report = tmp_path / "eval" / "x" / EVAL_RESULTS_FILE
    stale = json.loads(report.read_text())
    report.write_text(json.dumps({**stale, "meta": {**stale["meta"], "weights_sha256": "0" * 64}}))
    with pytest.raises(FileNotFoundError, match=r"no test results of the weights in runs/x/model .*python -m "
                                                r"training\.evaluate --model runs/x/model --data TEST"):
        ship_main(["--model", "runs/x/model", "--out", str(tmp_path / "shipped")])
    assert not (tmp_path / "shipped").exists()


def test_continuing_from_a_trained_model_names_each_key_that_cannot_apply(tiny_model_dir, caplog):
    config = load_config(ROOT / "configs" / "release.yaml")  # heads, decodings and windows the tiny model lacks
    config = dataclasses.replace(config, model=dataclasses.replace(
        config.model, model_name_or_path=str(tiny_model_dir), event_tag_weight=3.0, attention_dropout=0.1))
    with caplog.at_level(logging.WARNING, logger="training.train"):
        model, _ = build_model(config, LabelSchema.default())
    warned = {record.getMessage().split(":")[0] for record in caplog.records}
    assert warned == {"model.entity_head", "model.claim_frames", "model.argument_decoding", "model.claim_decoding",
                      "model.classifier_dropout", "model.attention_dropout", "data.max_length", "data.stride"}
    assert "model.entity_head: true (the model has false) cannot apply" in caplog.text
    assert model.config.event_tag_weight == 3.0, "how to train is the run's choice: applied"
    assert (model.config.window, model.config.entity_labels) == (32, []), "the model stays as trained"


def test_continuing_with_a_config_that_matches_the_model_warns_nothing(tiny_model_dir, caplog):
    config = load_config(ROOT / "configs" / "tiny.yaml")
    model = dataclasses.replace(config.model, model_name_or_path=str(tiny_model_dir), entity_head=False,
                                argument_decoding="tags", claim_frames=False, claim_decoding="linker")
    with caplog.at_level(logging.WARNING, logger="training.train"):
        build_model(dataclasses.replace(config, model=model), LabelSchema.default())
    assert not caplog.records, caplog.text


def test_a_model_that_extracts_nothing_says_so(tokenizer, articles, tmp_path, caplog):
    from tests.conftest import make_tiny_model

    model = make_tiny_model(tokenizer)
    with torch.no_grad():  # every head says O: what the tiny smoke config trains to
        for head in (model.claim_head, model.trigger_head):
            head.weight.zero_()
            head.bias.copy_(torch.tensor([10.0] + [0.0] * (head.bias.numel() - 1)))
    model.save_pretrained(tmp_path / "model")
    with caplog.at_level(logging.WARNING, logger="training.evaluate"):
        score_and_report(Predictor(model, tokenizer, device="cpu"), articles, tmp_path / "out", {"model": "m"},
                         tmp_path / "model")
    assert "the model extracted nothing from the 6 articles: every score is 0. Expected of a smoke test " \
           "(configs/tiny.yaml)" in caplog.text
