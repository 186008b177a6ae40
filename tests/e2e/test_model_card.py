"""The model card rendered into a model folder: every section filled, the numbers from the files beside it."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from huggingface_hub import ModelCard

from inference.core.model_folder import DEFAULT_MODEL
from inference.core.schema import LabelSchema
from inference.ecosystem.transformers_pipeline import TASK
from tests.e2e.test_publish import REPO, ROWS, run_card_code, sections
from tests.processes import command_env
from training.model_card import EVENT_EXAMPLES, render_model_card, write_model_card


@pytest.mark.parametrize("evaluated", [True, False])
def test_card_has_every_section_filled(model_dir, tmp_path, evaluated):
    folder = tmp_path / "model"
    folder.mkdir()
    for file in model_dir.iterdir():
        if evaluated or not file.name.startswith("eval_results"):
            (folder / file.name).write_bytes(file.read_bytes())
    card = ModelCard.load(write_model_card(folder, model_id=REPO))
    text = str(card)
    for leftover in ("{{", "}}", "{%", "None", "nan"):
        assert leftover not in text, leftover
    found = sections(card.text)
    assert list(found) == ["What it extracts", "Intended use", "Out-of-scope use", "How to use", "Training data",
                           "Evaluation", "Limitations and biases", "Training procedure", "Framework versions"]
    for title, body in found.items():
        assert body.strip(), f"section {title!r} is empty"
    assert f"\n# {REPO}\n" in card.text
    assert card.data.model_name == REPO
    for event_type in LabelSchema.default().event_types:  # one example per event type
        assert re.search(rf"^\| {re.escape(event_type)} \| .+ \| \".+\": trigger \*\*\w+\*\*", text, re.MULTILINE)
    for part in ("source", "cue", "content"):
        assert re.search(rf"^\| {part} \| .+ \| \".*\*\*.+\*\*.*\" \|$", text, re.MULTILINE)
    # the saved config's data paths are absolute (they load from anywhere): the card shows their names only
    assert "trained on `articles.jsonl`" in found["Training data"]
    assert "learning_rate | 0.001" in found["Training procedure"] and "max_steps | 6" in found["Training procedure"]
    if evaluated:
        scores = json.loads((folder / "eval_results.json").read_text())["scores"]
        reported = {r.metric_name: r.metric_value for r in card.data.eval_results}
        assert len(reported) == 2 * len(ROWS)  # exact and overlap F1 of each layer
        assert reported["Claim content overlap F1"] == round(100 * scores["claim_content"]["overlap"]["f1"], 1)
        assert reported["Trigger classification exact F1"] == round(
            100 * scores["trigger_classification"]["exact"]["f1"], 1)
        assert "| Claim cue |" in found["Evaluation"] and "6 articles" in found["Evaluation"]
    else:
        assert card.data.eval_results is None and "Not evaluated yet" in found["Evaluation"]


def test_card_lists_the_corpora_the_model_was_trained_on(model_dir, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(model_dir, folder)
    # the corpora listed, before the note on splits; a model without recorded corpora predates WikiEvents and RAMS
    early = sections(ModelCard.load(write_model_card(folder)).text)["Training data"].split("Splits are")[0]
    assert "**PolNeAR v1.0.0**" in early and "**M2E2**" in early and "RAMS" not in early
    train = json.loads((folder / "train_results.json").read_text())
    (folder / "train_results.json").write_text(json.dumps({**train, "training_corpora": {"polnear": 3, "rams": 2}}))
    text = sections(ModelCard.load(write_model_card(folder)).text)["Training data"].split("Splits are")[0]
    assert "**PolNeAR v1.0.0**" in text and "**RAMS 1.0 (dev file)**" in text and "CC BY-SA 4.0" in text
    assert "**M2E2**" not in text and "WikiEvents" not in text


def test_card_shows_precision_and_recall_at_score_thresholds(model_dir, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(model_dir, folder)
    results = json.loads((folder / "eval_results.json").read_text())

    def rows(*figures):
        return [{"threshold": t, "kept": k, "right": 0, "precision": p, "found": 0, "recall": r}
                for t, k, p, r in figures]

    results["scores"]["score_thresholds"] = {
        "claim": {"predicted": 120, "gold": 110, "rows": rows((0.5, 100, 0.8, 0.7), (0.8, 60, 0.92, 0.5),
                                                              (0.9, 30, 0.97, 0.25))},
        "event": {"predicted": 9, "gold": 7, "rows": rows((0.5, 8, 0.5, 0.6), (0.8, 2, 1.0, 0.3), (0.9, 0, None, 0.0)),
                  "judged": False}}
    (folder / "eval_results.json").write_text(json.dumps(results))
    found = sections(render_model_card(folder, model_id=REPO).text)
    evaluation = found["Evaluation"]
    assert "| score ≥ | claim precision | claim recall | claims kept | event precision | event recall | events kept |" \
           in evaluation
    assert "| 0.5 | 80.0 | 70.0 | 100 of 120 | 50.0 | 60.0 | 8 of 9 |" in evaluation
    assert "| 0.9 | 97.0 | 25.0 | 30 of 120 | - | 0.0 | 0 of 9 |" in evaluation
    # how to read it, with the lowest threshold whose claims are right 9 times in 10
    assert "`extract(text, threshold=0.8)` keeps claims right 92.0 times in 100" in evaluation
    assert list(found)[list(found).index("Evaluation") + 1] == "Limitations and biases"
    for nothing in ({}, None):  # nothing measured, or results from before the table: the card as it was
        results["scores"]["score_thresholds"] = nothing
        (folder / "eval_results.json").write_text(json.dumps(results))
        assert "score ≥" not in render_model_card(folder, model_id=REPO).text


def test_card_examples_use_the_schema_roles():
    schema = LabelSchema.default()
    assert set(EVENT_EXAMPLES) == set(schema.event_types)
    for event_type, (sentence, trigger, arguments) in EVENT_EXAMPLES.items():
        assert trigger in sentence and all(text in sentence for text in arguments.values())
        assert set(arguments) <= set(schema.event_roles[event_type]), event_type


@pytest.mark.slow  # 15 s; the default run has the published card's, the same template loading by repo id
def test_shipped_cards_code_runs_as_printed(tmp_path):
    """The shipped card's "How to use" as a user copies it, each block in a new interpreter, outside the checkout."""
    card = (DEFAULT_MODEL / "README.md").read_text(encoding="utf-8")
    assert run_card_code(card, tmp_path, command_env()) == 3


def test_card_metadata_is_what_a_user_can_do(model_dir):
    """No pipeline_tag: transformers' token-classification pipeline cannot run the model (its own task is a tag)."""
    data = render_model_card(model_dir, model_id=REPO).data
    assert data.library_name == "transformers" and data.pipeline_tag is None
    assert TASK in data.tags and data.base_model == "sentence-transformers/all-MiniLM-L6-v2"
