"""The library on a CUDA device (``pytest -m gpu``; skipped without one): what a GPU user gets must be what the CPU
gives. Training on CUDA with bf16 is tested in test_train_e2e.py, the GPU check's own stages in test_gpu_check.py."""

from __future__ import annotations

import pytest
import torch

from inference import Predictor
from inference.interface.api import DEFAULT_MODEL
from tests.conftest import without_scores

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


def test_the_shipped_model_extracts_the_same_on_cuda_as_on_the_cpu(articles):
    texts = [article.text for article in articles]
    on_cpu = [a.to_dict() for a in Predictor.from_pretrained(DEFAULT_MODEL, device="cpu").predict(texts)]
    cuda = Predictor.from_pretrained(DEFAULT_MODEL, device="cuda")
    assert cuda.device.type == "cuda"
    on_cuda = [a.to_dict() for a in cuda.predict(texts)]
    assert [without_scores(a) for a in on_cuda] == [without_scores(a) for a in on_cpu]
    assert _scores(on_cuda) == pytest.approx(_scores(on_cpu), abs=1e-3)  # fp32 both: kernels differ, not precision


def _scores(value) -> list[float]:
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in ([item] if key == "score" else _scores(item))]
    return [s for item in value for s in _scores(item)] if isinstance(value, list) else []
