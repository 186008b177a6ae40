"""Who makes a claim: the most specific mention of its speaker in the article, when the source does not name them.

A source such as "he", "the group" or "the statement" does not say who claimed something; a fact-checker needs the
name. Rules over the entity mentions the model found, in the order a careful reader applies them:

1. a source that names someone ("The health ministry in Gaza", "Nasrallah") is its own speaker;
2. "I" / "we" inside a quotation is the speaker of the claim that quotes it;
3. a pronoun is the nearest earlier named mention of a fitting kind: a person for "he" / "she", an organisation or
   place for "it" and "they" (else the nearest person named in the sentence or the one before, for "they");
4. a definite description ("the spokesman", "the group", "the statement") is the nearest earlier name of the kind its
   head noun fits; an indefinite one ("a senior official", "critics") names no one: ``None``.

Plain Python on character spans, like claim linking: no model runs here.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from .articles import Claim, Entity, Span
from .claim_linking import claim_of_events

FIRST_PERSON = frozenset({"i", "me", "my", "we", "us", "our"})
PERSON_PRONOUNS = frozenset({"he", "him", "his", "she", "her", "hers"})
GROUP_PRONOUNS = frozenset({"they", "them", "their", "it", "its"})
# Head nouns of descriptions of a person, and of an organisation or what it issues.
PERSON_NOUNS = frozenset("""
    spokesman spokeswoman spokesperson president mayor minister governor senator candidate nominee official leader
    chairman chairwoman chief secretary director lawyer attorney judge prosecutor commander general sheriff ambassador
    adviser advisor aide manager founder author reporter anchor host businessman congressman congresswoman
    representative premier chancellor king queen prince pope man woman father mother son daughter wife husband
""".split())
GROUP_NOUNS = frozenset("""
    group organization organisation campaign ministry statement report government party agency department company
    administration office committee council court commission movement network newspaper paper magazine website
    study survey poll union association army police service firm bank team channel broadcaster station board
    military regime authority authorities embassy spokesmen
