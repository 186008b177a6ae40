"""The predictor's first stage: the model over each article's overlapping windows, into one state per article.

Every word is decided by the one window where it sits farthest from an edge (``inference/core/alignment.py``), so an
article's state holds, per word, what the model said of it there: claim and entity tag log-probabilities, the trigger
tag, and for each trigger the argument tags of the words of its window. The claim head's best valid path is decoded
here too, because it chooses the cues whose frames are kept: the frame head reads every word that may be a cue in the
window that owns it, while that window's encoder output is at hand (keeping the outputs until the cues are chosen
took a few hundred MB on a long article). What the state means as events and claims is the article decoder's job
(``inference/runtime/article_decoder.py``).
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from ..core.alignment import TokenizedText, Window, decode_word_tags, plan_windows, tokenize_texts
from ..core.articles import Span
from ..core.claim_frames import CUE_CANDIDATE, ArticleWords, Frame
from ..core.decoding import allowed_transitions, best_bio_tags, tag_probabilities
from ..core.modeling import EventClaimModel
from ..core.schema import LabelSchema

Tagged = tuple[Span, str, float]  # a decoded span, its label and mean tag probability
GivenTrigger = tuple[Span, str]  # a trigger the caller names: its span and event type


@dataclass
class Thresholds:
    """When a word is a trigger (an argument): ``P(not O)`` reaches the threshold; None: plain argmax. Tuned on dev by
    ``training.calibration`` and saved in the model config; shared by both stages, so setting one changes both."""

    trigger: float | None = None
    argument: float | None = None


@dataclass
class ArticleState:
    """What the model said of one article's words, filled window by window (only from the window that owns a word)."""

    tokens: TokenizedText
    # the article's words: first-subword positions in text order, with their first characters
    words: ArticleWords
    # Tag log-probabilities per word, in the order of ``words``: one array per article rather than a row per word, so
    # that nothing of a window batch's outputs outlives the batch (rows kept as views held every batch's arrays alive
    # until the article was decoded).
    claim: np.ndarray  # (W, C)
    entity: np.ndarray | None  # (W, E); None: the model has no entity head
    # the triggers the caller gave, as (first-subword position, span, type), in their order; None: the model finds them
    given: list[tuple[int, Span, str]] | None = None
    trigger: dict[int, tuple[str, float]] = field(default_factory=dict)  # position -> (tag, probability)
    # Keyed by the trigger's first-subword position, or by its index among the given triggers (two given events may
    # share a word). argument_decoding "tags": the argument spans; "entities": {word position: tag probabilities (A,)}
    arguments: dict[int, list[Tagged]] = field(default_factory=dict)
    argument_probs: dict[int, dict[int, np.ndarray]] = field(default_factory=dict)
    # the frame of each word that may be a cue (frame decodings), read in the window that owns it; the claim path then
    # keeps those of its cues in ``frames``
    cue_frames: dict[int, Frame] = field(default_factory=dict)
    claim_spans: list[Tagged] = field(default_factory=list)  # the claim head's best valid path as spans, every score
    frames: dict[int, Frame] = field(default_factory=dict)  # a chosen cue's first word -> its frame

    @classmethod
    def empty(cls, tokens: TokenizedText, claim_labels: int, entity_labels: int) -> ArticleState:
        """The state of an article no window has run on yet (``entity_labels``: 0 when there is no entity head)."""
        words = ArticleWords.of(tokens, [p for p, first in enumerate(tokens.word_starts) if first])
        entity = np.zeros((len(words.positions), entity_labels), np.float32) if entity_labels else None
        return cls(tokens, words, np.zeros((len(words.positions), claim_labels), np.float32), entity)

    def rows(self, window: Window) -> slice:
        """The rows of the words ``window`` owns in the per-word arrays (the words it owns are consecutive)."""
        positions = self.words.positions
        return slice(bisect_left(positions, window.own_start), bisect_left(positions, window.own_end))


def window_words(tokens: TokenizedText, window: Window) -> tuple[list[int], list[int]]:
    """The first-subword positions of the words in ``window``, and their rows in its model input ([CLS] is row 0)."""
    words = [p for p in range(window.start, window.end) if tokens.word_starts[p]]
    return words, [p - window.start + 1 for p in words]


