"""Articles -> training windows with token labels for the three heads, as a ``datasets.Dataset``.

An article's layers that are not annotated (``article.layers``) get ``-100`` everywhere, so a PolNeAR article teaches
claims without teaching that nothing happened, and an M2E2 article teaches events without teaching "no claims". A
``partial_events`` article (RAMS) teaches its triggers and their arguments, but not that other words are no trigger,
and an article's ``masked_triggers`` (events of types the schema cannot map; words that are probably triggers nobody
labelled, see ``training/data/partial_labels.py``) are taught neither as triggers nor as "no trigger". Entity tags are
taught only on ``"entities"`` articles. Each window says which trigger conventions its article follows
(``convention``: its corpus's index in ``config.event_conventions``, 0 when not listed).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Sequence

from datasets import Dataset, Features, List, Value

from inference.core.alignment import (
    IGNORE_INDEX,
    TokenizedText,
    Window,
    first_of_overlapping,
    plan_windows,
    spans_to_word_tags,
    tags_to_label_ids,
    tokenize_text,
)
from inference.core.articles import Article, Event, Span
from inference.core.modeling import EventClaimConfig

logger = logging.getLogger(__name__)

# Explicit types: a batch of windows without any trigger would otherwise infer an untyped empty list.
FEATURES = Features({
    "input_ids": List(Value("int32")),
    "claim_labels": List(Value("int16")),
    "trigger_labels": List(Value("int16")),
    "entity_labels": List(Value("int16")),
    "convention": Value("int8"),
    "trigger_positions": List(Value("int32")),
    "argument_labels": List(List(Value("int16"))),
    "cue_positions": List(Value("int32")),
    "frame_labels": List(List(Value("int16"))),
})


def _drop_overlaps(spans: list[tuple[Span, str]], counts: Counter, what: str) -> list[tuple[Span, str]]:
    """The spans one tag sequence can hold (:func:`~inference.core.alignment.first_of_overlapping`); a span given
    twice with its label (one source shared by two claims) is tagged once."""
    unique = list(dict.fromkeys(spans))
    kept, dropped = first_of_overlapping(unique, lambda item: (item[0].start, item[0].end))
    for reason, count in ((f"{what} shared by two annotations, tagged once", len(spans) - len(unique)),
                          (f"{what} overlapping an earlier one, not trained", len(dropped))):
        if count:
            counts[reason] += count
    return kept


def article_windows(article: Article, tokenizer, config: EventClaimConfig, max_length: int, stride: int,
                    max_triggers: int, counts: Counter) -> Iterator[dict]:
    """Yield one feature dict per window of ``article``; alignment problems are added to ``counts``."""
    tokens = tokenize_text(tokenizer, article.text)
    label = _Labeller(tokens, counts)
    none = [IGNORE_INDEX] * len(tokens)
    claim_labels = none
    if "claims" in article.layers:
        claim_labels = label([(s, part) for c in article.claims for part, s in c.parts()], config.claim_labels,
                             "claim span")
    trigger_labels, events = none, []
    if "events" in article.layers or "partial_events" in article.layers:
        trigger_labels, events = _trigger_labels(article, config, label)
    entity_labels = none
    if "entities" in article.layers and config.entity_labels:
        entity_labels = label([(e.span, e.type) for e in article.entities], config.entity_labels, "entity")
    corpus = article.meta.get("corpus")
    convention = config.event_conventions.index(corpus) if corpus in config.event_conventions else 0
    # The first subword of each trigger, and its arguments' labels over the whole article.
    event_rows = [(tokens.first_token(e.trigger),
                   label([(a.span, a.role) for a in e.arguments], config.argument_labels, "argument"))
                  for e in events]
    frame_rows = _frame_rows(article, config, label) if "claims" in article.layers and config.frame_labels else []

    for window in plan_windows(len(tokens), max_length - 2, stride):
        span = slice(window.start, window.end)
        inside = _anchors_in(window, event_rows, max_triggers, counts, "trigger")
        cues = _anchors_in(window, frame_rows, max_triggers, counts, "cue")
        yield {
            # [CLS] ... [SEP] around the window's tokens; their labels are -100.
            "input_ids": [tokenizer.cls_token_id, *tokens.input_ids[span], tokenizer.sep_token_id],
            "claim_labels": [IGNORE_INDEX, *claim_labels[span], IGNORE_INDEX],
            "trigger_labels": [IGNORE_INDEX, *trigger_labels[span], IGNORE_INDEX],
            "entity_labels": [IGNORE_INDEX, *entity_labels[span], IGNORE_INDEX],
            "convention": convention,
            "trigger_positions": [p - window.start + 1 for p, _ in inside],
            "argument_labels": [[IGNORE_INDEX, *row[span], IGNORE_INDEX] for _, row in inside],
            "cue_positions": [p - window.start + 1 for p, _ in cues],
            "frame_labels": [[IGNORE_INDEX, *row[span], IGNORE_INDEX] for _, row in cues],
        }


class _Labeller:
    """Label ids of one layer over an article's tokens, from labelled spans (overlaps and misalignments counted)."""

    def __init__(self, tokens: TokenizedText, counts: Counter) -> None:
        self.tokens, self.counts = tokens, counts

    def __call__(self, spans: list[tuple[Span, str]], labels: list[str], what: str) -> list[int]:
        tags, misaligned = spans_to_word_tags(self.tokens, _drop_overlaps(spans, self.counts, what))
        self.counts[f"{what} boundary inside a word (widened to whole words)"] += misaligned
        return tags_to_label_ids(tags, self.tokens.word_starts, {label: i for i, label in enumerate(labels)})


