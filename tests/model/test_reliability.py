"""The reliability diagram, drawn from a tiny model's output on the fixture articles."""

from __future__ import annotations

from inference import Predictor
from tests.conftest import make_sharp_model
from training.evaluation.reliability import reliability_diagram
from training.evaluation.score_outcomes import outcomes
from training.evaluation.scoring import evaluate_articles


def test_the_diagram_of_a_tiny_models_scores_is_a_png(tmp_path, tokenizer, articles):
    predictor = Predictor(make_sharp_model(tokenizer), tokenizer, device="cpu")
    _, predicted = evaluate_articles(predictor, articles)
    found = outcomes(articles, predicted)
    assert found["claim"][0] or found["event"][0], "a sharpened random model predicts something to draw"
    path = reliability_diagram(found, tmp_path / "reliability.png", "tiny model")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_an_empty_evaluation_still_draws_a_page(tmp_path):
    path = reliability_diagram({"claim": ([], []), "event": ([], [])}, tmp_path / "empty.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
