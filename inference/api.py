"""``extract(text)``: events and claims from whole news articles, with the shipped default model.

The model is loaded once per (model, device, backend) and reused by every later call, from any thread.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import overload

import torch

from .onnx_backend import check_backend, resolve_device
from .predictor import Predictor
from .results import Extraction

DEFAULT_MODEL = Path(__file__).parent / "default_model"

_predictors: dict[tuple[str, str, str], Predictor] = {}
_loading = threading.Lock()


def load_predictor(model: str | Path | None = None, device: str | torch.device | None = None,
                   backend: str = "torch") -> Predictor:
    """The predictor for ``model`` (default: the shipped model) on ``device`` with ``backend`` (one of ``BACKENDS``),
    loaded on first use and cached.

    Example:
        >>> load_predictor() is load_predictor()  # doctest: +SKIP
        True
    """
    device = resolve_device(device, backend)
    path = DEFAULT_MODEL if model is None else model
    if model is None and not (DEFAULT_MODEL / "model.safetensors").is_file():
        raise FileNotFoundError(f"the default model is missing from {DEFAULT_MODEL}; reinstall the package or pass "
                                "model= a trained model folder or hub id")
    key = (str(path), str(device), backend)
    with _loading:  # one load per key even when several threads ask at once
        if key not in _predictors:
            _predictors[key] = Predictor.from_pretrained(path, device=device, backend=backend)
    return _predictors[key]


@overload
def extract(texts: str, model: str | Path | Predictor | None = ..., *, device: str | torch.device | None = ...,
            backend: str = ..., batch_size: int = ..., threshold: float | None = ...,
            progress: bool = ...) -> Extraction: ...
@overload
def extract(texts: Sequence[str], model: str | Path | Predictor | None = ..., *,
            device: str | torch.device | None = ..., backend: str = ..., batch_size: int = ...,
            threshold: float | None = ..., progress: bool = ...) -> list[Extraction]: ...


def extract(texts, model=None, *, device=None, backend="torch", batch_size=16, threshold=None, progress=False):
    """Extract events and claims from one article (a ``str``) or several (a list of ``str``, run in batches).

    ``model`` is a trained model folder, a hub id or a :class:`Predictor` (default: the model shipped with this
    package); ``device`` defaults to CUDA when present, else the CPU; ``backend="onnx"`` (or ``"onnx-int8"``, faster)
    runs the model with ONNX Runtime on the CPU (``device`` and ``backend`` apply to a model loaded here, not to a
    given :class:`Predictor`); ``batch_size`` counts windows of the model's width per forward pass; spans scoring below
    ``threshold`` (mean tag probability, 0-1; default: the predictor's ``min_score``, 0 unless set) are left out.

    Example:
        >>> result = extract("Police said two people were killed in Paris.")  # doctest: +SKIP
        >>> result.to_dict()["claims"][0]["cue"]  # doctest: +SKIP
        {'start': 7, 'end': 11, 'text': 'said'}
    """
    single = isinstance(texts, str)
    batch = [texts] if single else _check_texts(texts)
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold={threshold!r}; accepted: a score between 0 and 1")
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r}; accepted: a positive number of windows")
    check_backend(backend)  # also when a Predictor is given, which resolves no device
    predictor = model if isinstance(model, Predictor) else load_predictor(model, device, backend)

    results = [Extraction() for _ in batch]  # empty or whitespace-only texts stay empty
    todo = [i for i, text in enumerate(batch) if text.strip()]
    if todo:
        articles = predictor.predict([batch[i] for i in todo], progress=progress, min_score=threshold,
                                     batch_size=batch_size)
        for i, article in zip(todo, articles, strict=True):
            results[i] = Extraction.from_article(article)
    return results[0] if single else results


def _check_texts(texts: object) -> list[str]:
    if not isinstance(texts, (list, tuple)):
        raise TypeError(f"extract() takes a str or a list/tuple of str; got {type(texts).__name__}")
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"extract() takes a str or a list/tuple of str; item {index} is {type(text).__name__}")
    return list(texts)