""".split())
# Of those, the ones that may stand for a country or city ("the government" of North Korea) as well as an organisation.
STATE_NOUNS = frozenset("government administration regime authority authorities ministry military army embassy".split())
INDEFINITE = frozenset({"a", "an", "some", "many", "several", "other", "others", "one", "two", "three", "most",
                        "few", "critics", "experts", "officials", "analysts", "observers", "sources", "people"})
PERSON_TYPES = ("PER",)
GROUP_TYPES = ("ORG", "GPE")
LOOK_BACK = 12  # sentences: how far back an earlier name is looked for (beyond it, a reader would name them again)
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")


@dataclass(frozen=True)
class Name:
    """An entity mention that is a name: some word of it is capitalised and never written lower-case in the article."""

    span: Span
    type: str


def named_mentions(text: str, entities: Sequence[Entity]) -> list[Name]:
    """The entity mentions of ``text`` that are names, in text order.

    Example:
        >>> text = "Police said Smith left. The police chief spoke."
        >>> [text[n.span.start : n.span.end] for n in named_mentions(text, [Entity("ORG", Span(0, 6)),
        ...                                                                  Entity("PER", Span(12, 17))])]
        ['Smith']
    """
    lower = {word for word in _WORD.findall(text) if word.islower()}
    names = []
    for entity in sorted(entities, key=lambda e: e.span):
        words = _WORD.findall(entity.span.text_in(text))
        if any(word[0].isupper() and word.lower() not in lower for word in words):
            names.append(Name(entity.span, entity.type))
    return names


class SpeakerResolver:
    """Resolves the claim sources of one article to speakers (see the module docstring), in time linear in the
    article: what every rule reads is prepared once, and earlier names are looked up within a few sentences.

    ``names`` from :func:`named_mentions`; ``claims`` the article's claims (who speaks elsewhere, and the quotation an
    "I" sits in); ``sentences`` from :func:`inference.core.sentences.sentence_starts`.

    Example:
        >>> text = "Smith arrived. He said it was over."
        >>> SpeakerResolver(text, [Name(Span(0, 5), "PER")], [], [15]).speaker(Span(15, 17))
        Span(start=0, end=5)
    """

    def __init__(self, text: str, names: Sequence[Name], claims: Sequence[Claim], sentences: Sequence[int]) -> None:
        self.text, self.claims, self.sentences = text, claims, sentences
        self.names = sorted(names, key=lambda n: n.span)
        self.starts = [name.span.start for name in self.names]
        spans = [name.span for name in self.names]
        speaking = claim_of_events(spans, [Claim(content=claim.source) for claim in claims])
        quoted = claim_of_events(spans, claims)
        # how likely each name is to be the one a pronoun means: a speaker, or someone only talked about in a quote
        self.salience = [-1.5 if s is not None else 2.0 if q is not None else 0.0
                         for s, q in zip(speaking, quoted, strict=True)]
        sources = [claim.source[0] for claim in claims if claim.source]
        self.quoting = dict(zip(sources, claim_of_events(sources, claims), strict=True))  # "I" -> the quoting claim
        self.gender = _genders(text)

    def speaker(self, source: Span, _quoted: frozenset[Span] = frozenset()) -> Span | None:
        """The span of the most specific mention of who speaks through ``source``, or None when the article never
        says."""
        words = [word.lower() for word in _WORD.findall(source.text_in(self.text))]
        if not words:
            return None
        pronoun = words[0] if len(words) == 1 else None
        if pronoun in FIRST_PERSON:  # "I" in a quotation: whoever is quoted
            quoting = self.quoting.get(source)
            claim = self.claims[quoting] if quoting is not None else None
            if claim is None or not claim.source or claim.source[0] in _quoted | {source}:  # crossing quotes: stop
                return None
            return self.speaker(claim.source[0], _quoted | {source})
        if pronoun in PERSON_PRONOUNS:
            return self.person(source, "female" if pronoun in ("she", "her", "hers") else "male")
        if pronoun in GROUP_PRONOUNS:
            return self.nearest(source, GROUP_TYPES, back=1) or self.nearest(source, PERSON_TYPES, back=1)
        head = words[-1]
        if words[0] in INDEFINITE or head in INDEFINITE or head.endswith("s") and head not in GROUP_NOUNS:
            return None  # "a senior official", "critics", "E.U. leaders": no one in particular
        if words[0] in PERSON_PRONOUNS and head in GROUP_NOUNS:  # "her campaign" speaks for her
            return self.person(source, "female" if words[0] == "her" else "male")
        if head in PERSON_NOUNS:
            return self.titled(source, head) or self.person(source, None)
        at = bisect_left(self.starts, source.start)
        if at < len(self.names) and self.names[at].span.end <= source.end:
            return source  # it names someone: "The health ministry in Gaza"
        if head in GROUP_NOUNS:
            return self.nearest(source, GROUP_TYPES if head in STATE_NOUNS else ("ORG",))
        return None

    def _before(self, source: Span, back: int) -> range:
        """The indices of the names that start at most ``back`` sentences before ``source`` and end before it."""
        here = bisect_right(self.sentences, source.start)
        first = self.sentences[here - back - 1] if here - back - 1 >= 0 else 0
        last = bisect_left(self.starts, source.start)
        while last > 0 and self.names[last - 1].span.end > source.start:
            last -= 1
        return range(bisect_left(self.starts, first), last)

    def nearest(self, source: Span, types: Sequence[str], back: int = LOOK_BACK) -> Span | None:
        """The last name of one of ``types`` before ``source``, at most ``back`` sentences back."""
        names = (self.names[i] for i in reversed(self._before(source, back)))
        return next((name.span for name in names if name.type in types), None)

    def person(self, source: Span, gender: str | None) -> Span | None:
        """The person a pronoun most likely points back to: the most recent named person of its gender, preferring
        one who speaks (a source) to one who is only talked about (inside quoted content)."""
        here = bisect_right(self.sentences, source.start)
        best, best_cost = None, float("inf")
        for i in self._before(source, LOOK_BACK):
            name = self.names[i]
            if name.type not in PERSON_TYPES or gender and self.gender.get(_key(name.span.text_in(self.text))) not in (
                    None, gender):
                continue
            cost = here - bisect_right(self.sentences, name.span.start) + self.salience[i]
            if cost <= best_cost:
                best, best_cost = name.span, cost
        return best

    def titled(self, source: Span, title: str) -> Span | None:
        """The last person named with ``title`` before ``source``: right before the name ("President Barack Obama")
        or in an apposition after it ("Adam Schiff, the California congressman")."""
        for i in reversed(self._before(source, LOOK_BACK)):
            name = self.names[i]
            if name.type in PERSON_TYPES:
                before = _WORD.findall(self.text[max(0, name.span.start - 30) : name.span.start].lower())[-2:]
                after = self.text[name.span.end : name.span.end + 60].lower()
                if title in before or after.startswith(",") and title in _WORD.findall(after.split(",")[1]):
                    return name.span
        return None

def _key(name: str) -> str:
    """A person's name as the article's gendered titles refer to it: the last word ("Barack Obama" -> "obama")."""
    words = _WORD.findall(name)
    return words[-1].lower() if words else ""


def _genders(text: str) -> dict[str, str]:
    """Names the article gives a gendered title ("Mr. Obama", "Ms. LaBelle"): last name -> "male" / "female"."""
    return {match.group(2).lower(): "male" if match.group(1) == "Mr" else "female"
            for match in re.finditer(r"\b(Mr|Mrs|Ms|Miss)\.?\s+([A-Z][\w'’-]+)", text)}
