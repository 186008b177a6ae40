"""Where sentences start, in news text as it is scraped: the one sentence splitter of the package.

Arguments are kept in their trigger's sentence (ACE's convention) and a claim without a source may share one of its
sentence, so a missed break lets a role filler come from the next sentence and a false one forbids a real one. Scraped
text often has no space after the full stop ("were killed.The police"), quotes and brackets after it, abbreviations
("Gen. Smith", "the U.S. envoy"), decimals and times ("3.5", "10.30"), line breaks between paragraphs and headlines
without a final full stop. A rule-based splitter, because the trained ones (punkt, spaCy's senter) would add a
dependency and a model download for what a few rules cover in this genre.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from .articles import Span

# A sentence ends at a run of . ! ? and any closing quotes or brackets after it.
_END = re.compile(r"[.!?]+[\"'”’»)\]]*")
_OPENERS = "\"'“‘«([-"
# A line break ends a sentence, whatever precedes it: paragraphs, headlines and datelines without a full stop.
_LINE_BREAK = re.compile(r"\s*\n\s*")
# The word (letters and inner dots) that a full stop closes.
_LAST_WORD = re.compile(r"([^\W\d_](?:[^\W\d_]|\.)*)$")
# Lower-case words that a full stop follows without ending the sentence: titles, ranks, months, days and a few
# Latin and company abbreviations, as in news style guides; not those that are also words ending sentences ("sat",
# "wed", "no", "mar", "sun", "est").
ABBREVIATIONS = frozenset("""
    mr mrs ms dr prof rev hon st jr sr messrs mme mlle gen lt col maj capt cmdr sgt cpl pvt adm brig cdr sen rep gov
    pres supt insp det atty amb sec esq jan feb apr jun jul aug sep sept oct nov dec mon tue tues thu thur thurs fri
    vol pp fig approx vs al inc corp co ltd bros dept univ assn ft mt
""".split())


def sentence_starts(text: str) -> list[int]:
    r"""Character offsets where a sentence starts, the first one (0) left out.

    Example:
        >>> text = 'He left.They stayed. "We won," she said.\nGen. Smith paid $3.5 million (U.S. officials said).'
        >>> [text[s : s + 6] for s in sentence_starts(text)]
        ['They s', '"We wo', 'Gen. S']
    """
    starts = {match.end() for match in _LINE_BREAK.finditer(text) if 0 < match.end() < len(text)}
    for match in _END.finditer(text):
        start = _next_start(text, match)
        if start is not None:
            starts.add(start)
    return sorted(starts)


def _next_start(text: str, end: re.Match) -> int | None:
    """Where the sentence after the end mark ``end`` starts, or None when the mark ends no sentence."""
    after = end.end()
    start = after
    while start < len(text) and text[start].isspace():
        start += 1
    if start == len(text) or "\n" in text[after:start]:  # the line break is a break of its own
        return None
    first = text[start + 1] if text[start] in _OPENERS and start + 1 < len(text) else text[start]
    spaced = start > after
    # With a space, a capital, a digit or an opening quote starts a sentence; without one, only a capital does
    # ("killed.The"), so that decimals, times and web addresses stay whole.
    if not (first.isupper() or spaced and (first.isdigit() or text[start] in _OPENERS)):
        return None
    # the word the full stop closes: a few characters suffice, and reading the text from its start at every full
    # stop would make long articles quadratic
    if end.group().startswith(".") and _abbreviated(text[max(0, end.start() - 40) : end.start()]):
        return None
    return start


def _abbreviated(before: str) -> bool:
    """Whether a full stop after ``before`` closes an abbreviation rather than a sentence: an initial ("J."), a
    dotted acronym ("U.S.", "a.m."), or a word of :data:`ABBREVIATIONS`."""
    match = _LAST_WORD.search(before)
    if match is None:
        return False
    word = match.group(1)
    return len(word) == 1 and word.isupper() or "." in word or word.lower() in ABBREVIATIONS


def same_sentence(a: Span, b: Span, starts: Sequence[int]) -> bool:
    """Whether two spans start in the same sentence (``starts`` from :func:`sentence_starts`).

    Example:
        >>> same_sentence(Span(0, 2), Span(3, 7), [9]), same_sentence(Span(0, 2), Span(10, 12), [9])
        (True, False)
    """
    return bisect_right(starts, a.start) == bisect_right(starts, b.start)
