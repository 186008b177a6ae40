"""The predictor on a tiny random model whose heads are scaled up, so it predicts many (random) spans."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from inference.runtime.predictor import Predictor
from tests.conftest import make_tiny_model


@pytest.fixture(scope="module")
def predictor(tokenizer):
    model = make_tiny_model(tokenizer, seed=3, window=16, stride=4)
    with torch.no_grad():
        for head in (model.claim_head, model.trigger_head, model.argument_head.out):
            head.weight.mul_(300.0)  # sharp, varied predictions from a random model
    # float64: batches of other sizes run other matmul kernels, and float32's last-bit differences, times the 300
    # above, flipped near-tied tags between a text run alone and in a batch (texts=['0', '1=>Ù᠀01᐀È'])
    return Predictor(model.double(), tokenizer, batch_size=3, device="cpu")


def check_offsets(article):
    for span in article.spans():
        assert 0 <= span.start < span.end <= len(article.text)
    data = article.to_dict()
    for event in data["events"]:
        assert article.text[event["trigger"]["start"] : event["trigger"]["end"]] == event["trigger"]["text"]


def test_predicts_linked_structures(predictor, articles):
    predictions = predictor.predict([a.text for a in articles], ids=[a.id for a in articles])
    assert [p.id for p in predictions] == [a.id for a in articles]
    assert sum(len(p.events) for p in predictions) > 0 and sum(len(p.claims) for p in predictions) > 0
    schema = predictor.schema
    for prediction in predictions:
        check_offsets(prediction)
        for event in prediction.events:
            assert event.type in schema.event_roles
            assert 0.0 <= event.score <= 1.0
            for argument in event.arguments:
                assert argument.role in schema.event_roles[event.type]  # roles are constrained by the event type
                assert not argument.span.overlaps(event.trigger)


def test_empty_and_blank_texts(predictor):
    for article in predictor.predict(["", "   \n\t", "."]):
        check_offsets(article)
    assert predictor.predict([""])[0].events == []


@settings(max_examples=25)
@given(st.lists(st.text(min_size=0, max_size=120), min_size=1, max_size=4))
def test_any_text_gives_valid_offsets_and_batching_does_not_matter(predictor, texts):
    together = predictor.predict(texts)
    for text, article in zip(texts, together, strict=True):
        check_offsets(article)
        alone = predictor.predict([text])[0]
        assert alone.to_dict()["events"] == article.to_dict()["events"]
        assert alone.to_dict()["claims"] == article.to_dict()["claims"]


def test_long_article_is_windowed_without_duplicates(predictor, articles):
    text = " ".join(a.text for a in articles) * 5
    article = predictor.predict([text])[0]
    check_offsets(article)
    triggers = [e.trigger for e in article.events]
    assert len(triggers) == len(set(triggers))
    parts = [span for claim in article.claims for _, span in claim.parts()]
    assert len(parts) == len(set(parts))
    assert all(not a.overlaps(b) for a, b in zip(sorted(parts), sorted(parts)[1:], strict=False))


def test_trigger_threshold_finds_more_triggers_and_calibration_picks_the_best(predictor, articles):
    from training.calibration import GRID, calibrate_thresholds

    texts = [a.text for a in articles]
    predictor.trigger_threshold = None
    argmax = sum(len(p.events) for p in predictor.predict(texts))
    predictor.trigger_threshold = 0.05
    low = sum(len(p.events) for p in predictor.predict(texts))
    assert low >= argmax  # a lower bar for "not O" never tags fewer trigger words
    chosen = calibrate_thresholds(predictor, articles)
    assert list(chosen) == ["trigger_threshold", "argument_threshold"]
    for attribute, (best, results) in chosen.items():
        assert list(results) == [None, *GRID]
        assert best == max(results, key=lambda t: results[t]) and getattr(predictor, attribute) == best
    predictor.trigger_threshold = predictor.argument_threshold = None
