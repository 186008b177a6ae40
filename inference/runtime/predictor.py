"""Running a trained model over whole articles: windows in, linked events and claims out.

Used by the evaluation command and by the user-facing API alike, so a score measured by ``training.evaluate`` is the
score a user gets.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import AutoTokenizer

from ..core.alignment import TokenizedText, Window, decode_word_tags, plan_windows, tokenize_texts
from ..core.articles import Argument, Article, Entity, Event, Span
from ..core.claim_frames import CUE_CANDIDATE, ArticleWords, Frame, decode_frames, frame_choice, frame_of
from ..core.claim_linking import frame_claims, link_claims, same_sentence, sentence_starts
from ..core.decoding import allowed_transitions, best_bio_tags, entity_arguments, role_columns, tag_probabilities
from ..core.model_folder import SCHEMA_FILE
from ..core.modeling import EventClaimModel
from ..core.schema import LabelSchema
from .backends import resolve_device
from .hub import resolve_model_dir

logger = logging.getLogger(__name__)


@dataclass
class _ArticleState:
    """Per-word predictions of one article, filled window by window (only from the window that owns each word)."""

    tokens: TokenizedText
    claim: dict[int, np.ndarray] = field(default_factory=dict)  # first-subword position -> tag log-probs (C,)
    entity: dict[int, np.ndarray] = field(default_factory=dict)  # first-subword position -> tag log-probs (E,)
    trigger: dict[int, tuple[str, float]] = field(default_factory=dict)
    arguments: dict[int, list[tuple[Span, str, float]]] = field(default_factory=dict)  # trigger position -> args
    # argument_decoding="entities": trigger position -> {word position: argument tag probabilities (A,)}
    argument_probs: dict[int, dict[int, np.ndarray]] = field(default_factory=dict)
    # a frame decoding: the encoder's output (T, H) of each window where a cue may be, kept until the cues are chosen;
    # then each chosen cue's first word position -> its frame (inference/core/claim_frames.py)
    hidden: dict[Window, torch.Tensor] = field(default_factory=dict)
    frames: dict[int, Frame] = field(default_factory=dict)


def _window_words(tokens: TokenizedText, window: Window) -> tuple[list[int], list[int]]:
    """The first-subword positions of the words in ``window``, and their rows in its model input ([CLS] is row 0)."""
    words = [p for p in range(window.start, window.end) if tokens.word_starts[p]]
    return words, [p - window.start + 1 for p in words]


class Predictor:
    """Extracts events and claims from raw texts with a trained :class:`EventClaimModel`.

    Example:
        >>> predictor = Predictor.from_pretrained("runs/release/model")  # doctest: +SKIP
        >>> article = predictor.predict(["Police said two people were killed."])[0]  # doctest: +SKIP
    """

    def __init__(self, model: EventClaimModel, tokenizer, schema: LabelSchema | None = None, *,
                 window: int | None = None, stride: int | None = None, batch_size: int = 16,
                 device: str | torch.device | None = None, min_score: float = 0.0,
                 trigger_threshold: float | None = None, argument_threshold: float | None = None) -> None:
        self.device = resolve_device(device, "torch")  # the given device, else CUDA when present, else the CPU
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.schema = schema or LabelSchema.default()
        config = model.config
        self.window, self.stride = window or config.window, config.stride if stride is None else stride
        if not 0 <= self.stride < self.window - 2:
            raise ValueError(f"window={self.window}, stride={self.stride}: accepted 0 <= stride < window - 2 (the "
                             "window holds [CLS] and [SEP] too)")
        self.batch_size, self.min_score = batch_size, min_score  # spans scoring less are left out
        # A word is a trigger (an argument) when P(not O) reaches this (None: plain argmax); tuned on dev, saved in
        # the model config by training.calibration.
        self.trigger_threshold = trigger_threshold if trigger_threshold is not None else config.trigger_threshold
        self.argument_threshold = argument_threshold if argument_threshold is not None else config.argument_threshold
        self.claim_labels, self.trigger_labels = config.claim_labels, config.trigger_labels
        self.argument_labels, self.entity_labels = config.argument_labels, config.entity_labels
        self.argument_decoding, self.claim_decoding = config.argument_decoding, config.claim_decoding
        self.frame_labels = config.frame_labels
        self._claim_transitions = allowed_transitions(self.claim_labels)
        self._frame_transitions = allowed_transitions(self.frame_labels) if self.frame_labels else None
        self._cue_columns = [self.claim_labels.index(f"{p}-cue") for p in "BI"]
        self._entity_transitions = allowed_transitions(self.entity_labels) if self.entity_labels else None
        self._role_columns = role_columns(self.argument_labels)
        # Fast tokenizers are not safe to call from two threads at once ("Already borrowed"); the model is.
        self._tokenizer_lock = threading.Lock()
        self._role_masks = {t: self._role_mask(roles) for t, roles in self.schema.event_roles.items()}

    @classmethod
    def from_pretrained(cls, path: str | Path, dtype: torch.dtype = torch.float32, backend: str = "torch",
                        **kwargs) -> Predictor:
        """Load model, tokenizer and schema saved together in one folder (or a hub id).

        Weights stored in fp16 (the shipped model) are loaded as ``dtype``: float32 by default, which CPUs run fastest.
        ``backend="onnx"`` runs the encoder with ONNX Runtime on the CPU, ``"onnx-int8"`` with int8 weights
        (``inference/runtime/onnx_backend.py``; both need the ``onnx`` extra); ``device`` then defaults to the CPU, and
        any other device is an error.
        """
        kwargs["device"] = resolve_device(kwargs.get("device"), backend)
        path = resolve_model_dir(path)  # a hub id is fetched into the local cache first
        model = EventClaimModel.from_pretrained(path, dtype=dtype, use_safetensors=True)  # never a pickle
        tokenizer = AutoTokenizer.from_pretrained(path)
        if backend != "torch":  # int8 calibrates on text: it needs the tokenizer
            from .onnx_backend import OnnxModel  # here: a torch predictor loads no ONNX code

            model = OnnxModel(model, int8=backend == "onnx-int8", tokenizer=tokenizer)
        schema = LabelSchema.load(path) if (Path(path) / SCHEMA_FILE).is_file() else None
        return cls(model, tokenizer, schema, **kwargs)

    def _role_mask(self, roles: list[str]) -> torch.Tensor:
        """Additive logit mask allowing only ``O`` and the roles of one event type. Shape (A,)."""
        allowed = {"O"} | {f"{p}-{r}" for r in roles for p in "BI"}
        return torch.tensor([0.0 if label in allowed else float("-inf") for label in self.argument_labels])

    @torch.inference_mode()
    def predict(self, texts: Sequence[str], ids: Sequence[str] | None = None, progress: bool = False,
                min_score: float | None = None, batch_size: int | None = None) -> list[Article]:
        """Predict events and claims for each text; character offsets index into that text.

        ``min_score`` leaves out spans whose mean tag probability is lower; ``batch_size`` counts windows per forward
        pass (both default to the predictor's).
        """
        batch_size = batch_size or self.batch_size
        ids = ids or [str(i) for i in range(len(texts))]
        if len(ids) != len(texts):
            raise ValueError(f"got {len(ids)} ids for {len(texts)} texts; give one id per text or none")
        with self._tokenizer_lock:
            states = [_ArticleState(tokens) for tokens in tokenize_texts(self.tokenizer, texts)]
        size = self.window - 2  # room for [CLS] and [SEP]
        jobs = [(i, w) for i, state in enumerate(states) for w in plan_windows(len(state.tokens), size, self.stride)]
        jobs.sort(key=lambda job: job[1].end - job[1].start, reverse=True)  # similar lengths batch with little padding
        batches = range(0, len(jobs), batch_size)
        for b in tqdm(batches, desc="windows", unit="batch", disable=not progress):
            self._run_batch([(states[i], w) for i, w in jobs[b : b + batch_size]])
        min_score = self.min_score if min_score is None else min_score
        words = [sorted(state.claim) for state in states]  # each article's first-subword positions, in text order
        claim_tags = best_bio_tags([s.claim for s in states], words, self.claim_labels, self._claim_transitions)
        entity_tags = (best_bio_tags([s.entity for s in states], words, self.entity_labels, self._entity_transitions)
                       if self.entity_labels else [{} for _ in states])
        claim_spans = [self._decoded(tags, state, positions, min_score)
                       for tags, state, positions in zip(claim_tags, states, words, strict=True)]
        article_words = [ArticleWords.of(state.tokens, positions) for state, positions in zip(states, words,
                                                                                             strict=True)]
        if self.claim_decoding != "linker":
            self._read_frames(states, claim_spans, article_words)
        frames = (self._frames(states, claim_spans, article_words, min_score) if self.claim_decoding == "frames"
                  else [None for _ in states])
        return [self._assemble(i, text, state, positions, spans, entities, article_frames, min_score)
                for i, text, state, positions, spans, entities, article_frames
                in zip(ids, texts, states, article_words, claim_spans, entity_tags, frames, strict=True)]

    @staticmethod
    def _decoded(table: dict[int, tuple[str, float]], state: _ArticleState, words: list[int], min_score: float
                 ) -> list[tuple[Span, str, float]]:
        """The spans of one layer's per-word tags, those scoring at least ``min_score``."""
        spans = decode_word_tags([table[p][0] for p in words], [table[p][1] for p in words], state.tokens, words)
        return [item for item in spans if item[2] >= min_score]

    def _frames(self, states: list[_ArticleState], claim_spans: list[list[tuple[Span, str, float]]],
                words: list[ArticleWords], min_score: float) -> list[list[tuple[Span, float, list]]]:
        """Each article's frames, ``(cue, cue score, [(span, part, score), ...])``: every cue the claim head chose,
        with the source and content its frame decodes to."""
        jobs = []  # (article, cue, cue score, frame)
        for a, (state, spans, article_words) in enumerate(zip(states, claim_spans, words, strict=True)):
            for span, part, score in spans:
                frame = frame_of(state.frames, span, article_words) if part == "cue" else None
                if frame is not None:
                    jobs.append((a, span, score, frame))
        parts = decode_frames([(cue, frame, states[a].tokens) for a, cue, _, frame in jobs], self.frame_labels,
                              self._frame_transitions, min_score)
        frames = [[] for _ in states]
        for (a, cue, score, _), cue_parts in zip(jobs, parts, strict=True):
            frames[a].append((cue, score, cue_parts))
        return frames

    def _run_batch(self, batch: list[tuple[_ArticleState, Window]]) -> None:
        tok = self.tokenizer
        rows = [[tok.cls_token_id, *s.tokens.input_ids[w.start : w.end], tok.sep_token_id] for s, w in batch]
        width = max(map(len, rows))
        input_ids = torch.tensor([r + [tok.pad_token_id] * (width - len(r)) for r in rows], device=self.device)
        attention_mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows], device=self.device)
        out = self.model(input_ids, attention_mask, return_hidden=True)
        # Claim tags are chosen per article (constrained decoding), so each word keeps its distribution; trigger tags
        # are chosen here. Plain lists and arrays: the per-word loop below is slow on tensors.
        claim_log_probs = out.claim_logits.float().log_softmax(-1).cpu().numpy()  # (B, T, C)
        entity_log_probs = (out.entity_logits.float().log_softmax(-1).cpu().numpy()  # (B, T, E)
                            if self.entity_labels and out.entity_logits is not None else None)
        trig_p, trig_i = (t.tolist() for t in tag_probabilities(out.trigger_logits, self.trigger_threshold))
        # Both frame decodings read the chosen cues' frames later, from the windows where a cue may be.
        cue_probs = (np.exp(claim_log_probs[..., self._cue_columns]).sum(-1)  # (B, T) P(B-cue) + P(I-cue)
                     if self.claim_decoding != "linker" else None)
        for b, (state, window) in enumerate(batch):
            starts = state.tokens.word_starts
            triggers, cue_here = [], False
            for position in range(window.own_start, window.own_end):
                if not starts[position]:
                    continue
                local = position - window.start + 1
                state.claim[position] = claim_log_probs[b, local]
                if entity_log_probs is not None:
                    state.entity[position] = entity_log_probs[b, local]
                tag = self.trigger_labels[trig_i[b][local]]
                state.trigger[position] = (tag, trig_p[b][local])
                if tag != "O":
                    triggers.append((position, tag[2:]))
                cue_here = cue_here or cue_probs is not None and cue_probs[b, local] >= CUE_CANDIDATE
            if triggers:
                self._run_arguments(state, window, out.hidden_states[b : b + 1], triggers)
            if cue_here:
                state.hidden[window] = out.hidden_states[b]

    def _run_arguments(self, state: _ArticleState, window: Window, hidden: torch.Tensor,
                       triggers: list[tuple[int, str]]) -> None:
        """Tag the arguments of each trigger word in one window; roles are limited to the trigger's event type."""
        positions = torch.tensor([[p - window.start + 1 for p, _ in triggers]], device=self.device)  # (1, K)
        logits = self.model.argument_logits(hidden, positions)[0].float()  # (K, T, A)
        masks = torch.stack([self._role_masks[event_type] for _, event_type in triggers]).to(self.device)  # (K, A)
        words, local = _window_words(state.tokens, window)
        if self.argument_decoding == "entities":
            every = (logits + masks[:, None, :]).softmax(-1)[:, local].cpu().numpy()  # (K, W, A)
            for k, (position, _) in enumerate(triggers):
                state.argument_probs[position] = dict(zip(words, every[k], strict=True))
            return
        probs, labels = tag_probabilities(logits + masks[:, None, :], self.argument_threshold)  # (K, T) each
        for k, (position, _) in enumerate(triggers):
            tags = [self.argument_labels[i] for i in labels[k, local].tolist()]
            state.arguments[position] = decode_word_tags(tags, probs[k, local].tolist(), state.tokens, words)

    def _read_frames(self, states: list[_ArticleState], claim_spans: list[list[tuple[Span, str, float]]],
                     words: list[ArticleWords]) -> None:
        """Run the frame head for the cues the claim head chose, at each cue's first word, in the window that owns
        it: one pass per window over its cues. Only chosen cues: candidates are about 3 times as many."""
        for state, spans, article_words in zip(states, claim_spans, words, strict=True):
            per_window: dict[Window, list[int]] = {}
            for span, part, _ in spans:
                first = article_words.first_in(span) if part == "cue" else None
                window = next((w for w in state.hidden if first is not None and w.own_start <= first < w.own_end),
                              None)
                if window is not None:
                    per_window.setdefault(window, []).append(first)
            for window, cues in per_window.items():
                positions = torch.tensor([[p - window.start + 1 for p in cues]], device=self.device)  # (1, Q)
                window_words, local = _window_words(state.tokens, window)
                logits = self.model.frame_logits(state.hidden[window][None], positions)[0]  # (Q, T, F)
                log_probs = logits.float().log_softmax(-1)[:, local].cpu().numpy()  # (Q, W, F)
                for q, position in enumerate(cues):
                    state.frames[position] = (window_words, log_probs[q])
            state.hidden.clear()  # (T, H) per window: not kept past the call

    def _assemble(self, article_id: str, text: str, state: _ArticleState, article_words: ArticleWords,
                  claim_spans: list[tuple[Span, str, float]], entity_tags: dict[int, tuple[str, float]],
                  frames: list | None, min_score: float) -> Article:
        words = article_words.positions

        def decoded(table: dict[int, tuple[str, float]]) -> list[tuple[Span, str, float]]:
            return self._decoded(table, state, words, min_score)

        first_token = {state.tokens.offsets[p][0]: p for p in words}
        # Arguments sit in their trigger's sentence (the ACE convention M2E2 annotates by); the head reads a whole
        # window and would otherwise pick role fillers from neighbouring sentences.
        sentences = sentence_starts(text)
        entities = decoded(entity_tags) if entity_tags else []
        # each mention's word positions, once per article (every trigger of the article scores the same mentions)
        entity_words = [(span, article_words.within(span)) for span, _, _ in entities]
        events = []
        for span, event_type, score in decoded(state.trigger):
            position = first_token[span.start]
            candidates = (entity_arguments(state.argument_probs.get(position, {}), entity_words, self._role_columns,
                                           self.argument_threshold)
                          if self.argument_decoding == "entities" else state.arguments.get(position, []))
            arguments = [Argument(role, arg, s) for arg, role, s in candidates
                         if s >= min_score and not arg.overlaps(span) and same_sentence(arg, span, sentences)]
            events.append(Event(event_type, span, arguments, score))
        if frames is not None:
            claims = frame_claims(frames, sentences)
        else:
            parts = {"source": [], "cue": [], "content": []}
            scores = {}
            for span, part, score in claim_spans:
                parts[part].append(span)
                scores[span] = score
            choose = (frame_choice(state.frames, parts["cue"], article_words, self.frame_labels)
                      if self.claim_decoding == "frame_linker" else None)
            claims = link_claims(parts["source"], parts["cue"], parts["content"], scores, sentences, choose)
        # A claim is a cue with what it reports: a cue without content, or content without a cue, is no claim.
        claims = [claim for claim in claims if claim.cue and claim.content]
        return Article(article_id, text, events, claims, entities=[Entity(t, span, s) for span, t, s in entities])
