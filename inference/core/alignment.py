"""Alignment between characters, words, subword tokens and overlapping windows.

Shared by training (character spans -> token labels) and inference (token predictions -> character spans), so both
sides cut articles into windows and words in exactly the same way.

Labels follow the Hugging Face token-classification convention: only the first subword of each word carries a label
(the rest are ``-100``), so every decoded span covers whole words of the tokenizer's pre-tokenizer.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from .articles import Span

T = TypeVar("T")

IGNORE_INDEX = -100
# A Python str may hold lone UTF-16 surrogates (from JSON "\\ud800" or surrogateescape decoding); the Rust tokenizer
# refuses them. Each is one code point, as is U+FFFD, so the substitute keeps every offset.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class TokenizedText:
    """A whole text tokenized once, without special tokens.

    ``offsets[i]`` is the character span of token ``i``; ``word_ids[i]`` numbers the word it belongs to.
    """

    input_ids: list[int]
    offsets: list[tuple[int, int]]
    word_ids: list[int]

    def __len__(self) -> int:
        return len(self.input_ids)

    @cached_property  # read once per window: recomputing it made long articles quadratic
    def word_starts(self) -> list[bool]:
        """True at the first subword of each word."""
        return [i == 0 or self.word_ids[i] != self.word_ids[i - 1] for i in range(len(self.word_ids))]

    @cached_property
    def token_ends(self) -> list[int]:
        """The character where each token ends (non-decreasing: tokens come in text order)."""
        return [end for _, end in self.offsets]

    def first_token(self, span: Span) -> int | None:
        """The first token of ``span``: the first ending after its start, or None when the span covers no token (a
        binary search: a scan from the start for every span made long articles quadratic)."""
        position = bisect_right(self.token_ends, span.start)
        return position if position < len(self) and self.offsets[position][0] < span.end else None

    @cached_property  # read for every decoded word: scanning forward each time was a measurable cost on long articles
    def word_ends(self) -> list[int]:
        """At each token, the character where its word ends (the end of the word's last subword)."""
        ends = list(self.token_ends)
        for i in range(len(ends) - 2, -1, -1):
            if self.word_ids[i] == self.word_ids[i + 1]:
                ends[i] = ends[i + 1]
        return ends


def tokenize_texts(tokenizer, texts: Sequence[str]) -> list[TokenizedText]:
    """Tokenize whole texts with character offsets (needs a fast tokenizer), in one call: the Rust tokenizer encodes
    a batch on all cores.

    Example:
        >>> tokenize_texts(tokenizer, ["He said no."])[0].offsets
        [(0, 2), (3, 7), (8, 10), (10, 11)]
    """
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(f"{type(tokenizer).__name__} is not a fast tokenizer; character offsets need a fast one")
    if not texts:
        return []
    texts = [_SURROGATE.sub("\ufffd", text) for text in texts]  # same length: offsets index the text given
    encodings = tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    tokenized = []
    for index, (input_ids, offsets) in enumerate(zip(encodings["input_ids"], encodings["offset_mapping"],
                                                     strict=True)):
        # A few tokenizers give None word ids for odd characters; give each such token a word of its own.
        word_ids, last = [], -1
        for word_id in encodings.word_ids(index):
            last = word_id if word_id is not None else last + 1
            word_ids.append(last)
        tokenized.append(TokenizedText(input_ids, _with_marks(texts[index], [tuple(o) for o in offsets]), word_ids))
    return tokenized


def _is_mark(char: str) -> bool:
    """A character that belongs to the one before it: a combining mark (Mn, Me: accents, enclosing circles), a
    variation selector (Mn too) or the zero-width joiner."""
    return unicodedata.category(char) in ("Mn", "Me") or char == "\u200d"


def _with_marks(text: str, offsets: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``offsets`` with each token's end moved over the marks that follow it and no token covers: the tokenizer drops
    them (accents are stripped), which left ``"Gaza\u0301"`` tagged as ``"Gaza"``. Text without marks is returned
    as it is, after a check of its distinct characters only."""
    if not any(_is_mark(char) for char in set(text)):
        return offsets
    extended = list(offsets)
    for i, (start, end) in enumerate(offsets):
        limit = offsets[i + 1][0] if i + 1 < len(offsets) else len(text)
        while end < limit and _is_mark(text[end]):
            end += 1
        extended[i] = (start, end)
    return extended


def tokenize_text(tokenizer, text: str) -> TokenizedText:
    """Tokenize one whole text with character offsets (see :func:`tokenize_texts`).

    Example:
        >>> tokenize_text(tokenizer, "He said no.").offsets
        [(0, 2), (3, 7), (8, 10), (10, 11)]
    """
    return tokenize_texts(tokenizer, [text])[0]


@dataclass(frozen=True)
class Window:
    """Tokens ``[start, end)`` of a tokenized text; this window decides for tokens ``[own_start, own_end)``."""

    start: int
    end: int
    own_start: int
    own_end: int


def plan_windows(num_tokens: int, size: int, stride: int) -> list[Window]:
    """Cut ``num_tokens`` into windows of at most ``size`` tokens overlapping by ``stride``.

    Each token is *owned* by exactly one window, the one where it sits farthest from an edge (the overlap is split in
    the middle), so predictions merged from windows have no duplicates and no seams.

    Example:
        >>> plan_windows(10, size=6, stride=2)
        [Window(start=0, end=6, own_start=0, own_end=5), Window(start=4, end=10, own_start=5, own_end=10)]
    """
    if size <= 0 or not 0 <= stride < size:
        raise ValueError(f"window size must be > 0 and 0 <= stride < size; got size={size}, stride={stride}")
    if num_tokens == 0:
        return []
    starts = list(range(0, max(num_tokens - stride, 1), size - stride))
    bounds = [(s, min(s + size, num_tokens)) for s in starts]
    if bounds[-1][1] < num_tokens:  # pragma: no cover - the range above always reaches the end
        bounds.append((num_tokens - size, num_tokens))
    windows = []
    for i, (start, end) in enumerate(bounds):
        own_start = 0 if i == 0 else (start + bounds[i - 1][1]) // 2
        own_end = num_tokens if i == len(bounds) - 1 else (bounds[i + 1][0] + end) // 2
        windows.append(Window(start, end, own_start, own_end))
    return windows


def first_of_overlapping(items: Iterable[T], bounds: Callable[[T], tuple[int, int]]) -> tuple[list[T], list[T]]:
    """One IOB2 layer holds one span per word, so of overlapping spans only the first is kept: by start, then the
    longest, then as given. Returns ``(kept, dropped)``, the kept in that order. ``bounds(item)`` is ``(start, end)``
    (characters or words). The importers, the training labels and the span metrics all resolve overlaps with it.

    Example:
        >>> first_of_overlapping([(5, 9), (0, 3), (0, 6)], lambda item: item)
        ([(0, 6)], [(0, 3), (5, 9)])
    """
    kept: list[T] = []
    dropped: list[T] = []
    kept_end = 0
    for item in sorted(items, key=lambda item: (bounds(item)[0], -bounds(item)[1])):
        start, end = bounds(item)
        if kept and start < kept_end:
            dropped.append(item)
        else:
            kept.append(item)
            kept_end = end
    return kept, dropped


def spans_to_word_tags(tokens: TokenizedText, spans: Sequence[tuple[Span, str]]) -> tuple[list[str], int]:
    """Tag each token ``O``/``B-x``/``I-x`` from labelled character spans, widened to whole words.

    Spans must not overlap (one layer holds one tag per token). Returns the tags and how many spans had a boundary
    inside a word or covered no token (the first are widened to whole words, the second cannot be tagged).

    Example:
        >>> tokens = tokenize_text(tokenizer, "He said no.")
        >>> spans_to_word_tags(tokens, [(Span(3, 7), "cue")])
        (['O', 'B-cue', 'O', 'O'], 0)
    """
    starts = [s for s, _ in tokens.offsets]
    ends = tokens.token_ends
    word_ids = tokens.word_ids
    tags = ["O"] * len(tokens)
    misaligned = 0
    for span, label in sorted(spans, key=lambda item: item[0]):
        first = bisect_right(ends, span.start)  # first token ending after the span starts
        last = bisect_left(starts, span.end) - 1  # last token starting before the span ends
        if first > last:
            misaligned += 1
            continue
        while first > 0 and word_ids[first - 1] == word_ids[first]:
            first -= 1
        while last + 1 < len(tokens) and word_ids[last + 1] == word_ids[last]:
            last += 1
        if starts[first] != span.start or ends[last] != span.end:
            misaligned += 1
        tags[first] = f"B-{label}"
        tags[first + 1 : last + 1] = [f"I-{label}"] * (last - first)
    return tags, misaligned


def tags_to_label_ids(tags: Sequence[str], word_starts: Sequence[bool], label2id: dict[str, int]) -> list[int]:
    """Label ids on the first subword of each word, ``-100`` on the other subwords."""
    return [label2id[tag] if start else IGNORE_INDEX for tag, start in zip(tags, word_starts, strict=True)]


def decode_word_tags(tags: Sequence[str], scores: Sequence[float], tokens: TokenizedText, positions: Sequence[int]
                     ) -> list[tuple[Span, str, float]]:
    """Turn per-word tags back into character spans.

    ``tags[k]`` and ``scores[k]`` belong to the word whose first subword is token ``positions[k]`` (positions in
    increasing order). An ``I-x`` that does not continue an ``x`` span starts a new one, as seqeval's default does.
    Returns ``(span, label, mean score)`` tuples in text order.
    """
    spans: list[tuple[Span, str, float]] = []
    current: list | None = None  # [start_char, end_char, label, score_sum, n_words, last_word]
    for tag, score, position in zip(tags, scores, positions, strict=True):
        word = tokens.word_ids[position]
        end = tokens.word_ends[position]
        prefix, _, label = tag.partition("-")
        if prefix == "I" and current is not None and current[2] == label and current[5] == word - 1:
            current[1], current[3], current[4], current[5] = end, current[3] + score, current[4] + 1, word
            continue
        if current is not None:
            spans.append((Span(current[0], current[1]), current[2], current[3] / current[4]))
            current = None
        if prefix in ("B", "I"):
            current = [tokens.offsets[position][0], end, label, score, 1, word]
    if current is not None:
        spans.append((Span(current[0], current[1]), current[2], current[3] / current[4]))
    return spans

