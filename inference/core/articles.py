"""The one article format: text plus events and claims as character offsets into it.

On disk it is JSON Lines, one article per line::

    {"id": "afp-1",
     "text": "Gaza's health ministry says 5,791 people have been killed.",
     "layers": ["events", "claims"],
     "events": [{"type": "Life:Die", "trigger": {"start": 49, "end": 55},
                 "arguments": [{"role": "Victim", "start": 34, "end": 40}]}],
     "claims": [{"source": [{"start": 0, "end": 22}], "cue": [{"start": 23, "end": 27}],
                 "content": [{"start": 28, "end": 56}]}]}

``layers`` says which layers were annotated: an article without ``"events"`` there has unknown events, not none,
so training masks that layer's loss instead of learning that nothing happened. ``"partial_events"`` says that the
events given are right but not all events are given (RAMS labels one trigger per document): training learns their
triggers and arguments but not that the other words are no trigger, and evaluation does not score them.
``"entities"`` says that every entity mention (``{"type", "start", "end"}`` in ``entities``, ACE's types) is given.
``masked_triggers`` lists spans whose trigger label is unknown (an event of a type the schema cannot map onto one of
its own, such as WikiEvents' ``Contact.Contact``): training teaches them neither as triggers nor as "no trigger".

Every span may carry ``text``; when it does, it must equal ``text[start:end]``. Claim parts are lists of fragments
(discontinuous spans allowed; an empty list means the part is absent, e.g. a claim with no named source).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LAYERS = ("events", "claims", "partial_events", "entities")  # every layer name an article may list
FULL_LAYERS = ("events", "claims")  # an article that does not say: everything annotated


class DataError(ValueError):
    """Bad annotation data; the message names the file, the line and what is wrong."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)
        self.path, self.line = path, line


@dataclass(frozen=True, order=True)
class Span:
    """A character span ``text[start:end]``."""

    start: int
    end: int

    def text_in(self, text: str) -> str:
        return text[self.start : self.end]

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def to_dict(self, text: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"start": self.start, "end": self.end}
        if text is not None:
            out["text"] = self.text_in(text)
        return out


@dataclass
class Argument:
    role: str
    span: Span
    score: float | None = None


@dataclass
class Event:
    type: str
    trigger: Span
    arguments: list[Argument] = field(default_factory=list)
    score: float | None = None
    claim: int | None = None  # predictions: index of the claim whose content holds the trigger (None: the article's)


@dataclass
class Entity:
    """An entity mention of an ACE type (``PER``, ``ORG``, ``GPE``, ...): what event arguments are chosen among."""

    type: str
    span: Span
    score: float | None = None


@dataclass
class Claim:
    """An attribution: who (source) says (cue) what (content). Each part is a list of fragments in text order."""
    source: list[Span] = field(default_factory=list)
    cue: list[Span] = field(default_factory=list)
    content: list[Span] = field(default_factory=list)
    score: float | None = None
    speaker: Span | None = None  # predictions: the most specific mention of who makes it (core/speakers.py)

    def parts(self) -> Iterator[tuple[str, Span]]:
        for name in ("source", "cue", "content"):
            for span in getattr(self, name):
                yield name, span


