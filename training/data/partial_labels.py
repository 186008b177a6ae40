"""Partial labels: words that are probably triggers nobody labelled, so that training does not teach them as "no event".

M2E2 is not exhaustively annotated: in its training articles "attack" is a labelled trigger 33 of 110 times, "meeting"
23 of 65, "killed" 61 of 96. Taught as ``O`` at the other occurrences, the trigger head learns that the same word in
the same use is both an event and not one, and its precision against any fully annotated text suffers. Here a word
(its lower-cased form) counts as a probable trigger when it is, *by itself*, a labelled trigger at least
``min_count`` times and at a rate of at least ``min_rate`` of its occurrences; its unlabelled occurrences are then
added to the article's ``masked_triggers``, which training leaves out of the trigger loss (``features.py``).
Counting whole one-word triggers only matters: "at", "from", "been" and "told" are each labelled once, inside a
multi-word trigger ("took to the streets"), and occur hundreds of times. Written here because it is a statistic of the
training data, not something a library does.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from inference.core.articles import Article, Span

WORD = re.compile(r"\w+(?:[-'’]\w+)*")


@dataclass(frozen=True)
class TriggerLexicon:
    """Lower-cased words that are labelled one-word triggers often enough to be taken as triggers everywhere.

    Example:
        >>> from inference.core.articles import Event
        >>> a = Article("a", "The attack. Another attack.", [Event("Conflict:Attack", Span(4, 10))], layers=("events",))
        >>> lexicon = TriggerLexicon.count([a], min_count=1, min_rate=0.5)
        >>> lexicon.words, lexicon.rates["attack"]
        (frozenset({'attack'}), 0.5)
        >>> lexicon.unlabelled_spans(a)
        [Span(start=20, end=26)]
    """

    words: frozenset[str]
    rates: dict[str, float] = field(default_factory=dict, compare=False)

    @classmethod
    def count(cls, articles: Iterable[Article], min_count: int, min_rate: float) -> TriggerLexicon:
        """The lexicon of ``articles`` that annotate all their events."""
        labelled, seen = Counter(), Counter()
        for article in articles:
            if "events" not in article.layers:
                continue
            triggers = {event.trigger for event in article.events}
            for match in WORD.finditer(article.text):
                word = match.group().lower()
                seen[word] += 1
                labelled[word] += Span(match.start(), match.end()) in triggers
        rates = {word: labelled[word] / seen[word] for word in labelled if labelled[word] >= min_count}
        return cls(frozenset(w for w, rate in rates.items() if rate >= min_rate), rates)

    def unlabelled_spans(self, article: Article) -> list[Span]:
        """Occurrences of the lexicon's words in ``article`` that overlap no labelled trigger."""
        triggers = [event.trigger for event in article.events]
        spans = (Span(m.start(), m.end()) for m in WORD.finditer(article.text) if m.group().lower() in self.words)
        return [span for span in spans if not any(span.overlaps(t) for t in triggers)]


def mask_unlabelled_triggers(articles: Sequence[Article], corpora: Sequence[str], min_count: int,
                             min_rate: float) -> tuple[TriggerLexicon, int]:
    """Add the probable unlabelled triggers of the articles of ``corpora`` (``meta["corpus"]``) to their
    ``masked_triggers``, with a lexicon counted on those same articles. Returns the lexicon and how many spans were
    masked.

    Example::

        lexicon, masked = mask_unlabelled_triggers(train_articles, ["m2e2"], 3, 0.1)
    """
    # each article once, also when the list repeats it (oversampling)
    chosen = list({id(a): a for a in articles if a.meta.get("corpus") in corpora and "events" in a.layers}.values())
    lexicon = TriggerLexicon.count(chosen, min_count, min_rate)
    masked = 0
    for article in chosen:
        spans = [s for s in lexicon.unlabelled_spans(article) if s not in article.masked_triggers]
        article.masked_triggers.extend(spans)
        masked += len(spans)
    return lexicon, masked
