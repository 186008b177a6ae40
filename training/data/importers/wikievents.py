"""WikiEvents (KAIROS ontology) as M2E2-typed articles; the type and role mapping is ``configs/event_mapping.yaml``.

One JSON document per line: ``doc_id``, ``tokens`` (every word of the document), ``sentences`` = a list of
``[[[word, char_start, char_end], ...], sentence_text]`` (end exclusive), ``entity_mentions`` with ``id``, ``start``,
``end`` (indices into ``tokens``, end exclusive) and ``text``, and ``event_mentions`` with ``event_type``,
``trigger`` = ``{start, end, text}`` (token indices) and ``arguments`` = ``[{entity_id, role, text}]``. The document's
``text`` field runs its sentences together without the space between them, so each text is rebuilt from the words at
their offsets (gaps become spaces). WikiEvents labels every event and every entity mention, so the articles have
``layers=("events", "entities")``: the trigger of an event whose type is not mapped is a "no trigger" word, that of a
type the mapping calls ``unknown`` a masked trigger (see ``event_mapping.py``). Entity mentions of the schema's ACE
types are kept (others, such as ``VAL`` or ``COM``, are counted).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inference.core.articles import Article, DataError, Entity, Event, Span
from inference.core.schema import LabelSchema

from .event_mapping import EventMapping, as_event_mapping, is_schema_event, iter_documents, map_event
from .import_report import ImportReport, problem
from .overlaps import drop_overlapping_entities, drop_overlapping_triggers

PREFIX = "wikievents"
DOC_KEYS = ("doc_id", "tokens", "sentences", "entity_mentions", "event_mentions")


def read_wikievents(path: str | Path, errors: str = "raise", schema: LabelSchema | None = None,
                    mapping: EventMapping | str | Path | None = None) -> tuple[list[Article], ImportReport]:
    """Read a WikiEvents ``.jsonl`` file into articles with M2E2 events, in file order.

    ``mapping`` is an ``EventMapping`` or a mapping file (default: ``configs/event_mapping.yaml``). A bad span or a
    span whose text differs from the annotation's is a ``DataError`` naming the file, the line and the problem; with
    ``errors="skip"`` the event (or argument, or document) is skipped and counted.

    Example::

        articles, report = read_wikievents("../shared/data/wikievents/dev.jsonl")
        len(articles), articles[0].layers  # -> (20, ('events',))
    """
    path, report = Path(path), ImportReport()
    mapping = as_event_mapping(mapping, PREFIX, schema)
    articles = []
    for line, doc in iter_documents(path, DOC_KEYS):
        try:
            words = [tuple(word) for sentence in doc["sentences"] for word in sentence[0]]
            text, spans = place_words(words)
            if [word[0] for word in words] != doc["tokens"]:  # token indices must point at these words
                raise ValueError("the words of 'sentences' differ from 'tokens'")
        except (ValueError, TypeError, IndexError) as error:
            problem(errors, report, f"{PREFIX}: document with misplaced words skipped",
                    f"document {doc['doc_id']}: {error}", path, line)
            continue
        try:
            events, masked = _events(doc, text, spans, mapping, errors, report, path, line)
            entities = entity_mentions(doc["entity_mentions"], spans, text, schema or LabelSchema.default(), errors,
                                       report, path, line)
        except KeyError as error:
            raise DataError(f"document {doc['doc_id']}: an annotation lacks {error}; events need 'event_type', "
                            "'trigger' and 'arguments', entities 'id', 'entity_type', 'start' and 'end', arguments "
                            "'entity_id' and 'role'", path, line) from None
        events = drop_overlapping_triggers(events, report, PREFIX)
        articles.append(Article(doc["doc_id"], text, events, layers=("events", "entities"),
                                meta={"corpus": PREFIX, "file": path.name}, entities=entities,
                                masked_triggers=masked))
    return articles, report


def place_words(words: list[tuple[Any, ...]]) -> tuple[str, list[Span]]:
    """The text with every ``(word, start, end)`` at its offsets (end exclusive, gaps become spaces), and its spans.

    A word that does not fill its offsets, or overlaps the word before it, is a ``ValueError``.

    Example:
        >>> place_words([("Hi", 0, 2), ("there", 4, 9)])
        ('Hi  there', [Span(start=0, end=2), Span(start=4, end=9)])
    """
    chars: list[str] = []
    spans = []
    for item in words:
        word, start, end = item if len(item) == 3 else (item, None, None)
        if not isinstance(word, str) or not isinstance(start, int) or end - start != len(word) or not word:
            raise ValueError(f"word {word!r} does not fit its offsets {start}-{end} (end exclusive)")
        if start < len(chars):
            raise ValueError(f"word {word!r} at {start}-{end} overlaps the text before it (0-{len(chars)})")
        chars.extend(" " * (start - len(chars)) + word)
        spans.append(Span(start, end))
    return "".join(chars), spans


def _span(item: dict[str, Any], spans: list[Span], text: str, what: str) -> Span:
    """Characters of tokens ``start`` to ``end`` (exclusive); a ``ValueError`` if out of range or not its text."""
    start, end = item["start"], item["end"]
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(spans)):
        raise ValueError(f"{what}: tokens {start}-{end} are empty or outside the document's {len(spans)} tokens")
    span = Span(spans[start].start, spans[end - 1].end)
    if item.get("text") is not None and span.text_in(text) != item["text"]:
        raise ValueError(f"{what}: tokens {start}-{end} read {span.text_in(text)!r} but are labelled {item['text']!r}")
    return span


def entity_mentions(mentions: list[dict[str, Any]], spans: list[Span], text: str, schema: LabelSchema, errors: str,
                    report: ImportReport, path: Path, line: int) -> list[Entity]:
    """The mentions of the schema's entity types (``entity_type``, token ``start``/``end``), in text order; nested
    ones after the first outermost are dropped (one IOB2 layer holds one tag per word) and counted."""
    entities = []
    for mention in mentions:
        if mention["entity_type"] not in schema.entity_types:
            report.add(f"{PREFIX}: entity of a type outside the schema skipped")
            continue
        try:
            entities.append(Entity(mention["entity_type"], _span(mention, spans, text, f"entity {mention['id']}")))
        except ValueError as error:
            problem(errors, report, f"{PREFIX}: entity with a bad span skipped", str(error), path, line)
    return drop_overlapping_entities(entities, report, PREFIX)


def _events(doc: dict[str, Any], text: str, spans: list[Span], mapping: EventMapping, errors: str,
            report: ImportReport, path: Path, line: int) -> tuple[list[Event], list[Span]]:
    entities = {entity["id"]: entity for entity in doc["entity_mentions"]}
    events, masked = [], []
    for mention in doc["event_mentions"]:
        name = f"document {doc['doc_id']}: event {mention.get('id', '?')} ({mention['event_type']})"
        try:
            trigger = _span(mention["trigger"], spans, text, f"{name} trigger")
        except ValueError as error:
            problem(errors, report, f"{PREFIX}: event with a bad trigger skipped", str(error), path, line)
            continue
        if not is_schema_event(mapping, mention["event_type"], trigger, masked, report, PREFIX):
            continue
        arguments = []
        for argument in mention["arguments"]:
            entity = entities.get(argument["entity_id"])
            try:
                if entity is None:
                    raise ValueError(f"{name}: argument {argument['role']} refers to entity "
                                     f"{argument['entity_id']!r}, not in 'entity_mentions'")
                span = _span(entity, spans, text, f"{name} {argument['role']} {entity['id']}")
                if argument.get("text") is not None and span.text_in(text) != argument["text"]:
                    raise ValueError(f"{name}: argument {argument['role']} reads {span.text_in(text)!r} but is "
                                     f"labelled {argument['text']!r}")
            except ValueError as error:
                problem(errors, report, f"{PREFIX}: argument with a bad span skipped", str(error), path, line)
                continue
            arguments.append((argument["role"], span))
        event = map_event(mapping, mention["event_type"], trigger, arguments, report, PREFIX)
        if event is not None:
            events.append(event)
    return events, masked
