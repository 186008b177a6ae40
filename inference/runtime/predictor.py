"""Whole articles in, linked events and claims out: a trained model behind one call.

A one-way pipeline of two stages: the :class:`~inference.runtime.window_runner.WindowRunner` runs the model over each
article's overlapping windows and fills one state per article, then the
:class:`~inference.runtime.article_decoder.ArticleDecoder` turns each state into linked events, claims and entity
mentions. Used by the evaluation command and by the user-facing API alike, so a score measured by
``training.evaluate`` is the score a user gets.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from transformers import AutoTokenizer

from ..core.articles import Article
from ..core.model_folder import SCHEMA_FILE
from ..core.modeling import EventClaimModel
from ..core.schema import LabelSchema
from ..core.score_maps import ScoreMaps
from .article_decoder import ArticleDecoder
from .backends import BATCH_SIZE, resolve_device
from .heap import fix_mmap_threshold
from .hub import resolve_model_dir
from .window_runner import GivenTrigger, Thresholds, WindowRunner


class Predictor:
    """Extracts events and claims from raw texts with a trained :class:`EventClaimModel`.

    ``window``/``stride`` default to the model's; ``batch_size`` counts windows per forward pass; results (claims,
    events, arguments, entities) whose score is below ``min_score`` are left out; ``trigger_threshold`` and
    ``argument_threshold`` override the model's calibrated ones; ``score_maps`` calibrate claim, event and argument
    scores (a model folder's ``score_maps.json``).

    Example::

        predictor = Predictor.from_pretrained("runs/release/model")
        article = predictor.predict(["Police said two people were killed."])[0]
        [(e.type, e.trigger.text_in(article.text)) for e in article.events]  # [('Life:Die', 'killed')]
    """

    def __init__(self, model: EventClaimModel, tokenizer, schema: LabelSchema | None = None, *,
                 window: int | None = None, stride: int | None = None, batch_size: int = BATCH_SIZE,
                 device: str | torch.device | None = None, min_score: float = 0.0,
                 trigger_threshold: float | None = None, argument_threshold: float | None = None,
                 score_maps: ScoreMaps | None = None) -> None:
        self.device = resolve_device(device, "torch")  # the given device, else CUDA when present, else the CPU
        if self.device.type == "cpu":
            fix_mmap_threshold()  # long articles fragmented the heap by hundreds of MB otherwise (runtime/heap.py)
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.schema = schema or LabelSchema.default()
        config = model.config
        window, stride = window or config.window, config.stride if stride is None else stride
        if not 0 <= stride < window - 2:
            raise ValueError(f"window={window}, stride={stride}: accepted 0 <= stride < window - 2 (the window holds "
                             "[CLS] and [SEP] too)")
        self.batch_size, self.min_score = batch_size, min_score
        self.thresholds = Thresholds(
            config.trigger_threshold if trigger_threshold is None else trigger_threshold,
            config.argument_threshold if argument_threshold is None else argument_threshold)
        self.runner = WindowRunner(self.model, tokenizer, self.schema, self.device, window, stride, self.thresholds)
        self.decoder = ArticleDecoder(config, self.thresholds, score_maps or ScoreMaps())

    @classmethod
    def from_pretrained(cls, path: str | Path, dtype: torch.dtype = torch.float32, backend: str = "torch",
                        device: str | torch.device | None = None, **options) -> Predictor:
        """Load model, tokenizer and schema saved together in one folder (or a hub id, fetched first).

        Weights stored in fp16 (the shipped model) are loaded as ``dtype``: float32 by default, which CPUs run fastest.
        ``backend="onnx"`` runs the encoder with ONNX Runtime on the CPU, ``"onnx-int8"`` with int8 weights
        (``inference/runtime/onnx_backend.py``; both need the ``onnx`` extra); ``device`` then defaults to the CPU, and
        any other device is an error. ``options`` go to the constructor.
        """
        return cls.from_folder(resolve_model_dir(path), resolve_device(device, backend), backend, dtype, **options)

    @classmethod
    def from_folder(cls, folder: Path, device: torch.device, backend: str = "torch",
                    dtype: torch.dtype = torch.float32, **options) -> Predictor:
        """:meth:`from_pretrained` for a local model folder and a device already resolved (``inference.api`` resolves
        both once, to key its cache of loaded predictors)."""
        model = EventClaimModel.from_pretrained(folder, dtype=dtype, use_safetensors=True)  # never a pickle
        tokenizer = AutoTokenizer.from_pretrained(folder)
        if backend != "torch":  # int8 calibrates on text: it needs the tokenizer
            from .onnx_backend import OnnxModel  # here: a torch predictor loads no ONNX code

            model = OnnxModel(model, int8=backend == "onnx-int8", tokenizer=tokenizer)
        schema = LabelSchema.load(folder) if (Path(folder) / SCHEMA_FILE).is_file() else None
        return cls(model, tokenizer, schema, device=device, score_maps=ScoreMaps.load(folder), **options)

    @property
    def trigger_threshold(self) -> float | None:
        """A word is a trigger when ``P(not O)`` reaches this (None: argmax); ``training.calibration`` tunes it."""
        return self.thresholds.trigger

    @trigger_threshold.setter
    def trigger_threshold(self, value: float | None) -> None:
        self.thresholds.trigger = value

    @property
    def argument_threshold(self) -> float | None:
        """A word (or an entity mention) is an argument when ``P(not O)`` reaches this (None: the best tag)."""
        return self.thresholds.argument

    @argument_threshold.setter
    def argument_threshold(self, value: float | None) -> None:
        self.thresholds.argument = value

    def predict(self, texts: Sequence[str], ids: Sequence[str] | None = None, progress: bool = False,
                min_score: float | None = None, batch_size: int | None = None,
                triggers: Sequence[Sequence[GivenTrigger]] | None = None) -> list[Article]:
        """Predict events and claims for each text; character offsets index into that text.

        ``min_score`` leaves out results whose score is lower (claims and events: the calibrated score);
        ``batch_size`` counts windows per forward pass (both default to the predictor's). ``triggers`` (one list of
        ``(Span, event type)`` per text): the events are those triggers, in that order, with the arguments the model
        reads for them (checked by ``inference.extract``).
        """
        ids = ids or [str(i) for i in range(len(texts))]
        if len(ids) != len(texts):
            raise ValueError(f"got {len(ids)} ids for {len(texts)} texts; give one id per text or none")
        states = self.runner.run(texts, batch_size or self.batch_size, progress, triggers)
        return self.decoder.decode(ids, texts, states, self.min_score if min_score is None else min_score)
