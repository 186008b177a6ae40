"""Cleaner claims: four rules on a linked claim's content fragments and one on its cue, the one place they live.

Each was measured on the dev split before it was kept (docs/results.md, docs/missed_claims.md); rules the gold's own
inconsistency makes a coin toss (a weekday after the cue, "said in a statement", "did not respond to a request for
comment") are left out. None of the content rules removes a claim's last fragment: a claim keeps its content, and so
its place in the results. The cue rule, :func:`with_a_reporting_cue`, is the one that leaves whole claims out, so it
runs over an article's claims rather than one claim.
"""

from __future__ import annotations

import re

from .articles import Claim, Span

# A content fragment that is only one of these words reports nothing ("said that" tagged as content: "that").
BARE_WORDS = frozenset({"that", "the", "a", "an", "this", "these", "those", "it"})
TRAILING = ",;:"  # punctuation that closes no content: the tagger takes it in from the clause around it
QUOTE_REACH = 300  # characters: how far a content fragment may be extended to its closing quotation mark
# A cue made only of these reports nothing: the tagger kept a verb group's auxiliary and lost its verb ("could" of
# "could deny"), or tagged a copula ("are not a measure of"). The gold almost never has such a cue; a negated verb
# group ("did not say") stays, since the PolNeAR guidelines annotate negated attributions.
AUXILIARIES = frozenset({"has", "have", "had", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does",
                         "did", "may", "might", "can", "could", "will", "would", "shall", "should", "must", "not",
                         "n't", "never", "'s", "ca", "wo"})  # "ca" and "wo": can't, won't
_CUE_WORDS = re.compile(r"\w+(?=n't\b)|n't\b|'\w+|\w+")  # did|n't, he|'s


def clean_content(claim: Claim, text: str) -> Claim:
    """``claim`` with its content fragments cleaned by the rules below, in this order.

    Example:
        >>> text = 'He said: "We will win the vote, he said.'
        >>> claim = Claim(cue=[Span(3, 7)], content=[Span(9, 31)])
        >>> [text[s.start : s.end] for s in clean_content(claim, text).content]
        ['"We will win the vote']
    """
    for rule in (near_the_cue, to_the_closing_quote, without_trailing_punctuation, without_bare_words):
        claim.content = rule(claim, text) or claim.content
    return claim


def with_a_reporting_cue(claims: list[Claim], text: str) -> list[Claim]:
    """The claims whose cue holds a word besides :data:`AUXILIARIES`; a cue of punctuation alone (a headline's colon)
    or no cue leaves a claim as it is.

    Example:
        >>> text = "Polls are not a measure. She did not say why."
        >>> bare = Claim(cue=[Span(6, 13)], content=[Span(14, 23)])
        >>> negated = Claim(cue=[Span(29, 40)], content=[Span(41, 44)])
        >>> [text[c.cue[0].start : c.cue[0].end] for c in with_a_reporting_cue([bare, negated], text)]
        ['did not say']
    """
    def reports(claim: Claim) -> bool:
        words = [w for s in claim.cue for w in _CUE_WORDS.findall(text[s.start : s.end].lower().replace("’", "'"))]
        return not words or any(w not in AUXILIARIES for w in words)

    return [claim for claim in claims if reports(claim)]


def near_the_cue(claim: Claim, text: str) -> list[Span]:
    """The fragments in the cue's paragraph (no line break between them and the cue): a fragment in another
    paragraph belongs to another claim. If none is, the nearest.

    Example:
        >>> text = "Police said the road was closed.\\nTraffic was heavy."
        >>> near_the_cue(Claim(cue=[Span(7, 11)], content=[Span(12, 31), Span(33, 51)]), text)
        [Span(start=12, end=31)]
    """
    if not claim.cue:
        return claim.content
    cue = claim.cue[0]
    near = [s for s in claim.content
            if "\n" not in (text[cue.end : s.start] if s.start >= cue.end else text[s.end : cue.start])]
    return near or sorted(claim.content, key=lambda s: abs(s.start - cue.start))[:1]


def to_the_closing_quote(claim: Claim, text: str) -> list[Span]:
    """A fragment that opens a quotation it does not close is extended to the closing mark, when that follows
    within :data:`QUOTE_REACH` characters in the same paragraph; fragments it then overlaps are merged into it.

    Example:
        >>> text = '“We will win,” he said.'
        >>> to_the_closing_quote(Claim(content=[Span(0, 11)]), text)
        [Span(start=0, end=14)]
    """
    extended = []
    for span in claim.content:
        fragment = text[span.start : span.end]
        end = span.end
        if fragment.count("“") > fragment.count("”"):
            close = text.find("”", span.end, span.end + QUOTE_REACH)
        elif fragment.lstrip().startswith('"') and fragment.count('"') % 2 == 1:
            close = text.find('"', span.end, span.end + QUOTE_REACH)
        else:
            close = -1
        if close != -1 and "\n" not in text[span.end : close]:
            end = close + 1
        extended.append(Span(span.start, end))
    merged: list[Span] = []
    for span in sorted(extended):
        if merged and span.start < merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def without_trailing_punctuation(claim: Claim, text: str) -> list[Span]:
    """Fragments without the bare commas, semicolons and colons they end with.

    Example:
        >>> without_trailing_punctuation(Claim(content=[Span(0, 9)]), "taxes go,")
        [Span(start=0, end=8)]
    """
    trimmed = []
    for span in claim.content:
        end = span.end
        while end > span.start + 1 and text[end - 1] in TRAILING:
            end -= 1
        trimmed.append(Span(span.start, end))
    return trimmed


def without_bare_words(claim: Claim, text: str) -> list[Span]:
    """The fragments that are more than one of :data:`BARE_WORDS`.

    Example:
        >>> text = "He said that taxes rise."
        >>> without_bare_words(Claim(content=[Span(8, 12), Span(13, 23)]), text)
        [Span(start=13, end=23)]
    """
    return [s for s in claim.content if text[s.start : s.end].strip().lower() not in BARE_WORDS]
