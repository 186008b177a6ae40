"""WikiEvents' train split as converted by gen-arg (``wiki-train-human.jsonl``), as M2E2-typed articles.

One JSON document per line: ``docid``, ``tokens`` (every token of the document), ``sentences`` (each sentence's
tokens joined by spaces, its final punctuation token left out) and ``event_mentions`` with ``event_type`` (cut to two
levels: ``Conflict.Attack``), ``trigger`` = ``{start_idx, end_idx, text}`` (token indices, end exclusive) and
``arguments`` = ``[{role, text}]`` with no offsets. There is no original text and there are no entity mentions.

So the text is the tokens joined by single spaces (subword tokenizers split punctuation off anyway), and each argument
is looked for as a run of tokens in its trigger's sentence, the occurrence nearest the trigger; one found only in
another sentence is dropped, since M2E2's (ACE's) arguments are in their trigger's sentence. A trigger whose
``text`` differs from its tokens (90 of 3,241: "went of" for "went off") is looked for nearby in its sentence and
otherwise kept at its indices. The file often lists one event several times, each time with some of its arguments
(958 repeats of the same type on the same trigger): such repeats are merged into one event with all their arguments.
Types map through ``configs/event_mapping.yaml`` (section ``wikievents``); what is unmapped, unknown, relocated or not
found is counted in the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inference.core.articles import Article, DataError, Event, Span
from inference.core.schema import LabelSchema

from .event_mapping import EventMapping, as_event_mapping, is_schema_event, iter_documents, map_event
from .import_report import ImportReport
from .overlaps import drop_overlapping_triggers

PREFIX = "wikievents"  # the same corpus (and trigger conventions) as the original format's dev file
DOC_KEYS = ("docid", "tokens", "sentences", "event_mentions")
SENTENCE_END = (".", "!", "?")


def read_wikievents_genarg(path: str | Path, errors: str = "raise", schema: LabelSchema | None = None,
                           mapping: EventMapping | str | Path | None = None) -> tuple[list[Article], ImportReport]:
    """Read a gen-arg WikiEvents ``.jsonl`` file into articles with M2E2 events (``layers=("events",)``).

    Sentences that do not match the tokens are a ``DataError`` naming the file and line (``errors="skip"``: the
    document is skipped and counted).

    Example::

        articles, report = read_wikievents_genarg("../shared/data/wikievents/train.jsonl")
        len(articles), sum(len(a.events) for a in articles)  # -> (206, 1809)
    """
    path, report = Path(path), ImportReport()
    mapping = as_event_mapping(mapping, PREFIX, schema)
    articles = []
    for line, doc in iter_documents(path, DOC_KEYS):
        tokens = doc["tokens"]
        try:
            sentences = sentence_ranges(tokens, doc["sentences"])
        except ValueError as error:
            if errors == "raise":
                raise DataError(f"document {doc['docid']}: {error}", path, line) from None
            report.add(f"{PREFIX}: document whose sentences differ from its tokens skipped")
            continue
        text, spans = join_tokens(tokens)
        try:
            events, masked = _events(doc, sentences, spans, mapping, report)
        except (KeyError, TypeError) as error:
            raise DataError(f"document {doc['docid']}: a malformed event mention ({error}); events need "
                            "'event_type', 'trigger' with 'start_idx' and 'end_idx', and 'arguments' with 'role' and "
                            "'text'", path, line) from None
        events = drop_overlapping_triggers(events, report, PREFIX)
        articles.append(Article(doc["docid"], text, events, layers=("events",),
                                meta={"corpus": PREFIX, "file": path.name}, masked_triggers=masked))
    return articles, report


def join_tokens(tokens: list[str]) -> tuple[str, list[Span]]:
    """The tokens joined by single spaces, and each token's span.

    Example:
        >>> join_tokens(["Bombs", "exploded", "."])
        ('Bombs exploded .', [Span(start=0, end=5), Span(start=6, end=14), Span(start=15, end=16)])
    """
    spans, start = [], 0
    for token in tokens:
        spans.append(Span(start, start + len(token)))
        start += len(token) + 1
    return " ".join(tokens), spans


def sentence_ranges(tokens: list[str], sentences: list[str]) -> list[range]:
    """Each sentence's token indices; a sentence's final punctuation token, left out of its string, is its own.

    Example:
        >>> sentence_ranges(["It", "fell", ".", "We", "ran"], ["It fell ", " We ran"])
        [range(0, 3), range(3, 5)]
    """
    ranges, start = [], 0
    for number, sentence in enumerate(sentences):
        words = sentence.split()
        end = start + len(words)
        if tokens[start:end] != words:
            raise ValueError(f"sentence {number} ({sentence[:40]!r}) does not match tokens {start}-{end}")
        if end < len(tokens) and tokens[end] in SENTENCE_END:
            end += 1
        ranges.append(range(start, end))
        start = end
    if start != len(tokens):
        raise ValueError(f"the sentences cover {start} of the {len(tokens)} tokens")
    return ranges


def find_tokens(tokens: list[str], words: list[str], within: range, near: int) -> int | None:
    """The start of the occurrence of ``words`` inside ``within`` nearest to token ``near``, or ``None``.

    Example:
        >>> find_tokens(["a", "b", "a", "b"], ["a", "b"], range(0, 4), near=3)
        2
    """
    starts = [i for i in within if i + len(words) <= within.stop and tokens[i : i + len(words)] == words]
    return min(starts, key=lambda i: abs(i - near)) if starts and words else None


def _events(doc: dict[str, Any], sentences: list[range], spans: list[Span], mapping: EventMapping,
            report: ImportReport) -> tuple[list[Event], list[Span]]:
    tokens = doc["tokens"]
    events: dict[tuple[Span, str], Event] = {}  # by trigger and type: repeats of one event merge
    masked = []
    for mention in doc["event_mentions"]:
        trigger = mention["trigger"]
        start, end = trigger["start_idx"], trigger["end_idx"]
        if not 0 <= start < end <= len(tokens):
            report.add(f"{PREFIX}: event with an empty or out-of-range trigger skipped")
            continue
        sentence = next(r for r in sentences if start in r)
        words = str(trigger.get("text", "")).split()
        if words and tokens[start:end] != words:
            found = find_tokens(tokens, words, sentence, start)
            if found is not None and abs(found - start) <= 5:
                start, end = found, found + len(words)
                report.add(f"{PREFIX}: trigger text found near its indices, moved there")
            else:
                report.add(f"{PREFIX}: trigger text differs from its tokens, indices kept")
        span = Span(spans[start].start, spans[end - 1].end)
        if not is_schema_event(mapping, mention["event_type"], span, masked, report, PREFIX):
            continue
        arguments = []
        for argument in mention["arguments"]:
            words = str(argument["text"]).split()
            found = find_tokens(tokens, words, sentence, start)
            if found is None:
                elsewhere = find_tokens(tokens, words, range(len(tokens)), start) is not None
                report.add(f"{PREFIX}: argument only in another sentence, dropped" if elsewhere
                           else f"{PREFIX}: argument not found in the text, dropped")
                continue
            arguments.append((argument["role"], Span(spans[found].start, spans[found + len(words) - 1].end)))
        event = map_event(mapping, mention["event_type"], span, arguments, report, PREFIX)
        if event is None:
            continue
        same = events.setdefault((span, event.type), event)
        if same is not event:
            report.add(f"{PREFIX}: repeated event mention merged into the first")
            same.arguments.extend(a for a in event.arguments if a not in same.arguments)
    return list(events.values()), list(dict.fromkeys(masked))  # a repeated unknown event: its trigger once
