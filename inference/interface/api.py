"""``extract(text)``: events and claims from whole news articles, with the shipped default model.

The model is loaded once per (model, device, backend) and reused by every later call, from any thread. Without
``backend=``, a model runs on the fastest backend whose F1 gate it passed (``inference/runtime/backends.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import overload

import torch

from ..core.articles import Span
from ..core.model_folder import DEFAULT_MODEL
from ..runtime.backends import BATCH_SIZE, check_backend, default_backend, resolve_device
from ..runtime.hub import quiet_weight_loading, resolve_model_dir
from ..runtime.predictor import Predictor
from .results import Extraction

MODEL_TYPES = "accepted: None (the shipped model), a model folder (str or Path), a hub id ORG/NAME, or a Predictor"

# Keyed both as asked (model, device, backend; None for a default) and as resolved (folder, torch device, backend), so
# a repeated call looks nothing up (a hub id is not fetched again) and equivalent requests share one predictor.
_predictors: dict[tuple[str, str, str], Predictor] = {}
_loading = threading.Lock()


def load_predictor(model: str | Path | None = None, device: str | torch.device | None = None,
                   backend: str | None = None) -> Predictor:
    """The predictor for ``model`` (default: the shipped model) on ``device`` with ``backend`` (one of ``BACKENDS``;
    None: the fastest whose F1 gate passed for that model, see
    :func:`inference.runtime.backends.default_backend`), loaded on first use and cached.

    Example::

        load_predictor() is load_predictor()  # True: loaded once
    """
    if model is not None and not isinstance(model, (str, Path)):
        raise TypeError(f"model={model!r} ({type(model).__name__}); {MODEL_TYPES}")
    if backend is not None:
        check_backend(backend)
    request = (str(model), repr(device), str(backend))
    with _loading:  # one load per key even when several threads ask at once
        if request not in _predictors:
            if model is None and not (DEFAULT_MODEL / "model.safetensors").is_file():
                raise FileNotFoundError(f"the default model is missing from {DEFAULT_MODEL}; reinstall the package "
                                        "or pass model= a trained model folder or hub id")
            folder = resolve_model_dir(DEFAULT_MODEL if model is None else model)  # a hub id: fetched, with progress
            chosen = backend or default_backend(folder, device)
            torch_device = resolve_device(device, chosen)
            resolved = (str(folder), str(torch_device), chosen)
            if resolved not in _predictors:
                with quiet_weight_loading():  # no "Loading weights" bar on every library call
                    _predictors[resolved] = Predictor.from_folder(folder, torch_device, chosen)
            _predictors[request] = _predictors[resolved]
    return _predictors[request]


@overload
def extract(texts: str, model: str | Path | Predictor | None = ..., *, device: str | torch.device | None = ...,
            backend: str | None = ..., batch_size: int = ..., threshold: float | None = ...,
            progress: bool = ..., triggers: Sequence[dict] | None = ...) -> Extraction: ...
@overload
def extract(texts: Sequence[str], model: str | Path | Predictor | None = ..., *,
            device: str | torch.device | None = ..., backend: str | None = ..., batch_size: int = ...,
            threshold: float | None = ..., progress: bool = ...,
            triggers: Sequence[Sequence[dict]] | None = ...) -> list[Extraction]: ...


def extract(texts, model=None, *, device=None, backend=None, batch_size=BATCH_SIZE, threshold=None, progress=False,
            triggers=None):
    """Extract events and claims from one article (a ``str``) or several (a list of ``str``, run in batches).

    ``model`` is a trained model folder, a hub id or a :class:`Predictor` (default: the model shipped with this
    package); ``device`` defaults to CUDA when present, else the CPU; ``backend`` is ``"torch"``, ``"onnx"`` or
    ``"onnx-int8"`` (ONNX Runtime on the CPU, fp32 or int8), by default the fastest that passed the model's F1 gate
    (torch when none is recorded; ``device`` and ``backend`` apply to a model loaded here, not to a given
    :class:`Predictor`); ``batch_size`` counts windows of the model's width per forward pass; claims, events,
    arguments and entities whose ``score`` is below ``threshold`` (0-1; default: the predictor's ``min_score``, 0
    unless set) are left out: claim and event scores are calibrated, so ``threshold=0.9`` keeps those right about 9
    times in 10 (the model card's table says how many that leaves). An
    article's result does not depend on the other articles in the call, on any backend.

    ``triggers`` gives the events instead of finding them (event argument extraction, for users with their own event
    detector): ``[{"start": s, "end": e, "type": "Conflict:Attack"}, ...]`` for one text, a list of such lists for a
    list of texts. The events returned are exactly those triggers, in that order (score 1), each with the arguments
    the model finds for it; claims are found as usual.

    Example:
        >>> text = "Police said two people were killed in Paris."
        >>> result = extract(text, backend="torch", triggers=[{"start": 28, "end": 34, "type": "Life:Die"}])
        >>> [(e.type, e.trigger.text, e.score) for e in result.events]
        [('Life:Die', 'killed', 1.0)]
        >>> result.claims[0].cue.text
        'said'
    """
    single = isinstance(texts, str)
    batch = [texts] if single else _check_texts(texts)
    check_options(batch_size, threshold)
    if backend is not None:
        check_backend(backend)  # also when a Predictor is given, which resolves no device
    predictor = model if isinstance(model, Predictor) else load_predictor(model, device, backend)
    given = None if triggers is None else check_triggers(triggers, batch, single, predictor.schema.event_types)

    results = [Extraction() for _ in batch]  # empty or whitespace-only texts stay empty
    todo = [i for i, text in enumerate(batch) if text.strip()]
    if todo:
        articles = predictor.predict([batch[i] for i in todo], progress=progress, min_score=threshold,
                                     batch_size=batch_size, triggers=given and [given[i] for i in todo])
        for i, article in zip(todo, articles, strict=True):
            results[i] = Extraction.from_article(article)
    return results[0] if single else results


def check_options(batch_size: object, threshold: object) -> None:
    """``extract``'s checks of ``batch_size`` and ``threshold``, for callers that take them first (the spaCy component):
    a one-line ``TypeError`` or ``ValueError`` naming what is accepted.

    Example:
        >>> check_options(16, 0.5)  # nothing to say
    """
    # bool is an int to Python, but batch_size=True is a mistake, not one window
    if isinstance(batch_size, bool) or not isinstance(batch_size, int):
        raise TypeError(f"batch_size={batch_size!r} ({type(batch_size).__name__}); accepted: an int, the windows per "
                        f"forward pass, 1 or more (default {BATCH_SIZE})")
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r}; accepted: an int, the windows per forward pass, 1 or more")
    if threshold is None:
        return
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise TypeError(f"threshold={threshold!r} ({type(threshold).__name__}); accepted: a number between 0 and 1, "
                        "or None (keep every span decoded)")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold={threshold!r}; accepted: a number between 0 and 1, or None")


def _check_texts(texts: object) -> list[str]:
    if not isinstance(texts, (list, tuple)):
        raise TypeError(f"extract() takes a str or a list/tuple of str; got {type(texts).__name__}")
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"extract() takes a str or a list/tuple of str; item {index} is {type(text).__name__}")
    return list(texts)


def check_triggers(triggers: object, texts: list[str], single: bool, event_types: Sequence[str]
                   ) -> list[list[tuple[Span, str]]]:
    """``extract``'s ``triggers=`` as one list of ``(Span, type)`` per text; a ``TypeError`` or ``ValueError`` naming
    the trigger and what is accepted otherwise.

    Example:
        >>> check_triggers([{"start": 0, "end": 4, "type": "Life:Die"}], ["died"], True, ["Life:Die"])
        [[(Span(start=0, end=4), 'Life:Die')]]
    """
    accepted = 'a list of {"start": int, "end": int, "type": str}'
    if single:
        triggers = [triggers]
        if not isinstance(triggers[0], (list, tuple)):
            raise TypeError(f"triggers={triggers[0]!r}; accepted: {accepted} for one text")
    elif not isinstance(triggers, (list, tuple)) or len(triggers) != len(texts) or not all(
            isinstance(given, (list, tuple)) for given in triggers):
        raise TypeError(f"triggers for {len(texts)} texts: accepted: a list of {len(texts)} lists, each {accepted}")
    return [[_given_trigger(trigger, text, f"triggers[{t}][{k}]" if not single else f"triggers[{k}]", event_types)
             for k, trigger in enumerate(given)]
            for t, (given, text) in enumerate(zip(triggers, texts, strict=True))]


def _given_trigger(trigger: object, text: str, name: str, event_types: Sequence[str]) -> tuple[Span, str]:
    if not isinstance(trigger, dict) or not {"start", "end", "type"} <= trigger.keys():
        raise TypeError(f'{name}={trigger!r}; accepted: {{"start": int, "end": int, "type": str}}')
    start, end, event_type = trigger["start"], trigger["end"], trigger["type"]
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (start, end)) or not (
            0 <= start < end <= len(text)) or not text[start:end].strip():
        raise ValueError(f"{name}: offsets {start!r}-{end!r} do not fit its text; accepted: integers with 0 <= start "
                         f"< end <= {len(text)} around a word")
    if event_type not in event_types:
        raise ValueError(f"{name}: type {event_type!r} is not an event type of the model; accepted: "
                         f"{', '.join(event_types)}")
    return Span(start, end), event_type
