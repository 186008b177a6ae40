"""Turning tagged spans into linked structures: claim triples from source, cue and content spans."""

from __future__ import annotations

from collections.abc import Sequence

from .document import Claim, Span


def _gap(a: Span, b: Span) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(b.start - a.end, a.start - b.end, 0)


def link_claims(sources: Sequence[Span], cues: Sequence[Span], contents: Sequence[Span],
                scores: dict[Span, float] | None = None) -> list[Claim]:
    """Link claim parts into claims: every source and content fragment joins its nearest cue.

    The tagger marks parts, not links; in news prose a cue ("said", "according to") sits next to its source and
    between or beside its content fragments, so the nearest cue (ties go to the earlier one) is a strong baseline.
    A content fragment with no cue at all becomes a claim of its own, and a source then joins its nearest content.
    A claim's score is the mean score of its parts when ``scores`` are given.

    Example:
        >>> link_claims([Span(0, 2)], [Span(3, 7)], [Span(8, 12)])
        [Claim(source=[Span(start=0, end=2)], cue=[Span(start=3, end=7)], content=[Span(start=8, end=12)], score=None)]
    """
    anchors = sorted(cues) if cues else sorted(contents)
    claims = [Claim(cue=[anchor]) if cues else Claim(content=[anchor]) for anchor in anchors]
    if not claims:
        return []

    def nearest(span: Span) -> Claim:
        index = min(range(len(anchors)), key=lambda i: (_gap(span, anchors[i]), i))
        return claims[index]

    for span in sorted(sources):
        nearest(span).source.append(span)
    if cues:
        for span in sorted(contents):
            nearest(span).content.append(span)
    if scores:
        for claim in claims:
            parts = [scores[span] for _, span in claim.parts() if span in scores]
            claim.score = sum(parts) / len(parts) if parts else None
    return claims
