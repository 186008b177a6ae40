"""Precision and recall at score thresholds: on hand-made (score, right) pairs, on hand-made articles, in the report."""

from __future__ import annotations

import pytest

from inference.core.articles import Argument, Article, Claim, Event, Span
from training.evaluation.adjudication import trigger_key
from training.evaluation.report import format_summary, markdown_report
from training.evaluation.score_outcomes import gold_outcomes, outcomes
from training.evaluation.score_thresholds import THRESHOLDS, at_thresholds, threshold_tables

TEXT = "Police said two men were arrested. The mayor said it was calm."


def at(phrase: str) -> Span:
    start = TEXT.index(phrase)
    return Span(start, start + len(phrase))


def test_precision_recall_and_kept_at_each_threshold():
    # 6 predictions (4 right), 5 gold items: the best score of a prediction right for each (None: none is)
    scores = [0.95, 0.9, 0.85, 0.75, 0.6, 0.4]
    right = [True, False, True, True, False, True]
    gold_best = [0.95, 0.85, 0.75, 0.4, None]
    table = at_thresholds(scores, right, gold_best, [0.5, 0.8, 0.9, 0.99])
    assert (table["predicted"], table["gold"]) == (6, 5)
    got = [(r["threshold"], r["kept"], r["right"], r["precision"], r["found"], r["recall"]) for r in table["rows"]]
    assert got == [(0.5, 5, 3, 3 / 5, 3, 3 / 5),
                   (0.8, 3, 2, 2 / 3, 2, 2 / 5),
                   (0.9, 2, 1, 1 / 2, 1, 1 / 5),  # a score equal to the threshold is kept
                   (0.99, 0, 0, None, 0, 0.0)]  # nothing kept: no precision to speak of


def test_the_thresholds_reported_by_default():
    assert [r["threshold"] for r in at_thresholds([0.6], [True], [0.6])["rows"]] == list(THRESHOLDS)
    assert list(THRESHOLDS) == sorted(THRESHOLDS) and all(0 < t < 1 for t in THRESHOLDS)


def test_tables_from_articles_use_the_right_of_the_calibration_error():
    said = Claim([at("Police")], [at("said")], [at("two men were arrested")])
    gold = Article("a", TEXT, [Event("Justice:Arrest-Jail", at("arrested"))], [said], ("events", "claims"))
    mayor = Claim([at("The mayor")], [at("said it")], [at("it was calm")])  # in no gold: wrong
    arrest = Event("Justice:Arrest-Jail", at("arrested"), score=0.6)
    calm = Event("Conflict:Demonstrate", at("calm"), score=0.95)  # the gold lacks it
    predicted = Article("a", TEXT, [arrest, calm], [Claim([at("Police")], [at("said")], [at("two men")], score=0.7),
                                                     Claim(mayor.source, mayor.cue, mayor.content, score=0.95)])
    tables = threshold_tables([gold], [predicted], thresholds=[0.5, 0.9])
    claims = [(r["kept"], r["precision"], r["recall"]) for r in tables["claim"]["rows"]]
    assert claims == [(2, 0.5, 1.0), (1, 0.0, 0.0)]  # the wrong claim scored higher finds no gold claim
    events = [(r["kept"], r["precision"], r["recall"]) for r in tables["event"]["rows"]]
    assert events == [(2, 0.5, 1.0), (1, 0.0, 0.0)] and tables["event"]["judged"] is False
    # judged real, the extra event counts right; recall stays against the gold
    judged = threshold_tables([gold], [predicted], {trigger_key("a", calm): "real"}, [0.5, 0.9])
    events = [(r["kept"], r["precision"], r["recall"]) for r in judged["event"]["rows"]]
    assert events == [(2, 1.0, 1.0), (1, 1.0, 0.0)] and judged["event"]["judged"] is True


def test_a_layer_nobody_annotates_has_no_table():
    gold = Article("a", TEXT, claims=[Claim([at("Police")], [at("said")], [at("two men were arrested")])],
                   layers=("claims",))
    assert list(threshold_tables([gold], [Article("a", TEXT)])) == ["claim"]


def test_the_report_shows_the_table_and_the_log_a_line():
    row = {"threshold": 0.9, "kept": 4, "right": 3, "precision": 0.75, "found": 3, "recall": 0.5}
    empty = {**row, "kept": 0, "right": 0, "precision": None, "found": 0, "recall": 0.0}
    figure = {"claim": {"predicted": 8, "gold": 6, "rows": [row]},
              "event": {"predicted": 2, "gold": 1, "rows": [empty], "judged": True}}
    markdown = markdown_report({"score_thresholds": figure}, {})
    assert "\n## Scores\n" in markdown
    assert "| score ≥ | claim precision | claim recall | claims kept | event precision (judged) | event recall " \
           "| events kept |" in markdown
    assert "| 0.9 | 75.0 | 50.0 | 4 of 8 | - | 0.0 | 0 of 2 |" in markdown
    assert format_summary({"score_thresholds": figure}).splitlines()[-1].split() == [
        "score_thresholds", "claim", "≥0.9", "P", "75.0", "R", "50.0", "(4);", "event", "≥0.9", "P", "-", "R", "0.0",
        "(0)"]


@pytest.mark.parametrize("scores", [{}, {"score_thresholds": {}}])
def test_no_table_without_figures(scores):
    assert "score ≥" not in markdown_report(scores, {})


def test_an_argument_is_right_only_under_a_gold_event_with_that_role_overlapping():
    text = "Rebels attacked the town of Homs. Police arrested him."
    attack = Event("Conflict:Attack", Span(7, 15), [Argument("Attacker", Span(0, 6)), Argument("Place", Span(20, 32))])
    gold = Article("a", text, [attack], layers=("events",))
    predicted = Article("a", text, [
        Event("Conflict:Attack", Span(7, 15), [Argument("Attacker", Span(0, 6), 0.9),  # right
                                               Argument("Target", Span(28, 32), 0.6)],  # wrong role
              score=0.8),
        Event("Justice:Arrest-Jail", Span(41, 49), [Argument("Agent", Span(34, 40), 0.7)], score=0.5)],  # no gold
        layers=("events",))
    assert outcomes([gold], [predicted])["argument"] == ([0.9, 0.6], [True, False])
    assert gold_outcomes([gold], [predicted])["argument"] == [0.9, None]  # the Place argument is missed
