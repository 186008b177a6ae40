"""Trigger precision judged fairly: predictions the gold lacks, read and judged by people, count when judged real.

M2E2 and WikiEvents leave many real event mentions unlabelled (repeated and nominal mentions, negated or future
events), so precision against their gold counts real events as errors. A judgements file lists such predictions, one
JSON object a line, ``{"doc", "start", "end", "type", "verdict", "other_type", "reason"}`` with ``verdict`` one of
``real`` (an event of that type under ACE rules), ``other-type``, ``not-event`` or ``borderline``; ``judgements/``
holds the ones made for this project's dev splits (offsets and verdicts, no article text). Adjudicated precision
counts a prediction right when the gold has it or a judge called it ``real``; a prediction never judged counts wrong,
so a retrained model's new predictions cannot gain until someone reads them. Recall stays against the gold.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from inference.core.articles import Article, DataError, Event

from .words import prf

VERDICTS = ("real", "other-type", "not-event", "borderline")
Key = tuple[str, int, int, str]  # article id, trigger start, end, event type


def trigger_key(article_id: str, event: Event) -> Key:
    """How a judgement names a predicted trigger: its article, offsets and event type."""
    return article_id, event.trigger.start, event.trigger.end, event.type


def check_judgement_files(paths: Iterable[str | Path]) -> None:
    """A ``FileNotFoundError`` naming the first of ``paths`` (``--judgements`` of a command) that is no file; checked
    before anything slow starts.

    Example:
        >>> check_judgement_files(["missing.jsonl"])
        Traceback (most recent call last):
        FileNotFoundError: --judgements missing.jsonl: no such file; accepted: JSON lines of judged triggers
    """
    for path in paths:
        if not Path(path).is_file():
            raise FileNotFoundError(f"--judgements {path}: no such file; accepted: JSON lines of judged triggers")


def read_judgements(paths: Iterable[str | Path]) -> dict[Key, str]:
    """The verdict of each judged trigger in the files at ``paths``; a bad line is a ``DataError`` naming it.

    Example::

        read_judgements(["judgements/triggers_m2e2_dev.jsonl"])[("VOA_EN_NW_...", 2040, 2044, "Movement:Transport")]
        # -> 'real'
    """
    verdicts: dict[Key, str] = {}
    for path in paths:
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                key = (str(row["doc"]), int(row["start"]), int(row["end"]), str(row["type"]))
                verdict = row["verdict"]
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
                raise DataError(f"not a judgement ({error}); accepted: a JSON object with doc, start, end, type and "
                                "verdict", path, number) from None
            if verdict not in VERDICTS:
                raise DataError(f"verdict {verdict!r}; accepted: {', '.join(VERDICTS)}", path, number)
            verdicts[key] = verdict
    return verdicts


def adjudicated_triggers(gold: Sequence[Article], predicted: Sequence[Article], judgements: dict[Key, str]
                         ) -> dict[str, float | int | dict[str, int]]:
    """Trigger classification on the event-annotated articles, exact character spans and types: precision against
    the gold and adjudicated (gold or judged ``real``), recall against the gold, and how the predictions the gold
    lacks were judged.

    Example:
        >>> from inference.core.articles import Event, Span
        >>> gold = [Article("a", "He was killed. The attack ...", [Event("Life:Die", Span(7, 13))])]
        >>> pred = [Article("a", gold[0].text, [Event("Life:Die", Span(7, 13)), Event("Conflict:Attack", Span(19, 25)),
        ...                                     Event("Life:Die", Span(0, 2))])]
        >>> scores = adjudicated_triggers(gold, pred, {("a", 19, 25, "Conflict:Attack"): "real"})
        >>> round(scores["precision"], 2), round(scores["adjudicated_precision"], 2), scores["verdicts"]
        (0.33, 0.67, {'real': 1, 'unjudged': 1})
    """
    by_id = {article.id: article for article in predicted}
    matched = adjudicated = n_gold = n_predicted = 0
    verdicts: Counter[str] = Counter()
    for article in gold:
        if "events" not in article.layers:
            continue
        gold_keys = {trigger_key(article.id, e) for e in article.events}
        predicted_keys = {trigger_key(article.id, e) for e in by_id[article.id].events}
        n_gold, n_predicted = n_gold + len(gold_keys), n_predicted + len(predicted_keys)
        matched += len(gold_keys & predicted_keys)
        for key in predicted_keys - gold_keys:
            verdict = judgements.get(key, "unjudged")
            verdicts[verdict] += 1
            adjudicated += verdict == "real"
    against_gold = prf(matched, n_gold, n_predicted)
    precision, recall = (matched + adjudicated) / n_predicted if n_predicted else 0.0, against_gold["recall"]
    return {**against_gold, "adjudicated_precision": precision,
            "adjudicated_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
            "predicted": n_predicted, "gold": n_gold, "verdicts": dict(sorted(verdicts.items()))}
