"""Who makes a claim: the most specific mention of its speaker in the article, when the source does not name them.

A source such as "he", "the group" or "the statement" does not say who claimed something; a fact-checker needs the
name. Rules over the entity mentions the model found (and the names and titles of ``speaker_cues.py``), in the order a
careful reader applies them:

1. "I" / "we" inside a quotation is the speaker of the claim that quotes it; outside any, the signature under the
   letter or post it writes in, or the author a commentary's last paragraph names ("Rick Scott is the governor ...");
2. "he" / "she" continues the person whose claim the sentence before reports ("Smith said ... He added"), else is the
   most recent named person of that gender, a speaker rather than someone only talked about;
3. "they" / "it" continues the source of a claim of the two sentences before unless that is a person ("Critics say
   ... they argue": no one in particular), else the nearest organisation or place;
4. a description is, in turn: the name it stands in apposition to ("Walter Energy, another mining company"); the
   author of the document it names ("the book"); no one when indefinite or plural ("a senior official", "critics");
   the person a possessive points to ("her campaign", "the agency's bureaucracy"), but not for a relation ("his
   attorney" is not him: his attorney's name or no one); the person given that title ("the judge" after "Justice
   Frank Nervo"); itself when it names someone ("The health ministry in Gaza"); the nearest organisation its head
   noun fits ("the group");
5. a description that finds no one before is looked for in the next sentences: a person with its title ("A New York
   judge ... Justice Frank Nervo"), an organisation sharing its head or a name ("A House panel ... The House
   Oversight Committee said").

Plain Python on character spans, like claim linking: no model runs here.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from .articles import Claim, Span
from .claim_linking import claim_of_events
from .speaker_cues import (
    BIO,
    CUE_WORDS,
    DOCUMENT_NOUNS,
    FEMALE_PRONOUNS,
    FIRST_PERSON,
    GROUP_NOUNS,
    GROUP_PRONOUNS,
    GROUP_TYPES,
    INDEFINITE,
    LOOK_BACK,
    NAME_TYPES,
    ORG_DOCUMENTS,
    PERSON_NOUNS,
    PERSON_PRONOUNS,
    PERSON_TYPES,
    POSSESSIVES,
    RELATIVES,
    SIGNATURE,
    STATE_NOUNS,
    WORD,
    Mentions,
    Name,
    genders,
    key,
    named_mentions,
    title,
)

__all__ = ["Name", "SpeakerResolver", "named_mentions"]

LOOK_AHEAD = 2  # sentences: how far on a description's name may come ("A New York judge ... Justice Frank Nervo")
CHAIN = 4  # sources: how many claims back a "he said" may continue a speaker, so a transcript stays linear
WINDOW_CHARS = 5000  # how far the text is read for a document or a signature, for an article without sentence breaks
UNKNOWN_GENDER = 1.0  # sentences: what a person of unknown gender costs a "he" or "she" against one of known gender
_POSSESSIVE = re.compile(r"['’]s\b")


class SpeakerResolver(Mentions):
    """Resolves the claim sources of one article to speakers (see the module docstring), in time linear in the
    article: what every rule reads is prepared once, and names are looked up within a few sentences of the source.

    ``names`` from :func:`named_mentions`; ``claims`` the article's claims (who speaks elsewhere, and the quotation an
    "I" sits in); ``sentences`` from :func:`inference.core.sentences.sentence_starts`.

    Example:
        >>> text = "Smith arrived. He said it was over."
        >>> SpeakerResolver(text, [Name(Span(0, 5), "PER")], [], [15]).speaker(Span(15, 17))
        Span(start=0, end=5)
    """

    def __init__(self, text: str, names: Sequence[Name], claims: Sequence[Claim], sentences: Sequence[int]) -> None:
        super().__init__(text, names, claims, sentences)
        spans = [name.span for name in self.names]
        speaking = claim_of_events(spans, [Claim(content=claim.source) for claim in claims])
        quoted = claim_of_events(spans, claims)
        # how likely each name is to be the one a pronoun means: a speaker, or someone only talked about in a quote
        self.salience = [-1.5 if s is not None else 2.0 if q is not None else 0.0
                         for s, q in zip(speaking, quoted, strict=True)]
        self.quoting = dict(zip(self.sources, claim_of_events(self.sources, claims), strict=True))  # "I" -> quote
        self.gender = genders(text, self.names)

    def speaker(self, source: Span, _seen: frozenset[Span] = frozenset()) -> Span | None:
        """The span of the most specific mention of who speaks through ``source``, or None when the article never
        says. (``_seen``: the sources a chain of "I" in a quote, or "he" continuing a source, went through.)"""
        words = [word.lower() for word in WORD.findall(source.text_in(self.text))]
        if not words:
            return None
        if len(words) == 1 and (words[0] in FIRST_PERSON | PERSON_PRONOUNS | GROUP_PRONOUNS | RELATIVES
                                or words[0] in CUE_WORDS):
            return self._pronoun(source, words[0], _seen)
        return self._description(source, words, _seen) or self.later(source, words[-1])

    def _pronoun(self, source: Span, pronoun: str, seen: frozenset[Span]) -> Span | None:
        if pronoun in FIRST_PERSON:
            quoting = self.quoting.get(source)
            if quoting is None:
                return self.signature(source)
            claim = self.claims[quoting]
            if not claim.source or claim.source[0] in seen | {source}:  # crossing quotes: stop
                return None
            return self.speaker(claim.source[0], seen | {source})
        if pronoun in PERSON_PRONOUNS:
            gender = "female" if pronoun in FEMALE_PRONOUNS else "male"
            earlier = self.earlier_source(source, back=1)
            if earlier is not None and earlier not in seen and len(seen) < CHAIN:
                found = self.speaker(earlier, seen | {source})
                found = found and self.named_in(found, PERSON_TYPES)
                if found is not None and self.gender.get(key(found.text_in(self.text))) in (None, gender):
                    return found
            return self.person(source, gender)
        if pronoun in GROUP_PRONOUNS:
            earlier = self.earlier_source(source, back=2)
            if earlier is not None and earlier not in seen and len(seen) < CHAIN:
                found = self.speaker(earlier, seen | {source})
                if found is None or self.named_in(found, PERSON_TYPES) is None:
                    return found
            return self.nearest(source, GROUP_TYPES, back=1) or self.nearest(source, PERSON_TYPES, back=1)
        if pronoun in CUE_WORDS:  # the cue taken for the source: "... ," said Robert McAtee
            at = bisect_left(self.starts, source.end)
            after = self.names[at].span if at < len(self.names) else None
            return after if after and not self.text[source.end : after.start].strip() else None
        return None  # a relative "who" / "which": its antecedent is not found reliably enough

    def _description(self, source: Span, words: list[str], seen: frozenset[Span]) -> Span | None:
        head, text = words[-1], source.text_in(self.text)
        if self.named_in(source, NAME_TYPES) is None and words[0] not in RELATIVES:
            apposed = self.apposition(source)
            if apposed is not None:
                return apposed
            if head in DOCUMENT_NOUNS and words[0] not in ("a", "an") and not head.endswith("s"):
                author = self.author(source, head)
                if author is not None:
                    return author
        if words[0] in INDEFINITE or head in INDEFINITE or head.endswith("s") and head not in GROUP_NOUNS:
            return None  # "a senior official", "critics", "E.U. leaders": no one in particular
        if words[0] in POSSESSIVES:
            if title(head) in PERSON_NOUNS:
                return self.titled(source, head)  # "his attorney" is not him
            first = re.search(r"\w+", text)
            return self.speaker(Span(source.start + first.start(), source.start + first.end()), seen)
        owner = _POSSESSIVE.search(text)
        if owner and head not in PERSON_NOUNS and self.named_in(source, PERSON_TYPES + GROUP_TYPES) is None:
            return self.speaker(Span(source.start, source.start + owner.start()), seen)  # "the agency's budget"
        if head in PERSON_NOUNS:  # "Clinton's former doctor" is not Clinton
            return self.titled(source, head) or (None if owner else self.person(source, None))
        at = bisect_left(self.starts, source.start)
        if at < len(self.names) and self.names[at].span.end <= source.end:
            return source  # it names someone: "The health ministry in Gaza"
        if head in GROUP_NOUNS:
            return self.nearest(source, GROUP_TYPES if head in STATE_NOUNS else ("ORG",))
        return None

    def person(self, source: Span, gender: str | None) -> Span | None:
        """The person a pronoun most likely points back to: the most recent named person of its gender (one of known
        gender first), preferring one who speaks (a source) to one who is only talked about (inside quoted content)."""
        here = bisect_right(self.sentences, source.start)
        best, best_cost = None, float("inf")
        for i in self.before(source, LOOK_BACK):
            name = self.names[i]
            known = self.gender.get(key(name.span.text_in(self.text)))
            if name.type not in PERSON_TYPES or gender and known not in (None, gender):
                continue
            cost = here - bisect_right(self.sentences, name.span.start) + self.salience[i]
            cost += UNKNOWN_GENDER if gender and known is None else 0.0
            if cost <= best_cost:
                best, best_cost = name.span, cost
        return best

    def apposition(self, source: Span) -> Span | None:
        """The name a description stands in apposition to: "from Walter Energy, another mining company that ..."."""
        at = bisect_left(self.starts, source.start)
        if at > 0 and re.fullmatch(r"\s*,\s*", self.text[self.names[at - 1].span.end : source.start]) and re.match(
                r"\s*(?:,|that\b|who\b|which\b)", self.text[source.end : source.end + 10]):
            return self.names[at - 1].span
        return None

    def author(self, source: Span, head: str) -> Span | None:
        """Who wrote the document a description names ("the book", "another slide"): in the sentence that last
        mentioned such a document, a name right before the noun ("the Reuters/Ipsos opinion poll"), else, for what
        people write, the first person named after it ("A slide from a presentation that Mr. Guajardo gives")."""
        here = bisect_right(self.sentences, source.start)
        first = max(self.sentences[here - LOOK_BACK - 1] if here - LOOK_BACK - 1 >= 0 else 0,
                    source.start - WINDOW_CHARS)
        mention = None
        for match in re.finditer(r"\b(?:" + "|".join(DOCUMENT_NOUNS[head]) + r")s?\b", self.text[first : source.start],
                                 re.IGNORECASE):
            mention = first + match.start()
        if mention is None:
            return None
        sentence = bisect_right(self.sentences, mention)
        start = self.sentences[sentence - 1] if sentence > 0 else 0
        names = [name for name in self.names[bisect_left(self.starts, start) : bisect_left(
            self.starts, self.sentence_end(mention, 0))] if name.type in ("PER", "ORG")]
        for name in reversed(names):
            if name.span.end <= mention and re.fullmatch(r"(?:['’]s)?(?:\s+[\w-]+){0,2}\s*",
                                                         self.text[name.span.end : mention]):
                return name.span
        if head in ORG_DOCUMENTS:
            return None
        return next((n.span for n in names if n.span.start > mention and n.type in PERSON_TYPES), None)

    def later(self, source: Span, head: str) -> Span | None:
        """A name given after a description: the first person named in the next sentences with the title ``head``
        ("A New York judge ... Justice Frank Nervo"), or the first organisation named in a later claim's source
        that shares ``head`` or a capitalised word with the description ("A House panel ... The House Oversight
        Committee said")."""
        if head not in PERSON_NOUNS and head not in GROUP_NOUNS:
            return None
        end, office = self.sentence_end(source.start, LOOK_AHEAD), title(head)
        capitals = {word for word in WORD.findall(source.text_in(self.text))[1:] if word[0].isupper()}
        at = bisect_left(self.starts, source.end)
        while at < len(self.names) and self.names[at].span.start < end:
            name = self.names[at]
            if head in PERSON_NOUNS and name.type in PERSON_TYPES and office in self.titles(name.span):
                return name.span
            if head in GROUP_NOUNS and name.type == "ORG":
                i = bisect_right(self.sources, Span(name.span.start, len(self.text))) - 1
                words = WORD.findall(self.sources[i].text_in(self.text)) if i >= 0 else []
                if words and self.sources[i].end >= name.span.end and (
                        head in {w.lower() for w in words} or capitals & set(words)):
                    return name.span
            at += 1
        return None

    def signature(self, source: Span) -> Span | None:
        """Who writes the letter, post or commentary that an "I" outside any quotation is in: the next line, a few
        sentences on at most, that is only a person's name or an @handle, else the author the last paragraph
        names."""
        end = min(self.sentence_end(source.start, LOOK_BACK), source.end + WINDOW_CHARS)
        for match in SIGNATURE.finditer(self.text, source.end, end):
            line = Span(match.start(1), match.end(1))
            if match.group(1).startswith("@"):
                return line
            if self.named_in(line, PERSON_TYPES) is not None:
                return self.named_in(line, PERSON_TYPES)
        return self.byline()

    def byline(self) -> Span | None:
        """The author a commentary names in its last paragraph: "Rick Scott is the Republican governor of Florida."."""
        start = self.text.rstrip().rfind("\n") + 1
        match = BIO.match(self.text, start)
        if match is None:
            return None
        return self.named_in(Span(start, match.end(1)), PERSON_TYPES)