def _trigger_labels(article: Article, config: EventClaimConfig, label: _Labeller) -> tuple[list[int], list[Event]]:
    """The trigger layer's label ids, and the events whose triggers it holds."""
    counts = label.counts
    trigger_spans = _drop_overlaps([(e.trigger, e.type) for e in article.events], counts, "trigger")
    trigger_labels = label(trigger_spans, config.trigger_labels, "trigger")
    if "partial_events" in article.layers:
        # Only the labelled triggers are known: an "O" there may be an event nobody labelled (RAMS labels one
        # per document), so it must not teach "no trigger". Arguments of a labelled trigger are complete.
        outside = config.trigger_labels.index("O")
        trigger_labels = [IGNORE_INDEX if tag == outside else tag for tag in trigger_labels]
    masked = [span for span in article.masked_triggers if not any(span.overlaps(t) for t, _ in trigger_spans)]
    if masked:
        hidden, _ = spans_to_word_tags(label.tokens, [(span, "masked") for span in masked])
        trigger_labels = [IGNORE_INDEX if tag != "O" else label_id
                          for tag, label_id in zip(hidden, trigger_labels, strict=True)]
        counts["trigger label unknown (masked_triggers), not trained"] += len(masked)
    kept = {span for span, _ in trigger_spans}
    return trigger_labels, [e for e in article.events if e.trigger in kept]


def _frame_rows(article: Article, config: EventClaimConfig, label: _Labeller) -> list[tuple[int | None, list[int]]]:
    """The first subword of each claim's first cue fragment, and that claim's source and content labels. A claim
    without a cue has no frame (the frame head is read from a cue); PolNeAR has a few."""
    rows = []
    for claim in article.claims:
        if not claim.cue:
            label.counts["claim without a cue, no frame trained"] += 1
            continue
        spans = [(s, "source") for s in claim.source] + [(s, "content") for s in claim.content]
        rows.append((label.tokens.first_token(min(claim.cue)), label(spans, config.frame_labels, "frame span")))
    return rows


def _anchors_in(window: Window, rows: list[tuple[int | None, list[int]]], limit: int, counts: Counter, what: str
                ) -> list[tuple[int, list[int]]]:
    """The anchored rows (trigger or cue position, labels) whose anchor is in ``window``, at most ``limit``."""
    inside = [(p, row) for p, row in rows if p is not None and window.start <= p < window.end]
    if len(inside) > limit:
        counts[f"{what} over max_triggers_per_window, not trained there as an anchor"] += len(inside) - limit
    return inside[:limit]


def build_dataset(articles: Sequence[Article], tokenizer, config: EventClaimConfig, max_length: int, stride: int,
                  max_triggers: int = 16) -> Dataset:
    """All windows of all articles as a ``datasets.Dataset``; logs every label that could not be trained as is.

    Example::

        dataset = build_dataset(articles, tokenizer, model.config, max_length=256, stride=64)
    """
    counts: Counter = Counter()
    rows = [row for a in articles for row in article_windows(a, tokenizer, config, max_length, stride, max_triggers,
                                                             counts)]
    for reason, n in sorted(counts.items()):
        if n:
            logger.info("%d × %s", n, reason)
    if not rows:
        raise ValueError("no training windows: the articles given are all empty")
    return Dataset.from_list(rows, features=FEATURES)
