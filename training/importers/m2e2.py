"""M2E2 (limanling/m2e2) text annotations: one JSON list of sentences, grouped here into whole articles.

Each sentence has ``words`` with ``index`` = inclusive character offsets into its article (as strings), and
``golden-event-mentions`` with word-index spans (end exclusive). Articles are rebuilt exactly from the words at their
offsets; the gaps, whose characters M2E2 does not give, become spaces.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from inference.document import Argument, Article, DataError, Event, Span
from inference.schema import LabelSchema

from .report import ImportReport


def read_m2e2(path: str | Path, errors: str = "raise", schema: LabelSchema | None = None
              ) -> tuple[list[Article], ImportReport]:
    """Read ``text_only_event.json`` (or ``text_multimedia_event.json``) into event-annotated articles.

    Example:
        >>> articles, report = read_m2e2("../shared/data/m2e2/text_only_event.json")  # doctest: +SKIP
        >>> articles[0].layers  # doctest: +SKIP
        ('events',)
    """
    path = Path(path)
    schema = schema or LabelSchema.default()
    try:
        sentences = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DataError(f"invalid JSON: {error}", path, error.lineno) from None
    if not isinstance(sentences, list):
        raise DataError("expected a JSON list of sentences", path)
    by_article: dict[str, list[dict]] = defaultdict(list)
    for sentence in sentences:
        by_article[sentence["sentence_id"].rsplit("_", 1)[0]].append(sentence)
    report = ImportReport()
    articles = [_article(name, group, path, errors, schema, report) for name, group in sorted(by_article.items())]
    return articles, report


def _article(name: str, sentences: list[dict], path: Path, errors: str, schema: LabelSchema,
             report: ImportReport) -> Article:
    words: list[tuple[int, int, str]] = []  # (start, end exclusive, word) over the whole article
    for sentence in sentences:
        for word, (start, end) in zip(sentence["words"], sentence["index"], strict=True):
            words.append((int(start), int(end) + 1, word))
    chars = [" "] * max(end for _, end, _ in words)
    previous_end = 0
    for start, end, word in sorted(words):
        if end - start != len(word) or start < previous_end:
            raise DataError(f"{name}: word {word!r} does not fit its offsets {start}-{end - 1} "
                            "(wrong length or overlapping the word before)", path)
        chars[start:end] = word
        previous_end = end
    text = "".join(chars)

    events: list[Event] = []
    for sentence in sentences:
        spans = [Span(int(s), int(e) + 1) for s, e in sentence["index"]]

        def span_of(item: dict) -> Span:
            return Span(spans[item["start"]].start, spans[item["end"] - 1].end)  # noqa: B023 - used at once

        for mention in sentence["golden-event-mentions"]:
            try:
                schema.check_event(mention["event_type"])
                for argument in mention["arguments"]:
                    schema.check_event(mention["event_type"], argument["role"])
            except ValueError as error:
                if errors == "raise":
                    raise DataError(f"sentence {sentence['sentence_id']}: {error}", path) from None
                report.add("m2e2: event with a type or role outside the schema skipped")
                continue
            trigger = span_of(mention["trigger"])
            if any(trigger.overlaps(e.trigger) for e in events):
                report.add("m2e2: trigger overlapping an earlier trigger skipped")
                continue
            arguments = [Argument(a["role"], span_of(a)) for a in mention["arguments"]]
            events.append(Event(mention["event_type"], trigger, arguments))
    return Article(name, text, events, layers=("events",), meta={"source": "m2e2"})
