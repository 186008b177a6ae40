"""The shipped default model's results and card describe its weights, and ``training.ship`` keeps it that way."""

from __future__ import annotations

import json
from pathlib import Path

from huggingface_hub import ModelCard

from inference.core.model_folder import EVAL_REPORT_FILE, EVAL_RESULTS_FILE, weights_sha256
from inference.interface.api import DEFAULT_MODEL
from tests.conftest import FIXTURES, ROOT
from training.evaluate import shown_path
from training.evaluation.report import format_summary
from training.model_card import render_model_card
from training.ship import main, ship

REGENERATE = "python -m training.ship --reevaluate"  # the test data and judgements the shipped results name


def check_describes_its_weights(folder: Path) -> dict:
    """Assert that eval_results.{json,md} and the card of ``folder`` name the sha256 of its weights, and that the
    card's figures are those of eval_results.json; returns the results."""
    sha = weights_sha256(folder)
    results = json.loads((folder / EVAL_RESULTS_FILE).read_text(encoding="utf-8"))
    assert results["meta"].get("weights_sha256") == sha, f"{folder}: results of other weights; run {REGENERATE}"
    assert sha in (folder / EVAL_REPORT_FILE).read_text(encoding="utf-8")
    card = ModelCard.load(folder / "README.md")
    assert f"sha256 `{sha}`" in card.text, f"{folder}: the card describes other weights; run {REGENERATE}"
    assert card.data.eval_results == render_model_card(folder, card.data.model_name).data.eval_results, \
        f"{folder}: the card's figures are not those of {EVAL_RESULTS_FILE}; run {REGENERATE}"
    return results


def test_shipped_results_and_card_describe_the_shipped_weights():
    results = check_describes_its_weights(DEFAULT_MODEL)
    # docs/results.md shows what the evaluation printed for these weights
    shown = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")
    assert f"```\n{format_summary(results['scores'])}\n```" in shown


def test_ship_evaluates_the_shipped_weights_and_records_their_hash(model_dir, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)  # reports name data as given; nothing may land in the working directory's eval/
    judged = tmp_path / "judgements.jsonl"
    judged.write_text("")  # no prediction judged: only where the results record it matters here
    out = ship(model_dir, tmp_path / "shipped", force=True, data=[str(FIXTURES / "articles.jsonl")],
               judgements=[judged])
    results = check_describes_its_weights(out)
    assert results["meta"]["weights_sha256"] != weights_sha256(model_dir), "fp16 weights: not the candidate's file"
    assert json.loads((out / "config.json").read_text())["dtype"] == "float32"  # what from_pretrained casts them to
    assert results["meta"]["data"] == [str(FIXTURES / "articles.jsonl")]
    assert results["meta"]["judgements"] == [shown_path(judged)]  # as the data: relative where it can be
    assert not (tmp_path / "eval").exists()

    stale = {**results, "meta": {**results["meta"], "weights_sha256": "0" * 64}}
    (out / EVAL_RESULTS_FILE).write_text(json.dumps(stale))
    main(["--reevaluate", "--out", str(out)])  # on the data and judgements the shipped results name
    assert check_describes_its_weights(out)["meta"]["judgements"] == [shown_path(judged)]
