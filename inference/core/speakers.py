"""Who makes a claim: the most specific mention of its speaker in the article, when the source does not name them.

A source such as "he", "the group" or "the statement" does not say who claimed something; a fact-checker needs the
name. Rules over the entity mentions the model found (and the names and titles of ``speaker_cues.py``; what points
back, in ``speaker_antecedents.py``), in the order a careful reader applies them:

1. "I" / "we" inside a quotation is the speaker of the claim that quotes it; outside any, the signature under the
   letter or post it writes in, or the author a commentary's last paragraph names ("Rick Scott is the governor ...");
2. "he" / "she" continues the person whose claim the sentence before reports ("Smith said ... He added"), else is the
   most recent named person of that gender, a speaker rather than someone only talked about, a subject rather than
   the object of a preposition, never one named in the quotation it introduces;
3. "they" / "it" continues the source of a claim of the two sentences before unless that is a person ("Critics say
   ... they argue": no one in particular), else the nearest organisation or place;
4. "who" / "which" / "that" is the noun phrase right before it when that is a source or ends in a name, or the
   subject of "X is a ... who"; a reporting verb taken for the source ("..., said Hester") is the name after it;
5. a description is, in turn: the name it stands in apposition to ("Walter Energy, another mining company"); the
   author of the document it names ("the book", "the ad" after "a video by the RNC"); no one when indefinite or
   plural ("a senior official", "critics"); the person a possessive points to ("her campaign", "the agency's
   bureaucracy"), but not for a relation ("his attorney" is not him: his attorney's name or no one); the person
   given that title ("the judge" after "Justice Frank Nervo"); itself when it names someone ("The health ministry in
   Gaza"); the nearest organisation its head noun fits ("the group"), or place ("the state");
6. a description that finds no one before is looked for in the next sentences: a person with its title ("A New York
   judge ... Justice Frank Nervo"), an organisation sharing its head or a name ("A House panel ... The House
   Oversight Committee said").

Plain Python on character spans, like claim linking: no model runs here.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from .articles import Span
from .speaker_antecedents import CHAIN, WINDOW_CHARS, Antecedents
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
    PERSON_NOUNS,
    PERSON_PRONOUNS,
    PERSON_TYPES,
    PLACE_NOUNS,
    POSSESSIVES,
    RELATIVES,
    SIGNATURE,
    STATE_NOUNS,
    WORD,
    Name,
    gender_of,
    named_mentions,
    title,
)

__all__ = ["Name", "SpeakerResolver", "named_mentions"]

LOOK_AHEAD = 2  # sentences: how far on a description's name may come ("A New York judge ... Justice Frank Nervo")
_POSSESSIVE = re.compile(r"['’]s\b")


class SpeakerResolver(Antecedents):
    """Resolves the claim sources of one article to speakers (see the module docstring), in time linear in the
    article: what every rule reads is prepared once, and names are looked up within a few sentences of the source.

    ``names`` from :func:`named_mentions`; ``claims`` the article's claims (who speaks elsewhere, and the quotation an
    "I" sits in); ``sentences`` from :func:`inference.core.sentences.sentence_starts`.

    Example:
        >>> text = "Smith arrived. He said it was over."
        >>> SpeakerResolver(text, [Name(Span(0, 5), "PER")], [], [15]).speaker(Span(15, 17))
        Span(start=0, end=5)
    """

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
                if found is not None and gender_of(self.gender, found.text_in(self.text)) in (None, gender):
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
            return self.named_after(source)
        return self.relative(source, seen)

    def _description(self, source: Span, words: list[str], seen: frozenset[Span]) -> Span | None:
        head, text = words[-1], source.text_in(self.text)
        if self.named_in(source, NAME_TYPES) is None and words[0] not in RELATIVES:
            apposed = self.apposition(source)
            if apposed is not None:
                return apposed
            if head in DOCUMENT_NOUNS and words[0] not in ("a", "an") and not head.endswith("s"):
                author = self.author(source, head, seen)
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
        if head in PLACE_NOUNS and words[0] in ("the", "this"):
            return self.nearest(source, ("GPE",))  # "the 2000 election in Florida, when the state ..."
        return None

    def later(self, source: Span, head: str) -> Span | None:
        """A name given after a description: the first person named in the next sentences with the title ``head``
        ("A New York judge ... Justice Frank Nervo"), or the first organisation named in a later claim's source
        that shares ``head`` or a capitalised word with the description ("A House panel ... The House Oversight
        Committee said"). Not in the description's own sentence: a name there is someone else ("overturned by an
        appeals court, and the Supreme Court declined")."""
        if head not in PERSON_NOUNS and head not in GROUP_NOUNS:
            return None
        end, office = self.sentence_end(source.start, LOOK_AHEAD), title(head)
        capitals = {word for word in WORD.findall(source.text_in(self.text))[1:] if word[0].isupper()}
        at = bisect_left(self.starts, self.sentence_end(source.start, 0))
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
