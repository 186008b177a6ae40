"""Reading claims out of the frame head: each cue's source and content (``claim_decoding`` "frames" and
"frame_linker").

Which words are cues is decided by the claim head's constrained decoding over the whole article, after every window
has run; so while windows run, the predictor keeps the encoder's output of the windows where a cue may be, and then
reads a *frame* for each chosen cue, at its first word: the window's word positions with the frame head's
log-probabilities of ``O`` / ``B-source`` / ``I-source`` / ``B-content`` / ``I-content`` for each, read against
that word. The functions here turn those frames into claim parts.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .alignment import TokenizedText, decode_word_tags
from .articles import Span
from .decoding import best_valid_tags

# A window's encoder output is kept for the frame pass when one of its words may be a cue: P(B-cue) + P(I-cue) reaches
# this. The cues are only chosen later, by the article's constrained decoding; a low bar makes sure each has its frame.
CUE_CANDIDATE = 0.2
# "frame_linker": a frame claims a fragment of the claim head when it tags the fragment's words as that part with at
# least this mean probability.
FRAME_LINK = 0.5

Frame = tuple[list[int], np.ndarray]  # a window's word positions (W,), frame tag log-probs (W, F)


@dataclass
class ArticleWords:
    """An article's words as first-subword positions, with the character where each starts, to find a span's words."""

    positions: list[int]
    starts: list[int]

    @classmethod
    def of(cls, tokens: TokenizedText, positions: list[int]) -> ArticleWords:
        return cls(positions, [tokens.offsets[p][0] for p in positions])

    def within(self, span: Span) -> list[int]:
        """The first-subword positions of the words that start inside ``span``."""
        return self.positions[bisect_left(self.starts, span.start) : bisect_left(self.starts, span.end)]

    def first_in(self, span: Span) -> int | None:
        """The first-subword position of the first word of ``span`` (None: no word starts inside it)."""
        at = bisect_left(self.starts, span.start)
        return self.positions[at] if at < len(self.starts) and self.starts[at] < span.end else None


def frame_of(frames: dict[int, Frame], cue: Span, words: ArticleWords) -> Frame | None:
    """The frame read for the cue, at its first word (None: none was read)."""
    return frames.get(words.first_in(cue))


def decode_frames(cues: Sequence[tuple[Span, Frame, TokenizedText]], labels: list[str], transitions: np.ndarray
                  ) -> list[list[tuple[Span, str, float]]]:
    """For each ``(cue, frame, tokens)``, the ``(span, "source" | "content", score)`` parts its frame decodes to: the
    most probable valid IOB2 path, all cues decoded side by side; parts overlapping the cue are left out."""
    tagged = best_valid_tags([log_probs for _, (_, log_probs), _ in cues], labels, transitions)
    return [[item for item in decode_word_tags(tags, scores, tokens, positions)
             if not item[0].overlaps(cue)]
            for (cue, (positions, _), tokens), (tags, scores) in zip(cues, tagged, strict=True)]


def frame_choice(frames: dict[int, Frame], cues: Sequence[Span], words: ArticleWords, labels: list[str]
                 ) -> Callable[[Span, str], Span | None]:
    """For :func:`~inference.core.claim_linking.link_claims`'s ``choose``: given a source or content fragment of the
    claim head, the cue whose frame tags it as that part (mean P(B-part) + P(I-part) over its words at least
    ``FRAME_LINK``), the most confident one; None when no frame does (the linker then takes the nearest cue)."""
    columns = {part: [labels.index(f"{x}-{part}") for x in "BI"] for part in ("source", "content")}
    read = []  # (cue, word position -> row, part -> P(B-part) + P(I-part) per row)
    covering: dict[int, list[int]] = {}  # word position -> the frames (indices into read) that hold it
    for cue in cues:
        frame = frame_of(frames, cue, words)
        if frame is not None:
            probs = np.exp(frame[1])  # (W, F)
            # plain lists: a fragment has a few words, and numpy's per-call cost was most of this function's time
            part_probs = {part: probs[:, cols].sum(-1).tolist() for part, cols in columns.items()}
            for position in frame[0]:
                covering.setdefault(position, []).append(len(read))
            read.append((cue, {p: i for i, p in enumerate(frame[0])}, part_probs))

    def choose(span: Span, part: str) -> Span | None:
        positions = words.within(span)
        best, best_score = None, FRAME_LINK
        # Only the frames whose window holds a word of the fragment can claim it (any other scores 0): looking at
        # every cue of the article for every fragment made long articles quadratic.
        for cue, rows, part_probs in (read[k] for k in sorted({k for p in positions for k in covering.get(p, ())})):
            inside = [part_probs[part][rows[p]] for p in positions if p in rows]
            score = sum(inside) / len(inside) if inside else 0.0
            if score >= best_score:
                best, best_score = cue, score
        return best

    return choose
