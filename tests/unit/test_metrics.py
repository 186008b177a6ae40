"""Span metrics, the in-repo seqeval metric and the evaluation report, on small hand-written articles."""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path

import pytest

from inference.core.articles import Argument, Article, Claim, Entity, Event, Span
from tests.processes import run_command
from training.evaluation.report import format_summary, write_report
from training.evaluation.span_metrics import METRIC_PATH, TASKS, flat_metrics, load_seqeval, span_scores

TEXT = "Police arrested two men in Paris after the attack, the ministry said."
NESTED = "Officials said the mayor told reporters the bridge was safe."


def at(phrase: str, nth: int = 0, text: str = TEXT) -> Span:
    """The character span of the nth occurrence of a phrase."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(phrase, start + 1)
    return Span(start, start + len(phrase))


def arrest(event_type: str = "Justice:Arrest-Jail", person: str = "two men") -> Event:
    return Event(event_type, at("arrested"), [Argument("Agent", at("Police")), Argument("Person", at(person))])


def claim(source: str = "the ministry", cue: str = "said") -> Claim:
    return Claim([at(source)], [at(cue)],
                 [at("Police arrested two men in Paris after the attack")])


def article(events=(), claims=(), layers=("events", "claims"), id="a", text=TEXT) -> Article:
    return Article(id, text, list(events), list(claims), layers)


def gold_article() -> Article:
    attack = Event("Conflict:Attack", at("attack"), [Argument("Place", at("Paris"))])
    gold = article([arrest(), attack], [claim()], layers=("events", "claims", "entities"))
    gold.entities = [Entity("GPE", at("Paris"))]
    return gold


def test_perfect_prediction_scores_one_everywhere():
    gold = [gold_article()]
    scores = span_scores(gold, copy.deepcopy(gold))
    assert set(scores) == set(TASKS) - {"arguments_gold_triggers"}  # a second extraction: evaluate_articles' own
    for name, task in scores.items():
        assert task["exact"]["f1"] == pytest.approx(1.0), name
        assert task["overlap"]["f1"] == pytest.approx(1.0), name
        assert all(s["f1"] == pytest.approx(1.0) for s in task["exact"]["per_type"].values()), name
        if name != "linked_claims":  # whole claims are not tagged: nothing to drop
            assert task["dropped_overlapping"] == {"gold": 0, "pred": 0}
    assert scores["trigger_classification"]["exact"]["support"] == 2
    assert scores["argument_classification"]["exact"]["support"] == 3
    assert set(scores["claims"]["exact"]["per_type"]) == {"source", "cue", "content"}
    assert flat_metrics(scores)["overall_f1"] == pytest.approx(1.0)


def test_boundary_off_by_one_word_is_exact_zero_but_overlaps():
    gold = [article(claims=[claim()], layers=("claims",))]
    pred = [article(claims=[claim(source="ministry", cue="ministry said")])]
    scores = span_scores(gold, pred)
    cue, source = scores["claim_cue"], scores["claim_source"]
    assert cue["exact"]["f1"] == 0.0 and source["exact"]["f1"] == 0.0
    # cue: 4 of the 13 predicted characters are gold ("said"), all 4 gold characters are found.
    assert cue["overlap"]["precision"] == pytest.approx(4 / 13)
    assert cue["overlap"]["recall"] == pytest.approx(1.0)
    assert cue["overlap"]["f1"] == pytest.approx(2 * (4 / 13) / (4 / 13 + 1))
    # source: "ministry" is 8 of the 12 gold characters of "the ministry".
    assert source["overlap"]["precision"] == pytest.approx(1.0)
    assert source["overlap"]["recall"] == pytest.approx(8 / 12)
    assert scores["claim_content"]["exact"]["f1"] == pytest.approx(1.0)
    # claims: 1 of 3 predicted parts exactly right, 1 of 3 gold parts found.
    assert scores["claims"]["exact"]["precision"] == pytest.approx(1 / 3)
    assert scores["claims"]["exact"]["per_type"]["content"]["f1"] == pytest.approx(1.0)


def test_boundary_inside_a_word_snaps_outward():
    said = at("said")
    gold = [article(claims=[claim()], layers=("claims",))]
    pred = [article(claims=[Claim([at("the ministry")], [Span(said.start, said.start + 2)],
                                  claim().content)])]
    cue = span_scores(gold, pred)["claim_cue"]
    assert cue["exact"]["f1"] == pytest.approx(1.0)  # "sa" tags the word "said"
    assert cue["overlap"]["recall"] == pytest.approx(0.5)  # but covers only 2 of its 4 characters


def test_wrong_event_type_identified_but_misclassified_and_arguments_wrong():
    gold = [article([arrest()], layers=("events",))]
    pred = [article([arrest("Conflict:Attack")])]
    scores = span_scores(gold, pred)
    assert scores["trigger_identification"]["exact"]["f1"] == pytest.approx(1.0)
    classification = scores["trigger_classification"]["exact"]
    assert (classification["precision"], classification["recall"], classification["f1"]) == (0.0, 0.0, 0.0)
    assert classification["per_type"]["Justice:Arrest-Jail"]["support"] == 1
    assert classification["per_type"]["Conflict:Attack"]["support"] == 0
    arguments = scores["argument_classification"]
    assert arguments["exact"]["f1"] == 0.0 and arguments["exact"]["support"] == 2
    assert arguments["overlap"]["f1"] == 0.0  # same words, but under another event type
    flat = flat_metrics(scores)
    assert flat["trigger_identification_f1"] == pytest.approx(1.0)
    assert flat["overall_f1"] == 0.0  # identification is not a headline task
    assert "claim_cue_f1" not in flat


def test_layer_not_annotated_in_gold_is_not_scored():
    claims_only = article(claims=[claim()], layers=("claims",), id="polnear")
    events_only = article([arrest()], layers=("events",), id="m2e2")
    pred = [article([arrest("Life:Die")], [claim()], id="polnear"), article([arrest()], [claim()], id="m2e2")]
    scores = span_scores([claims_only, events_only], pred)
    # The event predicted in the claims-only article is no false positive; the claim in the other is none either.
    assert scores["trigger_classification"]["exact"]["precision"] == pytest.approx(1.0)
    assert scores["trigger_classification"]["articles"] == 1
    assert "Life:Die" not in scores["trigger_classification"]["exact"]["per_type"]
    assert scores["claims"]["exact"]["precision"] == pytest.approx(1.0)
    assert set(span_scores([claims_only], pred[:1])) == {"claim_source", "claim_cue", "claim_content", "claims",
                                                         "linked_claims"}


def test_per_type_numbers():
    attack = Event("Conflict:Attack", at("attack"), [Argument("Place", at("Paris"))])
    die = Event("Life:Die", at("attack"))
    gold = [article([arrest(), attack], layers=("events",))]
    pred = [article([arrest(person="men"), die])]
    scores = span_scores(gold, pred)
    per_type = scores["trigger_classification"]["exact"]["per_type"]
    assert per_type["Justice:Arrest-Jail"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert per_type["Conflict:Attack"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert per_type["Life:Die"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert scores["trigger_classification"]["exact"]["f1"] == pytest.approx(0.5)
    roles = scores["argument_classification"]["exact"]["per_type"]
    assert set(roles) == {"Agent", "Person", "Place"}
    assert roles["Agent"]["f1"] == 1.0 and roles["Person"]["f1"] == 0.0 and roles["Place"]["support"] == 1
    # Agent right of 2 predicted; Agent found of 3 gold (Person "men" is off, Place's event is missing).
    assert scores["argument_classification"]["exact"]["precision"] == pytest.approx(1 / 2)
    assert scores["argument_classification"]["exact"]["recall"] == pytest.approx(1 / 3)
    person = scores["argument_classification"]["overlap"]["per_type"]["Person"]
    assert person["precision"] == pytest.approx(1.0) and person["recall"] == pytest.approx(3 / 7)


def test_overlapping_spans_are_counted_as_dropped():
    outer = Claim([at("Officials", text=NESTED)], [at("said", text=NESTED)],
                  [at("the mayor told reporters the bridge was safe", text=NESTED)])
    inner = Claim([at("the mayor", text=NESTED)], [at("told", text=NESTED)], [at("the bridge was safe", text=NESTED)])
    gold = [article(claims=[outer, inner], layers=("claims",), text=NESTED)]
    pred = [article(claims=[outer], text=NESTED)]
    scores = span_scores(gold, pred)
    content = scores["claim_content"]
    assert content["dropped_overlapping"] == {"gold": 1, "pred": 0}
    # The first (outer) content is kept, so the prediction of it is exactly right.
    assert content["exact"]["f1"] == pytest.approx(1.0) and content["exact"]["support"] == 1
    assert scores["claim_source"]["dropped_overlapping"] == {"gold": 0, "pred": 0}
    assert scores["claim_source"]["exact"]["recall"] == pytest.approx(0.5)
    assert scores["claims"]["dropped_overlapping"] == {"gold": 1, "pred": 0}
    # Two events on one trigger: IOB2 holds one, the other is counted on both trigger tasks.
    twice = [article([arrest(), arrest("Conflict:Attack")], layers=("events",))]
    scores = span_scores(twice, copy.deepcopy(twice))
    assert scores["trigger_identification"]["dropped_overlapping"] == {"gold": 1, "pred": 1}
    per_type = scores["trigger_classification"]["exact"]["per_type"]
    assert per_type["Justice:Arrest-Jail"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert per_type["Conflict:Attack"]["support"] == 0  # listed, though its only span was dropped


def nested(source: str, cue: str, content: str) -> Claim:
    return Claim([at(source, text=NESTED)] if source else [], [at(cue, text=NESTED)], [at(content, text=NESTED)])


OUTER = ("Officials", "said", "the mayor told reporters the bridge was safe")
INNER = ("the mayor", "told", "the bridge was safe")


def linked_scores(gold_claims: list[Claim], pred_claims: list[Claim]) -> dict:
    gold = [article(claims=gold_claims, layers=("claims",), text=NESTED)]
    return span_scores(gold, [article(claims=pred_claims, text=NESTED)])


def test_whole_claims_need_every_part_linked_to_the_right_claim():
    swapped = [nested("Officials", "told", OUTER[2]), nested("the mayor", "said", INNER[2])]
    scores = linked_scores([nested(*OUTER), nested(*INNER)], swapped)
    assert scores["claim_cue"]["exact"]["f1"] == pytest.approx(1.0)  # every part is right...
    assert scores["claim_source"]["exact"]["f1"] == pytest.approx(1.0)
    linked = scores["linked_claims"]  # ...but no claim is
    assert (linked["exact"]["f1"], linked["overlap"]["f1"], linked["exact"]["support"]) == (0.0, 0.0, 2)
    # Both nested claims count whole, though one IOB2 sequence holds only the outer content.
    assert scores["claim_content"]["dropped_overlapping"] == {"gold": 1, "pred": 1}
    both = linked_scores([nested(*OUTER), nested(*INNER)], [nested(*OUTER), nested(*INNER)])["linked_claims"]
    assert both["exact"]["f1"] == pytest.approx(1.0) and both["exact"]["support"] == 2


def test_whole_claim_with_a_boundary_error_overlaps_but_is_not_exact():
    scores = linked_scores([nested(*INNER)], [nested("mayor", "told", "the bridge was safe.")])
    linked = scores["linked_claims"]
    assert linked["exact"]["f1"] == 0.0
    assert linked["overlap"]["precision"] == pytest.approx(1.0) and linked["overlap"]["recall"] == pytest.approx(1.0)
    assert linked["overlap"]["per_type"]["named source"]["support"] == 1


def test_whole_claims_pair_one_to_one_and_by_named_or_absent_source():
    # A claim without a named source does not match one with a source, and a claim predicted twice counts once.
    gold = [nested("", "said", OUTER[2]), nested(*INNER)]
    pred = [nested("Officials", "said", OUTER[2]), nested(*INNER), nested(*INNER)]
    linked = linked_scores(gold, pred)["linked_claims"]
    for match in ("exact", "overlap"):
        assert linked[match]["precision"] == pytest.approx(1 / 3) and linked[match]["recall"] == pytest.approx(1 / 2)
    per_type = linked["exact"]["per_type"]
    assert per_type["no source"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert per_type["named source"]["precision"] == pytest.approx(1 / 3)
    assert per_type["named source"]["recall"] == pytest.approx(1.0)


def test_mismatched_articles_raise_naming_the_id():
    gold = [article(id="a"), article(id="b")]
    with pytest.raises(ValueError, match="'b' has no prediction"):
        span_scores(gold, [article(id="a"), article(id="c")])
    with pytest.raises(ValueError, match="'c' has no gold"):
        span_scores(gold, [article(id="a"), article(id="b"), article(id="c")])
    with pytest.raises(ValueError, match="'b': the predicted text differs"):
        span_scores(gold, [article(id="a"), article(id="b", text=TEXT + " ")])


def test_metric_is_strict_iob2_by_default():
    metric = load_seqeval()
    stray_inside = {"predictions": [["I-x", "I-x", "O"]], "references": [["B-x", "I-x", "O"]]}
    assert metric.compute(**stray_inside)["overall_f1"] == 0.0
    assert metric.compute(**stray_inside, mode=None, scheme=None)["overall_f1"] == 1.0
    result = metric.compute(predictions=[["B-x", "O", "B-y"]], references=[["B-x", "O", "O"]])
    assert result["x"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "number": 1}
    assert result["overall_precision"] == 0.5 and result["overall_recall"] == 1.0
    with pytest.raises(ValueError, match="accepted: IOB1"):
        metric.compute(**stray_inside, scheme="BIO")


def test_metric_loads_by_file_path_offline(tmp_path):
    assert METRIC_PATH.is_file()
    code = ("import evaluate, sys; m = evaluate.load(sys.argv[1]); "
            "print(m.compute(predictions=[['B-cue', 'O']], references=[['B-cue', 'O']])['overall_f1'])")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_EVALUATE_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "HF_MODULES_CACHE": str(tmp_path / "modules"), "HF_HOME": str(tmp_path / "home")}
    done = run_command(sys.executable, "-c", code, str(METRIC_PATH), env=env, cwd=tmp_path, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "1.0"


def test_report_files(tmp_path):
    gold = [gold_article()]
    scores = span_scores(gold, copy.deepcopy(gold))
    meta = {"model": "runs/x/model", "data": Path("dev.jsonl"), "articles": 1, "device": "cpu", "seconds": 0.5}
    json_path, md_path = write_report(scores, tmp_path / "out", meta)
    assert (json_path.name, md_path.name) == ("eval_results.json", "eval_results.md")
    written = json.loads(json_path.read_text())
    assert written["meta"]["data"] == "dev.jsonl" and written["summary"]["overall_f1"] == pytest.approx(1.0)
    assert written["scores"]["claim_cue"]["exact"]["f1"] == pytest.approx(1.0)
    markdown = md_path.read_text()
    for heading in ("# Evaluation results", "## Summary", "## Trigger classification", "## Argument classification",
                    "## Claim cue", "## Claims (all parts)", "## Whole claims (source, cue and content linked)"):
        assert f"\n{heading}\n" in "\n" + markdown, heading
    assert "| Claim cue | 100.0 | 100.0 | 100.0 | 100.0 | 1 |" in markdown
    assert "| Conflict:Attack | 100.0 | 100.0 | 100.0 | 100.0 | 1 |" in markdown
    summary = format_summary(scores)
    assert "argument_classification" in summary and summary.splitlines()[-1].split() == ["overall_f1", "100.0"]


def test_entities_are_scored_by_type_on_entity_annotated_articles_only():
    gold = gold_article()
    pred = copy.deepcopy(gold)
    pred.entities = [Entity("LOC", at("Paris"))]  # right span, wrong type
    scores = span_scores([gold], [pred])
    assert scores["entities"]["exact"]["f1"] == 0.0 and scores["entities"]["overlap"]["f1"] == 0.0
    assert "entities" not in span_scores([article()], [article()])  # not annotated: not scored
    assert flat_metrics(scores)["overall_f1"] == flat_metrics(span_scores([gold], [gold]))["overall_f1"]  # not headline
