"""Decoding tags: tags from logits (argmax or a threshold on ``P(not O)``) and the most probable valid IOB2 path.
Linking the tagged spans into claims is :mod:`inference.claim_linking`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def tag_probabilities(logits: torch.Tensor, o_threshold: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-position (probability, label index) of the chosen tag; label 0 must be ``O``.

    With ``o_threshold`` a position takes its best non-``O`` label as soon as ``1 - P(O)`` reaches the threshold, which
    recovers tags a model learnt to under-predict from incompletely annotated data (M2E2 leaves many real triggers
    unlabelled, so the trigger head is taught that they are ``O`` and its argmax misses them).

    Example:
        >>> logits = torch.tensor([[[2.0, 1.0, 0.0]]]).log()  # P = (2/3, 1/3, 0)
        >>> tag_probabilities(logits)[1].tolist(), tag_probabilities(logits, o_threshold=0.3)[1].tolist()
        ([[0]], [[1]])
    """
    probs = logits.float().softmax(-1)  # (B, T, C)
    if o_threshold is None:
        return probs.max(-1)
    best, best_index = probs[..., 1:].max(-1)  # (B, T) each
    tagged = (1.0 - probs[..., 0]) >= o_threshold
    return torch.where(tagged, best, probs[..., 0]), torch.where(tagged, best_index + 1, 0)


def allowed_transitions(labels: Sequence[str]) -> np.ndarray:
    """``allowed[i, j]``: tag ``labels[j]`` may follow tag ``labels[i]`` in IOB2 (``I-x`` only after ``B-x``/``I-x``).

    Example:
        >>> allowed_transitions(["O", "B-cue", "I-cue"]).astype(int).tolist()
        [[1, 1, 0], [1, 1, 1], [1, 1, 1]]
    """
    def continues(previous: str, tag: str) -> bool:
        return not tag.startswith("I-") or previous[2:] == tag[2:] and previous != "O"

    return np.array([[continues(a, b) for b in labels] for a in labels])


def best_bio_paths(log_probs: Sequence[np.ndarray], allowed: np.ndarray) -> list[np.ndarray]:
    """For each sequence, the most probable tag sequence that is valid IOB2, given per-word tag log-probabilities
    (each of shape (W_i, C)). Returns one path of shape (W_i,) per sequence.

    Per-word argmax can yield ``O I-content I-content``, or cut a long content span in two with one stray ``O``; the
    span metrics (and users) then see broken spans. Viterbi over the independent per-word distributions with the IOB2
    transition constraints repairs that. Written here because the constraint is all we need: CRF libraries learn
    transition weights, which would mean another training objective.

    The sequences (a batch of articles) are decoded side by side, one step per word of the longest, because the cost
    is the Python loop over words, not the arithmetic. They are packed time-major, as in torch's ``PackedSequence``:
    longest first, so the sequences still running at step ``w`` are the first ``running[w]``, and their words at
    ``w`` are one contiguous slice (a view: no copy per step); memory stays linear in the number of words, however
    unequal the lengths.

    Example:
        >>> probs = np.log([[0.45, 0.4, 0.15], [0.2, 0.1, 0.7]])  # labels O, B-x, I-x; argmax: O I-x
        >>> [path.tolist() for path in best_bio_paths([probs], allowed_transitions(["O", "B-x", "I-x"]))]  # B-x I-x
        [[1, 2]]
    """
    order = sorted((i for i, sequence in enumerate(log_probs) if len(sequence)), key=lambda i: -len(log_probs[i]))
    paths = [np.zeros(0, dtype=np.int64) for _ in log_probs]
    if not order:
        return paths
    lengths = [len(log_probs[i]) for i in order]  # longest first
    running = np.searchsorted(-np.array(lengths), -np.arange(lengths[0]), side="left")  # (W,) sequences longer than w
    step_start = np.concatenate([[0], np.cumsum(running)]).tolist()  # step w's rows: [step_start[w], step_start[w+1])
    sequence_of = np.repeat(np.arange(len(order)), lengths)  # (sum W,) sequence-major: by sequence, then word
    word_of = np.concatenate([np.arange(length) for length in lengths])
    packed = np.concatenate([log_probs[i] for i in order])[np.lexsort((sequence_of, word_of))]  # (sum W, C) time-major

    transition = np.where(allowed, 0.0, -np.inf)  # (C previous, C next)
    # Only tags that may follow anything (O, B-x) may open a sequence.
    score = np.where(allowed.all(0), packed[: running[0]], -np.inf)  # (N, C)
    back = np.zeros(packed.shape, dtype=np.int64)  # (sum W, C) best previous tag, time-major
    for w in range(1, lengths[0]):
        now, rows = running[w], slice(step_start[w], step_start[w + 1])
        candidates = score[:now, :, None] + transition  # (now, C previous, C next)
        candidates.argmax(1, out=back[rows])
        np.add(candidates.max(1), packed[rows], out=score[:now])  # a finished sequence's score stays as it ended

    # Back along each path in plain Python: a scalar step on lists costs less than a numpy call.
    back_rows, last_tags = back.tolist(), score.argmax(-1).tolist()
    for n, (i, length) in enumerate(zip(order, lengths, strict=True)):
        path, tag = [0] * length, last_tags[n]
        for w in range(length - 1, 0, -1):
            path[w] = tag
            tag = back_rows[step_start[w] + n][tag]
        path[0] = tag
        paths[i] = np.array(path)
    return paths
