"""Decoding tags: tags from logits (argmax or a threshold on ``P(not O)``), the most probable valid IOB2 path, and the
role an entity mention takes as an argument. Linking the tagged spans into claims is
:mod:`inference.core.claim_linking`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from .articles import Span


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


def best_valid_tags(log_probs: Sequence[np.ndarray], labels: Sequence[str], allowed: np.ndarray
                    ) -> list[tuple[list[str], list[float]]]:
    """For each sequence of log-probabilities (W, C), the most probable valid IOB2 tags and each chosen tag's
    probability (all sequences decoded side by side, :func:`best_bio_paths`).

    Example:
        >>> labels = ["O", "B-x", "I-x"]
        >>> tags, scores = best_valid_tags([np.log([[0.45, 0.4, 0.15], [0.2, 0.1, 0.7]])], labels,
        ...                                allowed_transitions(labels))[0]
        >>> tags, [round(s, 2) for s in scores]
        (['B-x', 'I-x'], [0.4, 0.7])
    """
    decoded = []
    for scores, path in zip(log_probs, best_bio_paths(log_probs, allowed), strict=True):
        chosen = np.exp(scores[np.arange(len(path)), path]).tolist()
        decoded.append(([labels[i] for i in path.tolist()], chosen))
    return decoded


def best_bio_tags(log_probs: list[np.ndarray], words: list[list[int]], labels: list[str],
                  transitions: np.ndarray) -> list[dict[int, tuple[str, float]]]:
    """Each article's best valid IOB2 tags of one layer, word by word, with each chosen tag's probability.

    ``log_probs``: per article, the layer's log-probabilities of each word (W, C); ``words``: each article's word
    positions in the same order, the keys of the dicts returned.

    Example:
        >>> labels = ["O", "B-cue", "I-cue"]
        >>> (tags,) = best_bio_tags([np.log([[0.2, 0.1, 0.7]])], [[0]], labels, allowed_transitions(labels))
        >>> tags[0][0], round(tags[0][1], 2)  # I-cue cannot start a span: O is the best valid tag
        ('O', 0.2)
    """
    return [dict(zip(positions, zip(tags, scores, strict=True), strict=True))
            for positions, (tags, scores) in zip(words, best_valid_tags(log_probs, labels, transitions), strict=True)]


def role_columns(argument_labels: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Each role's ``(index of B-role, index of I-role)`` in the argument labels.

    Example:
        >>> role_columns(["O", "B-Place", "I-Place"])
        {'Place': (1, 2)}
    """
    return {label[2:]: (i, list(argument_labels).index(f"I-{label[2:]}"))
            for i, label in enumerate(argument_labels) if label.startswith("B-")}


def entity_arguments(probs: dict[int, np.ndarray], entity_words: Sequence[tuple[Span, list[int]]],
                     roles: dict[str, tuple[int, int]], threshold: float | None) -> list[tuple[Span, str, float]]:
    """Arguments chosen among entity mentions: each mention takes the role whose tags (``B-`` or ``I-``) its words
    score highest on average, if that beats ``O`` (or, with a ``threshold``, if ``1 - P(O)`` reaches it).

    ``probs``: word position -> the trigger's argument tag probabilities there (A,); ``entity_words``: each mention
    with the positions of its words; ``roles``: :func:`role_columns` of the argument labels.

    Example:
        >>> entity_arguments({3: np.array([0.2, 0.8, 0.0])}, [(Span(10, 14), [3])], {"Place": (1, 2)}, None)
        [(Span(start=10, end=14), 'Place', 0.8)]
    """
    arguments = []
    for span, positions in entity_words:
        inside = [p for p in positions if p in probs]
        if not inside:  # outside the window the trigger was read in
            continue
        mean = np.mean([probs[p] for p in inside], axis=0)  # (A,)
        role, (b, i) = max(roles.items(), key=lambda item: mean[item[1][0]] + mean[item[1][1]])
        score = float(mean[b] + mean[i])
        outside = float(mean[0])
        if (1.0 - outside >= threshold) if threshold is not None else score > outside:
            arguments.append((span, role, score))
    return arguments
