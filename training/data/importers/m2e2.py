"""M2E2 (limanling/m2e2) text annotations: one JSON list of sentences, grouped here into whole articles.

Each sentence has ``sentence_id`` = ``ARTICLEID_N``, ``words`` with ``index`` = inclusive character offsets into its
article (as strings), and ``golden-event-mentions`` whose trigger and arguments are word-index spans (end exclusive).
Articles are rebuilt exactly from the words at their offsets; the gaps, whose characters M2E2 does not give, become
spaces. ``golden-entity-mentions`` (``entity-type``, word ``start``/``end``) become the article's entities, of the
schema's ACE types (its few ``VALUE`` mentions and nested mentions inside a kept one are counted and left out).
``text_only_event.json`` (every sentence) and ``text_multimedia_event.json`` (a subset) read the same way.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from inference.core.articles import Argument, Article, DataError, Entity, Event, Span
from inference.core.schema import LabelSchema

from .import_report import ImportReport, problem
from .overlaps import drop_overlapping_entities, drop_overlapping_triggers

SENTENCE_KEYS = ("sentence_id", "words", "index", "golden-event-mentions")


def read_m2e2(path: str | Path, errors: str = "raise", schema: LabelSchema | None = None
              ) -> tuple[list[Article], ImportReport]:
    """Read an M2E2 sentence file into event- and entity-annotated articles (``layers=("events", "entities")``),
    sorted by id.

    An event type or role outside ``schema`` is a ``DataError`` naming the file, the sentence and the accepted
    values; with ``errors="skip"`` the event (or just the argument) is skipped and counted.

    Example::

        articles, report = read_m2e2("../shared/data/m2e2/text_only_event.json")
        len(articles), articles[0].layers  # -> (180, ('events',))
    """
    path, schema, report = Path(path), schema or LabelSchema.default(), ImportReport()
    try:
        sentences = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DataError(f"invalid JSON: {error}", path, error.lineno) from None
    if not isinstance(sentences, list):
        raise DataError(f"expected a JSON list of sentences, got {type(sentences).__name__}", path)
    by_article: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for number, sentence in enumerate(sentences):
        missing = [key for key in SENTENCE_KEYS if not isinstance(sentence, dict) or key not in sentence]
        if missing:
            raise DataError(f"sentence {number} lacks {', '.join(missing)}; each needs {', '.join(SENTENCE_KEYS)}",
                            path)
        by_article[sentence["sentence_id"].rpartition("_")[0]].append(sentence)
    articles = [_article(name, group, path, errors, schema, report) for name, group in sorted(by_article.items())]
    return articles, report


def _word_spans(sentence: dict[str, Any], path: Path) -> list[Span]:
    """Each word's span (end exclusive); a word that does not fill its offsets is an error."""
    words, index = sentence["words"], sentence["index"]
    if len(words) != len(index):
        raise DataError(f"sentence {sentence['sentence_id']}: {len(words)} words but {len(index)} offsets", path)
    spans = [Span(int(start), int(end) + 1) for start, end in index]
    for word, span in zip(words, spans, strict=True):
        if span.end - span.start != len(word):
            raise DataError(f"sentence {sentence['sentence_id']}: word {word!r} does not fit its offsets "
                            f"{span.start}-{span.end - 1} (inclusive)", path)
    return spans


def rebuild_text(sentences: list[dict[str, Any]], path: Path) -> str:
    """An article's text: every word at its offsets, spaces in between.

    Example:
        >>> rebuild_text([{"sentence_id": "A_0", "words": ["Hi", "."], "index": [["0", "1"], ["3", "3"]]}],
        ...              Path("x.json"))
        'Hi .'
    """
    placed = sorted((span, word) for s in sentences for word, span in zip(s["words"], _word_spans(s, path),
                                                                          strict=True))
    chars = [" "] * max((span.end for span, _ in placed), default=0)
    previous = Span(0, 0)
    for span, word in placed:
        if span.start < previous.end:
            raise DataError(f"article {sentences[0]['sentence_id'].rpartition('_')[0]}: word {word!r} at "
                            f"{span.start}-{span.end - 1} overlaps the word before it at "
                            f"{previous.start}-{previous.end - 1}", path)
        chars[span.start : span.end] = word
        previous = span
    return "".join(chars)


def _article(name: str, sentences: list[dict[str, Any]], path: Path, errors: str, schema: LabelSchema,
             report: ImportReport) -> Article:
    text = rebuild_text(sentences, path)
    events: list[Event] = []
    entities: list[Entity] = []
    for sentence in sentences:
        spans, sid = _word_spans(sentence, path), sentence["sentence_id"]
        for mention in sentence.get("golden-entity-mentions", []):
            if mention["entity-type"] not in schema.entity_types:
                report.add("m2e2: entity of a type outside the schema skipped")
                continue
            entities.append(Entity(mention["entity-type"], _span_of(mention, spans, sid, path)))
        for mention in sentence["golden-event-mentions"]:
            try:
                event = _event(mention, spans, sid, path, errors, schema, report)
            except KeyError as error:
                raise DataError(f"sentence {sid}: an event mention lacks {error}; mentions need 'event_type', "
                                "'trigger' and 'arguments', spans need 'start' and 'end'", path) from None
            if event is not None:
                events.append(event)
    events = drop_overlapping_triggers(events, report, "m2e2")
    return Article(name, text, events, layers=("events", "entities"), meta={"corpus": "m2e2", "file": path.name},
                   entities=drop_overlapping_entities(entities, report, "m2e2"))


def _event(mention: dict[str, Any], spans: list[Span], sid: str, path: Path, errors: str, schema: LabelSchema,
           report: ImportReport) -> Event | None:
    event_type = mention["event_type"]
    if event_type not in schema.event_roles:
        problem(errors, report, "m2e2: event type outside the schema skipped",
                f"sentence {sid}: unknown event type {event_type!r}; accepted: {', '.join(schema.event_types)}",
                path, None)
        return None
    arguments = []
    for argument in mention["arguments"]:
        if argument["role"] not in schema.event_roles[event_type]:
            problem(errors, report, "m2e2: argument role outside the schema skipped",
                    f"sentence {sid}: unknown role {argument['role']!r} for {event_type}; accepted: "
                    f"{', '.join(schema.event_roles[event_type])}", path, None)
            continue
        arguments.append(Argument(argument["role"], _span_of(argument, spans, sid, path)))
    return Event(event_type, _span_of(mention["trigger"], spans, sid, path), arguments)


def _span_of(item: dict[str, Any], spans: list[Span], sid: str, path: Path) -> Span:
    """Characters of words ``start`` to ``end`` (exclusive) of a sentence."""
    start, end = item["start"], item["end"]
    if not 0 <= start < end <= len(spans):
        raise DataError(f"sentence {sid}: words {start}-{end} are empty or outside the sentence's {len(spans)} words",
                        path)
    return Span(spans[start].start, spans[end - 1].end)
