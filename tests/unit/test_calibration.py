"""The trigger threshold chosen on judged triggers: hand-made predictions per threshold, no model."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from inference.core.articles import Article, Event, Span
from training import calibration
from training.evaluation import scoring
from training.evaluation.adjudication import adjudicated_triggers

TEXT = "He was killed. The attack hit. Troops fled. Police arrested two."
WORDS = {"killed": "Life:Die", "attack": "Conflict:Attack", "hit": "Conflict:Attack", "fled": "Movement:Transport",
         "arrested": "Justice:Arrest-Jail"}


def event(word: str) -> Event:
    start = TEXT.index(word)
    return Event(WORDS[word], Span(start, start + len(word)))


def key(word: str, doc: str = "a") -> tuple[str, int, int, str]:
    e = event(word)
    return doc, e.trigger.start, e.trigger.end, e.type


def gold(doc: str = "a", corpus: str = "m2e2") -> Article:
    return Article(doc, TEXT, [event("killed"), event("attack")], layers=("events",), meta={"corpus": corpus})


# What the model would predict at each trigger threshold: argmax finds one gold trigger, 0.5 both and three words
# the gold lacks, which make 0.5 lose against the gold (trigger F1 0.57 to argmax's 0.67).
EXTRA = ["hit", "fled", "arrested"]
PREDICTED = {None: ["killed"], 0.5: ["killed", "attack", *EXTRA]}


@pytest.fixture
def fake_scoring(monkeypatch):
    """``evaluate_articles`` replaced by the hand-made predictions of the current trigger threshold, scored for
    triggers as the real one scores them (gold F1, and ``triggers_adjudicated`` when given judgements)."""
    def evaluate_articles(predictor, articles, gold_triggers=True, judgements=None, progress=False):
        words = PREDICTED[predictor.trigger_threshold]
        predicted = [Article(a.id, a.text, [event(w) for w in words]) for a in articles]
        judged = adjudicated_triggers(articles, predicted, judgements or {})
        scores = {"trigger_classification": {"exact": {"f1": judged["f1"]}},
                  "argument_classification": {"exact": {"f1": 0.0}}}
        if judgements is not None:
            scores["triggers_adjudicated"] = judged
        return scores, predicted

    monkeypatch.setattr(scoring, "evaluate_articles", evaluate_articles)
    return SimpleNamespace(trigger_threshold=None, argument_threshold=None)


def trigger_choice(predictor, dev, **options) -> float | None:
    return calibration.calibrate_thresholds(predictor, dev, grid=(0.5,), **options)["trigger_threshold"][0]


def test_extra_triggers_judged_real_make_the_lower_threshold_win(fake_scoring):
    dev = [gold()]
    assert trigger_choice(fake_scoring, dev) is None  # gold F1: the extra words count wrong
    assert trigger_choice(fake_scoring, dev, judgements={}) is None  # unjudged counts wrong too
    real = {key(word): "real" for word in EXTRA}
    assert trigger_choice(fake_scoring, dev, judgements=real) == 0.5
    assert fake_scoring.trigger_threshold == 0.5
    one = {key("fled"): "real", key("hit"): "borderline", key("arrested"): "other-type"}  # adjudicated F1 0.75
    assert trigger_choice(fake_scoring, dev, judgements=one) == 0.5
    assert trigger_choice(fake_scoring, dev, judgements={key("fled"): "not-event"}) is None


def test_a_threshold_under_the_precision_floor_on_one_corpus_is_passed_over(fake_scoring):
    dev = [gold("a", "m2e2"), gold("b", "wikievents")]
    # Every extra word real in a, one of three in b: pooled precision 8/10 passes a floor of 0.8, b's 3/5 does not.
    judged = {**{key(word, "a"): "real" for word in EXTRA}, key("fled", "b"): "real"}
    assert trigger_choice(fake_scoring, dev, judgements=judged) == 0.5
    assert trigger_choice(fake_scoring, dev, judgements=judged, min_precision=0.8) is None
    assert trigger_choice(fake_scoring, dev, judgements=judged, min_precision=0.6) == 0.5