class WindowRunner:
    """Runs an :class:`EventClaimModel` (or an ONNX stand-in) over whole articles; see the module docstring."""

    def __init__(self, model: EventClaimModel, tokenizer, schema: LabelSchema, device: torch.device, window: int,
                 stride: int, thresholds: Thresholds) -> None:
        self.model, self.tokenizer, self.device = model, tokenizer, device
        self.window, self.stride, self.thresholds = window, stride, thresholds
        config = model.config
        self.claim_labels, self.trigger_labels = config.claim_labels, config.trigger_labels
        self.argument_labels, self.entity_labels = config.argument_labels, config.entity_labels
        self.by_entities = config.argument_decoding == "entities"
        self.reads_frames = config.claim_decoding != "linker"
        self._claim_transitions = allowed_transitions(self.claim_labels)
        self._cue_columns = [self.claim_labels.index(f"{p}-cue") for p in "BI"]
        self._role_masks = {t: self._role_mask(roles) for t, roles in schema.event_roles.items()}
        # Fast tokenizers are not safe to call from two threads at once ("Already borrowed"); the model is.
        self._tokenizer_lock = threading.Lock()

    def _role_mask(self, roles: list[str]) -> torch.Tensor:
        """Additive logit mask allowing only ``O`` and the roles of one event type. Shape (A,)."""
        allowed = {"O"} | {f"{p}-{r}" for r in roles for p in "BI"}
        return torch.tensor([0.0 if label in allowed else float("-inf") for label in self.argument_labels])

    @torch.inference_mode()
    def run(self, texts: Sequence[str], batch_size: int, progress: bool = False,
            triggers: Sequence[Sequence[GivenTrigger]] | None = None) -> list[ArticleState]:
        """One state per text: every window run, the claim path decoded, and the chosen cues' frames read.

        With ``triggers`` (one list per text), the arguments are read for those triggers instead of the trigger
        head's."""
        with self._tokenizer_lock:
            tokenized = tokenize_texts(self.tokenizer, texts)
        entity_labels = len(self.entity_labels) if self.entity_labels else 0
        states = [ArticleState.empty(tokens, len(self.claim_labels), entity_labels) for tokens in tokenized]
        if triggers is not None:
            for state, given in zip(states, triggers, strict=True):
                state.given = [(_first_word(state.tokens, span), span, event_type) for span, event_type in given]
        size = self.window - 2  # room for [CLS] and [SEP]
        jobs = [(i, w) for i, state in enumerate(states) for w in plan_windows(len(state.tokens), size, self.stride)]
        jobs.sort(key=lambda job: job[1].end - job[1].start, reverse=True)  # similar lengths batch with little padding
        for b in tqdm(range(0, len(jobs), batch_size), desc="windows", unit="batch", disable=not progress):
            self._run_batch([(states[i], w) for i, w in jobs[b : b + batch_size]])
        paths = best_bio_tags([s.claim for s in states], [s.words.positions for s in states], self.claim_labels,
                              self._claim_transitions)
        for state, path in zip(states, paths, strict=True):
            positions = state.words.positions
            state.claim_spans = decode_word_tags([path[p][0] for p in positions], [path[p][1] for p in positions],
                                                 state.tokens, positions)
            if self.reads_frames:
                self._keep_chosen_frames(state)
        return states

    def _run_batch(self, batch: list[tuple[ArticleState, Window]]) -> None:
        tok = self.tokenizer
        rows = [[tok.cls_token_id, *s.tokens.input_ids[w.start : w.end], tok.sep_token_id] for s, w in batch]
        width = max(map(len, rows))
        input_ids = torch.tensor([r + [tok.pad_token_id] * (width - len(r)) for r in rows], device=self.device)
        attention_mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows], device=self.device)
        out = self.model(input_ids, attention_mask, return_hidden=True)
        # Claim and entity tags are chosen per article (constrained decoding), so each word keeps its distribution;
        # trigger tags are chosen here. Plain lists and arrays: the per-word loop below is slow on tensors.
        claim_log_probs = out.claim_logits.float().log_softmax(-1).cpu().numpy()  # (B, T, C)
        entity_log_probs = (out.entity_logits.float().log_softmax(-1).cpu().numpy()  # (B, T, E)
                            if self.entity_labels and out.entity_logits is not None else None)
        trig_p, trig_i = (t.tolist() for t in tag_probabilities(out.trigger_logits, self.thresholds.trigger))
        cue_probs = (np.exp(claim_log_probs[..., self._cue_columns]).sum(-1)  # (B, T) P(B-cue) + P(I-cue)
                     if self.reads_frames else None)
        for b, (state, window) in enumerate(batch):
            triggers, cues = [], []  # (key, first-subword position, event type); cue candidates' positions
            if state.given is not None:
                triggers = [(i, p, event_type) for i, (p, _, event_type) in enumerate(state.given)
                            if window.own_start <= p < window.own_end]
            rows = state.rows(window)
            owned = state.words.positions[rows]
            local_rows = [p - window.start + 1 for p in owned]
            state.claim[rows] = claim_log_probs[b, local_rows]
            if entity_log_probs is not None:
                state.entity[rows] = entity_log_probs[b, local_rows]
            for position, local in zip(owned, local_rows, strict=True):
                tag = self.trigger_labels[trig_i[b][local]]
                state.trigger[position] = (tag, trig_p[b][local])
                if tag != "O" and state.given is None:
                    triggers.append((position, position, tag[2:]))
                if cue_probs is not None and cue_probs[b, local] >= CUE_CANDIDATE:
                    cues.append(position)
            if triggers:
                self._run_arguments(state, window, out.hidden_states[b : b + 1], triggers)
            if cues:
                self._read_frames(state, window, out.hidden_states[b : b + 1], cues)

    def _run_arguments(self, state: ArticleState, window: Window, hidden: torch.Tensor,
                       triggers: list[tuple[int, int, str]]) -> None:
        """Tag the arguments of each ``(key, trigger position, event type)`` in one window; roles are limited to the
        trigger's event type."""
        positions = torch.tensor([[p - window.start + 1 for _, p, _ in triggers]], device=self.device)  # (1, K)
        logits = self.model.argument_logits(hidden, positions)[0].float()  # (K, T, A)
        masks = torch.stack([self._role_masks[event_type] for _, _, event_type in triggers]).to(self.device)  # (K, A)
        words, local = window_words(state.tokens, window)
        if self.by_entities:
            every = (logits + masks[:, None, :]).softmax(-1)[:, local].cpu().numpy()  # (K, W, A)
            for k, (key, _, _) in enumerate(triggers):
                state.argument_probs[key] = dict(zip(words, every[k], strict=True))
            return
        probs, labels = tag_probabilities(logits + masks[:, None, :], self.thresholds.argument)  # (K, T) each
        for k, (key, _, _) in enumerate(triggers):
            tags = [self.argument_labels[i] for i in labels[k, local].tolist()]
            state.arguments[key] = decode_word_tags(tags, probs[k, local].tolist(), state.tokens, words)

    def _read_frames(self, state: ArticleState, window: Window, hidden: torch.Tensor, cues: list[int]) -> None:
        """Run the frame head at each cue candidate's position in one window (hidden: (1, T, H)): one pass for all of
        them. Candidates are about 3 times as many as the cues the claim path chooses, but the head is one linear layer
        over the window, and no window's encoder output outlives its batch."""
        positions = torch.tensor([[p - window.start + 1 for p in cues]], device=self.device)  # (1, Q)
        frame_words, local = window_words(state.tokens, window)
        logits = self.model.frame_logits(hidden, positions)[0]  # (Q, T, F)
        log_probs = logits.float().log_softmax(-1)[:, local].cpu().numpy()  # (Q, W, F)
        for q, position in enumerate(cues):
            state.cue_frames[position] = (frame_words, log_probs[q])

    @staticmethod
    def _keep_chosen_frames(state: ArticleState) -> None:
        """The frames of the claim path's cues, read at each cue's first word; the other candidates' are dropped."""
        for span, part, _ in state.claim_spans:
            first = state.words.first_in(span) if part == "cue" else None
            if first in state.cue_frames:
                state.frames[first] = state.cue_frames[first]
        state.cue_frames.clear()


def _first_word(tokens: TokenizedText, span: Span) -> int:
    """The first subword of the word where ``span`` starts (a given trigger is read there, as a found one would be)."""
    position = tokens.first_token(span)
    if position is None:
        raise ValueError(f"trigger {span.start}-{span.end} covers no word of its text; accepted: a span over a word")
    while not tokens.word_starts[position]:
        position -= 1
    return position
