"""Whether an event reported inside a claim comes out as that claim's: the ``events_in_claims`` figure.

An event inside a claim's content is the source's claim, not the article's ("the ministry says the army killed 5
people"); ``EventResult.claim`` says which claim an event belongs to. No corpus here labels both layers (PolNeAR
labels claims, M2E2 and WikiEvents events), so the events scored are the model's own: of the predicted events whose
trigger lies inside the content of a gold claim, the share whose ``claim`` points to a predicted claim with that gold
claim's cue (the cue spans overlap). It measures attribution given that the event was found, on claims-annotated
articles.
"""

from __future__ import annotations

from collections.abc import Sequence

from inference.core.articles import Article, Span
from inference.core.claim_linking import claim_of_events
from inference.interface.results import Extraction


def events_in_claims(gold: Sequence[Article], results: Sequence[Extraction]) -> dict[str, float | int]:
    """``{"events", "attributed", "share"}`` over the articles whose claims are annotated.

    Example:
        >>> from inference.core.articles import Claim
        >>> from inference.interface.results import ClaimResult, EventResult, TextSpan
        >>> gold = Article("a", "He said troops attacked.", claims=[Claim(cue=[Span(3, 7)], content=[Span(8, 23)])])
        >>> attack = EventResult("Conflict:Attack", 0.9, TextSpan(15, 23, "attacked"), claim=0)
        >>> said = ClaimResult(0.9, None, TextSpan(3, 7, "said"), [TextSpan(8, 23, "troops attacked")])
        >>> events_in_claims([gold], [Extraction(events=[attack], claims=[said])])
        {'events': 1, 'attributed': 1, 'share': 1.0}
    """
    events = attributed = 0
    for article, result in zip(gold, results, strict=True):
        if "claims" not in article.layers:
            continue
        triggers = [Span(event.trigger.start, event.trigger.end) for event in result.events]
        for event, gold_claim in zip(result.events, claim_of_events(triggers, article.claims), strict=True):
            if gold_claim is None:
                continue
            events += 1
            cue = result.claims[event.claim].cue if event.claim is not None else None
            if cue is not None and any(Span(cue.start, cue.end).overlaps(g) for g in article.claims[gold_claim].cue):
                attributed += 1
    return {"events": events, "attributed": attributed, "share": attributed / events if events else 0.0}
