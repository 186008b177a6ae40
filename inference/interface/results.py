"""What :func:`inference.extract` returns: typed, JSON-serialisable results with character offsets into the input.

These are the user-facing contract; :class:`inference.core.articles.Article` is the training and evaluation format they
are made from (it keeps every fragment of every claim part, and which layers were annotated).
"""

from __future__ import annotations

import dataclasses
import types
from dataclasses import dataclass, field
from typing import Any, Union, get_args, get_origin, get_type_hints

from ..core.articles import Argument, Article, Claim, Entity, Event, Span


class _Result:
    """What every result shares: its JSON form."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the fields in their order, nested results as dicts, ``None`` as ``null``."""
        return dataclasses.asdict(self)


def _score(value: float | None) -> float:
    return round(value, 4) if value is not None else 0.0


@dataclass(frozen=True)
class TextSpan(_Result):
    """``text[start:end] == self.text``, always, for the ``text`` that was given to :func:`extract`."""

    start: int
    end: int
    text: str

    @classmethod
    def of(cls, span: Span, text: str) -> TextSpan:
        return cls(span.start, span.end, text[span.start : span.end])



@dataclass(frozen=True)
class ArgumentResult(_Result):
    """An argument of one event: who, whom, where, with what."""

    role: str
    start: int
    end: int
    text: str
    score: float



@dataclass(frozen=True)
class EntityResult(_Result):
    """An entity mention with its ACE type (``PER``, ``ORG``, ``GPE``, ``LOC``, ``FAC``, ``VEH``, ``WEA``)."""

    type: str
    start: int
    end: int
    text: str
    score: float



@dataclass(frozen=True)
class EventResult(_Result):
    """A typed trigger with its arguments; ``claim`` is the index of the claim whose content holds the trigger."""

    type: str
    score: float
    trigger: TextSpan
    arguments: list[ArgumentResult] = field(default_factory=list)
    claim: int | None = None



@dataclass(frozen=True)
class ClaimResult(_Result):
    """An attributed statement: ``source`` (or ``None``) says, through ``cue``, the ``content`` fragments;
    ``speaker`` is the most specific mention of who that is (the source itself when it names them, the name a "he" or
    "the group" stands for, ``None`` when the article never says)."""

    score: float
    source: TextSpan | None
    cue: TextSpan | None
    content: list[TextSpan] = field(default_factory=list)  # in text order
    speaker: TextSpan | None = None



@dataclass(frozen=True)
class Extraction(_Result):
    """Events, claims and entity mentions of one text (``entities`` stays empty for a model without an entity head).

    Example:
        >>> from inference.core.articles import Event
        >>> text = "He said two people were killed."
        >>> article = Article("x", text, events=[Event("Life:Die", Span(24, 30), score=0.9, claim=0)],
        ...                   claims=[Claim([Span(0, 2)], [Span(3, 7)], [Span(8, 30)], score=0.8)])
        >>> result = Extraction.from_article(article)
        >>> result.events[0].claim, result.claims[0].cue.text
        (0, 'said')
    """

    events: list[EventResult] = field(default_factory=list)
    claims: list[ClaimResult] = field(default_factory=list)
    entities: list[EntityResult] = field(default_factory=list)


    def to_article(self, article_id: str, text: str) -> Article:
        """The result in the article format of ``inference.core.articles``: for scoring, or to correct and train on."""
        events = [Event(e.type, Span(e.trigger.start, e.trigger.end),
                        [Argument(a.role, Span(a.start, a.end), a.score) for a in e.arguments], e.score, e.claim)
                  for e in self.events]
        claims = [Claim(*([Span(s.start, s.end)] if s else [] for s in (c.source, c.cue)),
                        [Span(s.start, s.end) for s in c.content], c.score,
                        Span(c.speaker.start, c.speaker.end) if c.speaker else None)
                  for c in self.claims]
        entities = [Entity(e.type, Span(e.start, e.end), e.score) for e in self.entities]
        return Article(article_id, text, events, claims, entities=entities)

    @classmethod
    def from_article(cls, article: Article) -> Extraction:
        """The result for a predicted article, as the article decoder made it (``inference/runtime/article_decoder.py``:
        claims and events in text order, one source per claim, each event's ``claim`` link)."""
        text = article.text
        return cls(
            events=[EventResult(e.type, _score(e.score), TextSpan.of(e.trigger, text),
                                [ArgumentResult(a.role, a.span.start, a.span.end, a.span.text_in(text), _score(a.score))
                                 for a in e.arguments],
                                e.claim)
                    for e in article.events],
            claims=[ClaimResult(_score(c.score), *(TextSpan.of(part[0], text) if part else None
                                                   for part in (c.source, c.cue)),
                                [TextSpan.of(s, text) for s in c.content],
                                TextSpan.of(c.speaker, text) if c.speaker else None)
                    for c in article.claims],
            entities=[EntityResult(e.type, e.span.start, e.span.end, e.span.text_in(text), _score(e.score))
                      for e in article.entities],
        )


def arrow_schema():
    """The Parquet schema of one result row, ``id`` then the fields of :class:`Extraction`, derived from the result
    classes so that the JSON and Parquet outputs cannot drift apart. pyarrow is imported here: only corpus runs need it.

    Example:
        >>> arrow_schema().field("claims").type.value_type.field("source").type.names
        ['start', 'end', 'text']
    """
    import pyarrow as pa

    scalars = {str: pa.string(), int: pa.int64(), float: pa.float64()}

    def arrow_type(hint):
        if get_origin(hint) in (Union, types.UnionType):  # X | None: every Arrow field is nullable
            (hint,) = [arg for arg in get_args(hint) if arg is not type(None)]
        if get_origin(hint) is list:
            return pa.list_(arrow_type(get_args(hint)[0]))
        if dataclasses.is_dataclass(hint):
            return pa.struct([(name, arrow_type(h)) for name, h in get_type_hints(hint).items()])
        return scalars[hint]

    return pa.schema([("id", pa.string()), *((name, arrow_type(h)) for name, h in get_type_hints(Extraction).items())])
