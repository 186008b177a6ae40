"""Adjudicated trigger precision: predictions the gold lacks count when a judge called them real events."""

from __future__ import annotations

import json

import pytest

from inference.core.articles import Article, DataError, Event, Span
from training.evaluation.adjudication import adjudicated_triggers, read_judgements

TEXT = "Rebels attacked the town. The attack killed five. Talks resumed."


def article(*events: Event) -> Article:
    return Article("doc", TEXT, list(events), layers=("events",))


def test_judged_real_counts_right_unjudged_and_other_verdicts_count_wrong(tmp_path):
    gold = article(Event("Conflict:Attack", Span(7, 15)))
    predicted = article(Event("Conflict:Attack", Span(7, 15)), Event("Conflict:Attack", Span(30, 36)),
                        Event("Life:Die", Span(37, 43)), Event("Contact:Meet", Span(50, 55)))
    path = tmp_path / "judged.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in [
        {"doc": "doc", "start": 30, "end": 36, "type": "Conflict:Attack", "verdict": "real"},
        {"doc": "doc", "start": 37, "end": 43, "type": "Life:Die", "verdict": "borderline"},
        {"doc": "doc", "start": 50, "end": 55, "type": "Life:Die", "verdict": "real"},  # another type: not this one
    ]) + "\n")
    scores = adjudicated_triggers([gold], [predicted], read_judgements([path]))
    assert scores["precision"] == pytest.approx(1 / 4) and scores["recall"] == 1.0
    assert scores["adjudicated_precision"] == pytest.approx(2 / 4)
    assert scores["verdicts"] == {"borderline": 1, "real": 1, "unjudged": 1}


def test_articles_without_the_events_layer_are_not_scored():
    claims_only = Article("doc", TEXT, [], layers=("claims",))
    scores = adjudicated_triggers([claims_only], [article(Event("Life:Die", Span(37, 43)))], {})
    assert scores["predicted"] == 0 and scores["adjudicated_precision"] == 0.0


@pytest.mark.parametrize("line, message", [
    ('{"doc": "d", "start": 1, "end": 2, "type": "Life:Die", "verdict": "maybe"}', "verdict 'maybe'; accepted: real"),
    ('{"doc": "d", "start": 1, "type": "Life:Die", "verdict": "real"}', "not a judgement"),
    ("not json", "not a judgement"),
])
def test_a_bad_judgement_line_is_an_error_naming_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"doc": "d", "start": 1, "end": 2, "type": "Life:Die", "verdict": "real"}\n' + line + "\n")
    with pytest.raises(DataError, match=f"bad.jsonl:2: {message}"):
        read_judgements([path])