@dataclass
class Article:
    """One news article with its annotations (or predictions).

    Example:
        >>> a = Article(id="x", text="He said no.", claims=[Claim([Span(0, 2)], [Span(3, 7)], [Span(8, 10)])])
        >>> a.to_dict()["claims"][0]["cue"]
        [{'start': 3, 'end': 7, 'text': 'said'}]
    """

    id: str
    text: str
    events: list[Event] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    layers: tuple[str, ...] = FULL_LAYERS
    meta: dict[str, Any] = field(default_factory=dict)
    entities: list[Entity] = field(default_factory=list)
    masked_triggers: list[Span] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.layers = tuple(self.layers)
        unknown = set(self.layers) - set(LAYERS)
        if unknown:
            raise DataError(f"article {self.id!r}: unknown layers {sorted(unknown)}; accepted: {list(LAYERS)}")
        if {"events", "partial_events"} <= set(self.layers):
            raise DataError(f"article {self.id!r}: layers 'events' (all events given) and 'partial_events' (some "
                            "events given) contradict each other; accepted: one of them")

    def spans(self) -> Iterator[Span]:
        for event in self.events:
            yield event.trigger
            yield from (argument.span for argument in event.arguments)
        for claim in self.claims:
            yield from (span for _, span in claim.parts())
        yield from (entity.span for entity in self.entities)
        yield from self.masked_triggers

    def validate(self) -> None:
        """Raise ``DataError`` if a span is empty or falls outside the text."""
        for span in self.spans():
            if not 0 <= span.start < span.end <= len(self.text):
                raise DataError(
                    f"article {self.id!r}: span {span.start}-{span.end} is empty or outside the text "
                    f"(0-{len(self.text)})"
                )

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        def scored(out: dict[str, Any], score: float | None) -> dict[str, Any]:
            return {**out, "score": round(score, 4)} if score is not None else out

        def arguments(event: Event) -> list[dict[str, Any]]:
            return [scored({"role": a.role, **a.span.to_dict(text)}, a.score) for a in event.arguments]

        events = [scored({"type": e.type, "trigger": e.trigger.to_dict(text), "arguments": arguments(e)}, e.score)
                  for e in self.events]
        claims = [scored({name: [s.to_dict(text) for s in getattr(c, name)] for name in ("source", "cue", "content")},
                         c.score)
                  for c in self.claims]
        return {
            "id": self.id, "text": text, "layers": list(self.layers), "events": events, "claims": claims,
            **({"entities": [scored({"type": e.type, **e.span.to_dict(text)}, e.score) for e in self.entities]}
               if self.entities or "entities" in self.layers else {}),
            **({"masked_triggers": [s.to_dict(text) for s in self.masked_triggers]} if self.masked_triggers else {}),
            **({"meta": self.meta} if self.meta else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Build an article from its JSON form; raises ``DataError`` on a missing key, a bad span or wrong text."""
        try:
            text = data["text"]
            article_id = str(data.get("id", ""))
            if not isinstance(text, str):
                raise DataError(f"'text' must be a string, got {type(text).__name__}")
            events = [
                Event(
                    type=e["type"],
                    trigger=_span(e["trigger"], text, "trigger"),
                    arguments=[Argument(a["role"], _span(a, text), a.get("score")) for a in e.get("arguments", [])],
                    score=e.get("score"),
                )
                for e in data.get("events", [])
            ]
            claims = [
                Claim(*(_fragments(c.get(name), text, name) for name in ("source", "cue", "content")),
                      score=c.get("score"))
                for c in data.get("claims", [])
            ]
            entities = [Entity(e["type"], _span(e, text), e.get("score")) for e in data.get("entities", [])]
            masked_triggers = [_span(s, text) for s in data.get("masked_triggers", [])]
        except KeyError as error:
            raise DataError(f"missing key {error}; an article needs 'text', events need 'type' and 'trigger', "
                            "spans need 'start' and 'end'") from None
        article = cls(article_id, text, events, claims, tuple(data.get("layers", FULL_LAYERS)), data.get("meta", {}),
                      entities, masked_triggers)
        article.validate()
        return article


def _span(data: Any, text: str, what: str = "span") -> Span:
    """``what`` (``trigger``, ``claim cue``, ...) names the span in errors."""
    if not isinstance(data, dict):
        raise DataError(f"{what} must be an object {{\"start\": ..., \"end\": ...}}, got {json.dumps(data)[:60]}")
    start, end = data["start"], data["end"]
    # bool is an int subclass: without the check, {"start": false, "end": true} would read as the span 0-1
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (start, end)):
        raise DataError(f"{what} offsets must be integers, got start={start!r} end={end!r}")
    if not 0 <= start < end <= len(text):
        raise DataError(f"span {start}-{end} is empty or outside the text (0-{len(text)})")
    expected = data.get("text")
    if expected is not None and text[start:end] != expected:
        raise DataError(f"span {start}-{end} reads {text[start:end]!r} in the text but is labelled {expected!r}")
    return Span(start, end)


def _fragments(data: Any, text: str, part: str = "part") -> list[Span]:
    """A claim part: absent/None, one span, or a list of fragments; returned sorted in text order."""
    if data is None:
        return []
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):  # a string would otherwise be read character by character
        raise DataError(f"claim {part} must be a list of spans {{\"start\", \"end\"}} (or one span, or null), got "
                        f"{json.dumps(data)[:60]}")
    return sorted(_span(d, text, f"claim {part}") for d in data)


def iter_json_lines(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for each non-blank line; bad JSON is a ``DataError`` naming file and line."""
    with open(path, encoding="utf-8") as handle:
        yield from parse_json_lines(handle, path)


def parse_json_lines(lines: Iterable[str], name: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """:func:`iter_json_lines` over lines already read (stdin, say); ``name`` stands for the file in errors.

    Example:
        >>> list(parse_json_lines(['{"text": "x"}', "", '{"id": 2}'], "<stdin>"))
        [(1, {'text': 'x'}), (3, {'id': 2})]
    """
    for number, line in enumerate(lines, start=1):
        if number == 1:
            line = line.removeprefix("\ufeff")  # a UTF-8 byte order mark, as some editors write: no part of the JSON
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except (ValueError, RecursionError) as error:  # bad JSON; an int of over 4,300 digits; nesting too deep
            raise DataError(f"invalid JSON: {str(error)[:200]}", name, number) from None
        if not isinstance(data, dict):
            raise DataError(f"expected a JSON object, got {type(data).__name__}", name, number)
        yield number, data


def read_jsonl(path: str | Path) -> list[Article]:
    """Read articles from a JSON Lines file; errors name the file and line.

    Example::

        articles = read_jsonl("data/release/dev.jsonl")
    """
    return [article for _, article in iter_articles(path)]


def iter_articles(path: str | Path) -> Iterator[tuple[int, Article]]:
    """Yield ``(line number, article)`` for each article of a JSON Lines file (for checks that name the line);
    errors name the file and line. An article without an id gets ``<file stem>:<line>``.

    Example:
        >>> [(line, article.id) for line, article in iter_articles("tests/fixtures/articles.jsonl")][:1]
        [(1, 'fx-1')]
    """
    for number, data in iter_json_lines(path):
        try:
            article = Article.from_dict(data)
        except DataError as error:
            raise DataError(str(error), path, number) from None
        if not article.id:
            article.id = f"{Path(path).stem}:{number}"
        yield number, article


def write_jsonl(articles: Iterable[Article], path: str | Path) -> int:
    """Write articles as JSON Lines; returns how many were written."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for article in articles:
            handle.write(json.dumps(article.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    return count
