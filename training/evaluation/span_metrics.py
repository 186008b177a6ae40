"""Span-level scores of predicted articles against gold ones: exact (seqeval, strict IOB2) and character overlap.

Exact scores go through seqeval: each article's spans become IOB2 tags over one fixed word tokenisation of its text
(``\\w+|[^\\w\\s]``), the same words for gold and prediction. A span boundary inside a word snaps outward to the
whole word, so "Gaza" and "Gaza's" differ (``'`` and ``s`` are words) but a span ending mid-word matches one ending
at the word's end. IOB2 holds one span per word, so within one sequence overlapping spans are resolved by keeping
the first (by start, then longest); the rest are counted under ``dropped_overlapping``, never dropped silently
(a span holding no word at all, e.g. only spaces, is counted under ``dropped_no_words``). The character-overlap
scores need no tags and count every span, dropped or not.

Only layers annotated in the gold article (``Article.layers``) are scored: an article without event annotation
contributes no trigger or argument counts, whatever was predicted for it. Entity mentions (the ``entities`` task,
typed) are scored on ``"entities"`` articles; they are not a headline task, being a means to arguments.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import evaluate

from inference.core.alignment import first_of_overlapping
from inference.core.articles import Article, Event, Span

from .linked_claims import LinkedClaimCounts
from .words import Words, prf

logger = logging.getLogger(__name__)

METRIC_PATH = Path(__file__).parent / "metrics" / "seqeval.py"
CLAIM_TASKS = {"claim_source": "source", "claim_cue": "cue", "claim_content": "content"}
TASKS = ("trigger_identification", "trigger_classification", "argument_classification",
         "arguments_gold_triggers", *CLAIM_TASKS, "claims", "linked_claims", "entities")
# The tasks whose mean F1 picks the best checkpoint; identification and the claims total would count twice.
HEADLINE_TASKS = ("trigger_classification", "argument_classification", *CLAIM_TASKS)

Labelled = tuple[str, Span]  # (type, character span)
TRIGGER_LABELS: dict[str, Callable[[Event], str]] = {
    "trigger_identification": lambda event: "TRIGGER",
    "trigger_classification": lambda event: event.type,
}


@lru_cache(maxsize=1)
def load_seqeval() -> evaluate.EvaluationModule:
    """The repository's seqeval metric, loaded by file path (works offline; a directory path would not be found).

    Example:
        >>> load_seqeval().compute(predictions=[["B-cue", "O"]], references=[["B-cue", "O"]])["overall_f1"]
        1.0
    """
    # In memory: no Arrow cache files, so processes evaluating side by side cannot contend for a lock.
    return evaluate.load(str(METRIC_PATH), keep_in_memory=True)


@dataclass
class _Task:
    """Tag sequences and character counts gathered for one task over all articles."""

    gold: list[list[str]] = field(default_factory=list)
    pred: list[list[str]] = field(default_factory=list)
    chars: dict[str, list[int]] = field(default_factory=dict)  # type -> [gold chars, pred chars, shared chars]
    dropped: dict[str, int] = field(default_factory=lambda: {"gold": 0, "pred": 0})
    no_words: dict[str, int] = field(default_factory=lambda: {"gold": 0, "pred": 0})
    articles: int = 0

    def add(self, words: Words, gold: list[Labelled], pred: list[Labelled]) -> None:
        gold_tags = _tags(words, gold, "gold", self)
        pred_tags = _tags(words, pred, "pred", self)
        # Positions that are O on both sides cannot change which spans match (an I- tag never follows an O here), and
        # an article-long sequence per trigger would make argument scoring quadratic; keep only the others.
        keep = [k for k, (g, p) in enumerate(zip(gold_tags, pred_tags, strict=True)) if g != "O" or p != "O"]
        self.gold.append([gold_tags[k] for k in keep])
        self.pred.append([pred_tags[k] for k in keep])
        for name in {name for name, _ in gold} | {name for name, _ in pred}:
            gold_chars = {c for n, s in gold if n == name for c in range(s.start, s.end)}
            pred_chars = {c for n, s in pred if n == name for c in range(s.start, s.end)}
            counts = self.chars.setdefault(name, [0, 0, 0])
            counts[0] += len(gold_chars)
            counts[1] += len(pred_chars)
            counts[2] += len(gold_chars & pred_chars)

    def extend(self, other: _Task) -> None:
        self.gold += other.gold
        self.pred += other.pred
        for name, counts in other.chars.items():
            self.chars[name] = [a + b for a, b in zip(self.chars.get(name, [0, 0, 0]), counts, strict=True)]
        for side in ("gold", "pred"):
            self.dropped[side] += other.dropped[side]
            self.no_words[side] += other.no_words[side]
        self.articles = max(self.articles, other.articles)


def _tags(words: Words, spans: list[Labelled], side: str, task: _Task) -> list[str]:
    ranges = []
    for name, span in spans:
        first, stop = words.range_of(span)
        if first == stop:
            task.no_words[side] += 1  # e.g. a span of spaces: nothing to tag, but still counted
        else:
            ranges.append((first, stop, name))
    kept, dropped = first_of_overlapping(ranges, lambda item: item[:2])
    task.dropped[side] += len(dropped)
    tags = ["O"] * len(words)
    for first, stop, name in kept:
        tags[first:stop] = [f"B-{name}"] + [f"I-{name}"] * (stop - first - 1)
    return tags


def _pair(gold: Sequence[Article], pred: Sequence[Article]) -> list[tuple[Article, Article]]:
    by_id: dict[str, Article] = {}
    for article in pred:
        if article.id in by_id:
            raise ValueError(f"prediction id {article.id!r} appears twice; give one prediction per gold article")
        by_id[article.id] = article
    pairs, seen = [], set()
    for article in gold:
        if article.id in seen:
            raise ValueError(f"gold article id {article.id!r} appears twice; article ids must be unique")
        seen.add(article.id)
        if article.id not in by_id:
            raise ValueError(f"gold article {article.id!r} has no prediction; predictions need the gold ids")
        if by_id[article.id].text != article.text:
            raise ValueError(f"article {article.id!r}: the predicted text differs from the gold text; "
                             "predict each gold article's exact text")
        pairs.append((article, by_id[article.id]))
    for article in pred:
        if article.id not in seen:
            raise ValueError(f"prediction {article.id!r} has no gold article; predictions need the gold ids")
    return pairs


def _arguments(events: Sequence[Event], words: Words) -> dict[Hashable, list[Labelled]]:
    """Arguments by (trigger words, event type): an argument only matches under a matching trigger and type."""
    groups: dict[Hashable, list[Labelled]] = {}
    for event in events:
        key = (words.range_of(event.trigger), event.type)
        groups.setdefault(key, []).extend((a.role, a.span) for a in event.arguments)
    return groups


def _score(task: _Task) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's mean of no types when nothing was tagged
        exact = load_seqeval().compute(predictions=task.pred or [[]], references=task.gold or [[]])
    per_type = {name: {"precision": s["precision"], "recall": s["recall"], "f1": s["f1"], "support": s["number"]}
                for name, s in exact.items() if isinstance(s, dict)}
    # Types none of whose spans reached seqeval (all dropped, or holding no word) are listed too, with 0 support.
    for name in task.chars.keys() - per_type.keys():
        per_type[name] = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    # Character overlap: partial credit for near-miss boundaries. seqeval and evaluate have no such measure.
    overlap_types = {name: prf(shared, gold, pred) for name, (gold, pred, shared) in sorted(task.chars.items())}
    gold, pred, shared = (sum(counts[k] for counts in task.chars.values()) for k in range(3))
    return {
        "exact": {"precision": exact["overall_precision"], "recall": exact["overall_recall"],
                  "f1": exact["overall_f1"], "support": sum(s["support"] for s in per_type.values()),
                  "per_type": dict(sorted(per_type.items()))},
        "overlap": {**prf(shared, gold, pred), "per_type": overlap_types},
        "dropped_overlapping": dict(task.dropped),
        "dropped_no_words": dict(task.no_words),
        "articles": task.articles,
    }


def span_scores(gold: Sequence[Article], pred: Sequence[Article]) -> dict[str, Any]:
    """Exact and character-overlap P/R/F1 per task, overall and per type; scores in [0, 1].

    Articles are paired by id (same ids and texts required, else ``ValueError``). Tasks with no gold article
    annotating their layer are left out. ``linked_claims`` scores whole claims (:mod:`.linked_claims`).

    Example:
        >>> from inference.core.articles import Claim
        >>> gold = [Article("a", "He said no.", layers=("claims",), claims=[Claim([Span(0, 2)], [Span(3, 7)])])]
        >>> pred = [Article("a", "He said no.", claims=[Claim([Span(0, 2)], [Span(3, 10)])])]
        >>> scores = span_scores(gold, pred)
        >>> scores["claim_cue"]["exact"]["f1"], round(scores["claim_cue"]["overlap"]["precision"], 2)
        (0.0, 0.57)
        >>> sorted(scores)
        ['claim_content', 'claim_cue', 'claim_source', 'claims', 'linked_claims']
    """
    tasks = {name: _Task() for name in TASKS if name != "linked_claims"}
    linked = LinkedClaimCounts()
    for gold_article, pred_article in _pair(gold, pred):
        words = Words.of(gold_article.text)
        if "events" in gold_article.layers:
            for name in ("trigger_identification", "trigger_classification", "argument_classification"):
                tasks[name].articles += 1
            for name, name_of in TRIGGER_LABELS.items():
                tasks[name].add(words, [(name_of(e), e.trigger) for e in gold_article.events],
                                [(name_of(e), e.trigger) for e in pred_article.events])
            gold_args, pred_args = _arguments(gold_article.events, words), _arguments(pred_article.events, words)
            for key in gold_args.keys() | pred_args.keys():
                tasks["argument_classification"].add(words, gold_args.get(key, []), pred_args.get(key, []))
        if "claims" in gold_article.layers:
            for name, part in CLAIM_TASKS.items():
                tasks[name].articles += 1
                tasks[name].add(words, [(part, s) for c in gold_article.claims for s in getattr(c, part)],
                                [(part, s) for c in pred_article.claims for s in getattr(c, part)])
            linked.add(words, gold_article.claims, pred_article.claims)
        if "entities" in gold_article.layers:
            tasks["entities"].articles += 1
            tasks["entities"].add(words, [(e.type, e.span) for e in gold_article.entities],
                                  [(e.type, e.span) for e in pred_article.entities])
    # All claim parts together: the three parts' sequences side by side, so each part keeps its own overlaps.
    for name in CLAIM_TASKS:
        tasks["claims"].extend(tasks[name])
    scores = {name: _score(task) for name, task in tasks.items() if task.articles}
    if linked.articles:
        scores["linked_claims"] = linked.scores()
    return scores


def flat_metrics(scores: dict[str, Any]) -> dict[str, float]:
    """One flat dict for the trainer's logs: exact P/R/F1 and overlap F1 per task, and ``overall_f1``.

    ``overall_f1`` is the mean exact F1 of the headline tasks present (trigger and argument classification, claim
    source, cue and content); 0.0 when none is.

    Example:
        >>> flat_metrics({"claim_cue": {"exact": {"precision": 1.0, "recall": 0.5, "f1": 0.6667},
        ...                             "overlap": {"f1": 0.8}}})["overall_f1"]
        0.6667
    """
    flat: dict[str, float] = {}
    for name in TASKS:
        if name in scores:
            for key in ("precision", "recall", "f1"):
                flat[f"{name}_{key}"] = scores[name]["exact"][key]
            flat[f"{name}_overlap_f1"] = scores[name]["overlap"]["f1"]
    headline = [scores[name]["exact"]["f1"] for name in HEADLINE_TASKS if name in scores]
    if not headline:
        logger.warning("no headline task could be scored (no gold article annotates events or claims); "
                       "overall_f1 is 0.0")
    flat["overall_f1"] = sum(headline) / len(headline) if headline else 0.0
    return flat
