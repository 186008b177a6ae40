"""What a pronoun, a relative or a description points back to, for the speaker rules (``speakers.py``): the person a
"he" means, the noun phrase a "who" is attached to, the name a description stands in apposition to, the author of
"the report", and the names the model did not find.

Every look-up stays within a few sentences (or a few thousand characters) of the source, so that resolving all the
claims of an article stays linear in its length.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from .articles import Claim, Span
from .claim_linking import claim_of_events
from .speaker_cues import (
    DOCUMENT_NOUNS,
    HONORIFICS,
    LOOK_BACK,
    PERSON_NOUNS,
    PERSON_TYPES,
    WORD,
    Mentions,
    Name,
    gender_of,
    genders,
    title,
)

__all__ = ["CHAIN", "WINDOW_CHARS", "Antecedents"]

CHAIN = 4  # sources: how many claims back a "he said" may continue a speaker, so a transcript stays linear
WINDOW_CHARS = 5000  # how far the text is read for a document or a signature, for an article without sentence breaks
CLAUSE_CHARS = 400  # how far around a document's mention its author is looked for, in a sentence of any length
# What makes a name less likely to be the one a "he" or "she" means, in sentences of distance: a speaker (a claim's
# source) is more likely, someone only talked about in a quotation, a person of unknown gender against one of known
# gender, and the object of a preposition ("a speech by Andrew Jackson. It was, the president said") less.
SPEAKING, QUOTED, UNKNOWN_GENDER, OBJECT = -1.5, 2.0, 1.0, 2.0
_TITLES = frozenset(honorific.lower() for honorific in HONORIFICS)
_OBJECT = re.compile(r"(?<!according )\b(?:against|by|with|to|for|from|of|about|at|on|than|like|over|toward|into|"
                     r"between|among)\s+(?:(?:the|a|an)\s+)?(?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen)\.\s+|[A-Z][\w'’-]*\s+)*$")
_BEFORE_NOUN = re.compile(r"(?:['’]s)?(?:\s+[\w-]+){0,2}\s*")  # "Mariano wrote a memoir", "the Reuters/Ipsos poll"
_MISSED_BEFORE = re.compile(r"(?<=[a-z,] )([A-Z][\w/&.-]*(?: [A-Z][\w/&.-]*)*)(?:['’]s)? (?:[a-z][\w-]* )?$")
_ATTACHED = re.compile(r",?\s+(?:by|from|that|which)\b(?:\s+[\w.’']+){0,2}?\s*")  # "a video by the RNC"


class Antecedents(Mentions):
    """The look-ups of the speaker rules that point back from a source: what :class:`speakers.SpeakerResolver`
    builds on. ``speaker`` (the resolver's) resolves the sources these look-ups continue.

    Example:
        >>> text = "Ann Lee met Mr. Roberts. He left."
        >>> found = Antecedents(text, [Name(Span(0, 7), "PER"), Name(Span(16, 23), "PER")], [], [25])
        >>> found.person(Span(25, 27), "male")
        Span(start=16, end=23)
    """

    def __init__(self, text: str, names: Sequence[Name], claims: Sequence[Claim], sentences: Sequence[int]) -> None:
        super().__init__(text, names, claims, sentences)
        spans = [name.span for name in self.names]
        speaking = claim_of_events(spans, [Claim(content=claim.source) for claim in claims])
        self.quoted = claim_of_events(spans, claims)  # the claim whose content holds each name
        self.salience = [SPEAKING if s is not None else QUOTED if q is not None else 0.0
                         for s, q in zip(speaking, self.quoted, strict=True)]
        self.quoting = dict(zip(self.sources, claim_of_events(self.sources, claims), strict=True))  # "I" -> quote
        self.gender = genders(text, self.names)
        self.lower = {word for word in WORD.findall(text) if word.islower()}
        self.said: dict[int, set[int]] = {}  # where a source starts -> the claims it makes
        for i, claim in enumerate(claims):
            if claim.source:
                self.said.setdefault(claim.source[0].start, set()).add(i)

    def speaker(self, source: Span, _seen: frozenset[Span] = frozenset()) -> Span | None:
        """Who speaks through ``source``: the rules of :class:`speakers.SpeakerResolver`, which the look-ups that
        continue an earlier source call ("the report says ... the report says", "a best seller, which")."""
        raise NotImplementedError

    def person(self, source: Span, gender: str | None) -> Span | None:
        """The person a pronoun most likely points back to: the most recent named person of its gender (one of known
        gender first), preferring one who speaks (a source) to one who is only talked about (inside quoted content)
        and a subject to the object of a preposition; never one named inside the quotation the pronoun introduces
        ("'Obama had will.i.am,' he said" is not Obama)."""
        here = bisect_right(self.sentences, source.start)
        best, best_cost = None, float("inf")
        own = self.said.get(source.start, set())
        for i in self.before(source, LOOK_BACK):
            name = self.names[i]
            known = gender_of(self.gender, name.span.text_in(self.text))
            if name.type not in PERSON_TYPES or gender and known not in (None, gender) or self.quoted[i] in own:
                continue
            cost = here - bisect_right(self.sentences, name.span.start) + self.salience[i]
            cost += UNKNOWN_GENDER if gender and known is None else 0.0
            cost += OBJECT if _OBJECT.search(self.text, max(0, name.span.start - 20), name.span.start) else 0.0
            if cost <= best_cost:
                best, best_cost = name.span, cost
        return best

    def relative(self, source: Span, seen: frozenset[Span]) -> Span | None:
        """What a relative "who" / "which" / "that" stands for: the noun phrase right before it, when that is a claim's
        source ("Jared Diamond's best seller, which") or ends in a name ("a Los Angeles Times panel that"), or the
        subject of "is a ..." ("Kaine is a former lawyer who"); no one after a coordination ("Democrats and
        Republicans, who") or a description without a name ("the scientific literature, which")."""
        end = source.start - len(re.search(r"[\s,—–-]*$", self.text[max(0, source.start - 10) : source.start]).group())
        at = bisect_left(self.sources, source)
        for earlier in reversed(self.sources[max(0, at - 3) : at]):  # sources end in text order, nearly
            if end <= earlier.end <= source.start and earlier not in seen:
                return self.speaker(earlier, seen | {source})
        at = bisect_left(self.starts, end) - 1
        name = self.names[at].span if at >= 0 else None
        if name is None or name.end > end:
            return None
        between = self.text[name.end : end]
        if not re.fullmatch(r"\s+(?:is|was|has been)\s+(?:a|an|the)\b[^,.;:\"“”]{0,60}", between) and \
                not re.fullmatch(r"(?:['’]s)?(?:\s+[\w-]+){0,2}", between):
            return None
        if re.search(r"(?:\band|,)\s*$", self.text[max(0, name.start - 6) : name.start]):
            return None  # "Democrats and Republicans, who": no one in particular
        return name

    def apposition(self, source: Span) -> Span | None:
        """The name a description stands in apposition to: "from Walter Energy, another mining company that ..."."""
        at = bisect_left(self.starts, source.start)
        if at > 0 and re.fullmatch(r"\s*,\s*", self.text[self.names[at - 1].span.end : source.start]) and re.match(
                r"\s*(?:,|that\b|who\b|which\b)", self.text[source.end : source.end + 10]):
            return self.names[at - 1].span
        return None

    def author(self, source: Span, head: str, seen: frozenset[Span]) -> Span | None:
        """Who wrote the document a description names ("the book", "another slide"): the author named at the last
        mention of such a document that names one (:meth:`author_at`), or found for it when that mention is a claim's
        source ("the report says ... the report says"; one such mention, so that a chain stays short)."""
        here = bisect_right(self.sentences, source.start)
        first = max(self.sentences[here - LOOK_BACK - 1] if here - LOOK_BACK - 1 >= 0 else 0,
                    source.start - WINDOW_CHARS)
        chained = len(seen) >= CHAIN
        for match in reversed(list(re.finditer(r"\b(?:" + "|".join(DOCUMENT_NOUNS[head]) + r")s?\b",
                                               self.text[first : source.start], re.IGNORECASE))):
            found = self.author_at(first + match.start(), first + match.end())
            said = self.source_at(first + match.start())
            if found is None and not chained and said is not None and said not in seen:
                found, chained = self.speaker(said, seen | {source}), True
            if found is not None:
                return found
        return None

    def author_at(self, mention: int, end: int) -> Span | None:
        """The author named at one mention of a document: a name right before the noun ("the Reuters/Ipsos opinion
        poll", "Mariano wrote a memoir", "a Reuters survey" where the model missed Reuters), or one the noun is
        attached to ("a video by the Republican National Committee", "a presentation that Mr. Guajardo gives")."""
        sentence = bisect_right(self.sentences, mention)
        start = max(self.sentences[sentence - 1] if sentence > 0 else 0, mention - CLAUSE_CHARS)
        names = [name for name in self.names[bisect_left(self.starts, start) : bisect_left(
            self.starts, min(self.sentence_end(mention, 0), end + CLAUSE_CHARS))] if name.type in ("PER", "ORG", "GPE")]
        for name in reversed(names):
            if name.span.end <= mention and _BEFORE_NOUN.fullmatch(self.text[name.span.end : mention]):
                return name.span
        missed = _MISSED_BEFORE.search(self.text[start:mention])
        if missed and self.missed(Span(start + missed.start(1), start + missed.end(1))):
            return Span(start + missed.start(1), start + missed.end(1))
        return next((name.span for name in names if name.span.start >= end
                     and _ATTACHED.fullmatch(self.text[end : name.span.start])), None)

    def named_after(self, source: Span) -> Span | None:
        """The name right after a reporting verb annotated as the source ("..., said Robert McAtee"), also one the
        model did not find ("..., said Hester")."""
        at = bisect_left(self.starts, source.end)
        if at < len(self.names) and not self.text[source.end : self.names[at].span.start].strip():
            return self.names[at].span
        after = re.match(r"\s+([A-Z][\w'’-]*(?: [A-Z][\w'’-]*)*)", self.text[source.end : source.end + 60])
        missed = after and Span(source.end + after.start(1), source.end + after.end(1))
        return missed if missed and self.missed(missed) else None

    def source_at(self, position: int) -> Span | None:
        """The claim source that holds ``position``, if any."""
        at = bisect_right(self.sources, Span(position, len(self.text))) - 1
        return self.sources[at] if at >= 0 and self.sources[at].end > position else None

    def missed(self, span: Span) -> bool:
        """Whether ``span`` is a name the model did not find: capitalised words, none of them a title or a word the
        article also writes in lower case ("Hester", "Reuters"; not "The Times", "Mr")."""
        words = WORD.findall(span.text_in(self.text))
        return bool(words) and all(word[0].isupper() and word.lower() not in self.lower
                                   and title(word) not in PERSON_NOUNS | _TITLES for word in words)
