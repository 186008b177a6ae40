"""Linked structures from tagged spans: claims from source, cue and content spans or from cue frames, and which claim
an event is part of. Plain Python on character spans (no tensors): the importers link BIO-tagged claim parts with the
same code the predictor uses.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate

from .articles import Claim, Span
from .sentences import same_sentence


def char_gap(a: Span, b: Span) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(b.start - a.end, a.start - b.end, 0)


def link_claims(sources: Sequence[Span], cues: Sequence[Span], contents: Sequence[Span],
                scores: dict[Span, float] | None = None, sentences: Sequence[int] | None = None,
                choose: Callable[[Span, str], Span | None] | None = None) -> list[Claim]:
    """Link claim parts into claims: every source and content fragment joins its nearest cue, or the cue that
    ``choose(fragment, "source" | "content")`` names (None: the nearest).

    The tagger marks parts, not links; in news prose a cue ("said", "according to") sits next to its source and
    between or beside its content fragments, so the nearest cue (ties go to the earlier one) is a strong baseline:
    linking is rarely what fails when all three parts were found (docs/experiments.md). A content fragment with no
    cue at all becomes a claim of its own, and a source then joins its nearest content.

    With ``sentences`` (:func:`sentence_starts` of the text), a cue that got no source takes the nearest source of its
    sentence, which then belongs to two claims, as when one source says two things ("X said A and added B"): it
    raised whole-claim F1 on dev and test. A claim's score is the mean score of its parts when ``scores`` are given.

    Example:
        >>> [(c.source, c.cue, c.content) for c in link_claims([Span(0, 2)], [Span(3, 7)], [Span(8, 12)])]
        [([Span(start=0, end=2)], [Span(start=3, end=7)], [Span(start=8, end=12)])]
        >>> [c.source for c in link_claims([Span(0, 2)], [Span(3, 7), Span(20, 25)], [], sentences=[])]
        [[Span(start=0, end=2)], [Span(start=0, end=2)]]
    """
    anchors = sorted(cues) if cues else sorted(contents)
    claims = [Claim(cue=[anchor]) if cues else Claim(content=[anchor]) for anchor in anchors]
    if not claims:
        return []

    def nearest(span: Span, spans: Sequence[Span], starts: Sequence[int]) -> int:
        # ``spans`` are tags of one sequence, sorted, so they do not overlap: the nearest is the last one starting
        # before the span or the first one starting at or after it. Bisecting keeps a long article linear.
        after = bisect_left(starts, span.start)
        return min(range(max(after - 1, 0), min(after + 1, len(spans))), key=lambda i: (char_gap(span, spans[i]), i))

    anchor_starts = [anchor.start for anchor in anchors]
    index = {anchor: i for i, anchor in enumerate(anchors)}

    def claim_of(span: Span, part: str) -> Claim:
        chosen = choose(span, part) if choose is not None and cues else None
        return claims[index[chosen] if chosen is not None else nearest(span, anchors, anchor_starts)]

    sources = sorted(sources)
    for span in sources:
        claim_of(span, "source").source.append(span)
    if cues:
        for span in sorted(contents):
            claim_of(span, "content").content.append(span)
        if sentences is not None and sources:
            source_starts = [span.start for span in sources]
            for claim in claims:
                if not claim.source:
                    candidate = sources[nearest(claim.cue[0], sources, source_starts)]
                    if same_sentence(candidate, claim.cue[0], sentences):
                        claim.source.append(candidate)
    if scores:
        for claim in claims:
            parts = [scores[span] for _, span in claim.parts() if span in scores]
            claim.score = sum(parts) / len(parts) if parts else None
    return claims


def frame_claims(frames: Sequence[tuple[Span, float, Sequence[tuple[Span, str, float]]]],
                 sentences: Sequence[int] | None = None) -> list[Claim]:
    """Claims from cue frames: each ``(cue, cue score, [(span, "source" | "content", score), ...])`` is one claim.

    A claim is a cue with what it reports, so a frame without content gives none. Frames with the same content are
    one claim told with two cue fragments ("said ... in a statement"), and are merged. As in :func:`link_claims`, a
    claim without a source takes the nearest source of another claim of its sentence (``sentences``:
    :func:`sentence_starts`), the way one source says two things ("X said A and added B"). A claim's score is the
    mean score of its parts.

    Example:
        >>> said, added = Span(6, 10), Span(18, 23)
        >>> claims = frame_claims([(said, 0.9, [(Span(0, 5), "source", 0.8), (Span(11, 17), "content", 0.7)]),
        ...                        (added, 0.9, [(Span(24, 30), "content", 0.7)])], sentences=[])
        >>> [(c.source, c.cue) for c in claims][1]
        ([Span(start=0, end=5)], [Span(start=18, end=23)])
    """
    merged: dict[tuple[Span, ...], tuple[Claim, list[float]]] = {}
    for cue, cue_score, spans in sorted(frames, key=lambda frame: frame[0]):
        content = tuple(sorted(span for span, part, _ in spans if part == "content"))
        if not content:
            continue
        claim, scores = merged.setdefault(content, (Claim(content=list(content)), []))
        claim.cue.append(cue)
        scores.append(cue_score)
        for span, part, score in spans:
            if part == "source" and span not in claim.source:
                claim.source.append(span)
            scores.append(score)
    claims = []
    for claim, scores in merged.values():
        claim.source.sort()
        claim.score = sum(scores) / len(scores)
        claims.append(claim)
    if sentences is not None:
        sources = sorted({span for claim in claims for span in claim.source})
        for claim in claims:
            if not claim.source and sources:
                candidate = min(sources, key=lambda span: (char_gap(span, claim.cue[0]), span))
                if same_sentence(candidate, claim.cue[0], sentences):
                    claim.source.append(candidate)
    return claims


def claim_of_events(triggers: Sequence[Span], claims: Sequence[Claim]) -> list[int | None]:
    """For each trigger, the index of the claim whose content holds it (``None``: the article itself asserts it).

    This is what tells "the army killed 5 people" (reported as fact) from "the ministry says the army killed 5
    people" (a source's claim). Claims may nest ("X said Y told AFP that Z"): a trigger belongs to the innermost
    content that holds it, the fragment starting last.

    Example:
        >>> claim_of_events([Span(8, 14), Span(30, 34)], [Claim(cue=[Span(3, 7)], content=[Span(8, 20)])])
        [0, None]
    """
    fragments = sorted((span, index) for index, claim in enumerate(claims) for span in claim.content)
    starts = [span.start for span, _ in fragments]
    # reach[i]: the furthest end of fragments 0..i. Walking back from the last fragment starting at or before a
    # trigger, the walk can stop where even that falls short of the trigger: nothing earlier can hold it.
    reach = list(accumulate((span.end for span, _ in fragments), max))
    links: list[int | None] = []
    for trigger in triggers:
        at, link = bisect_right(starts, trigger.start) - 1, None
        while at >= 0 and reach[at] >= trigger.end:
            if fragments[at][0].end >= trigger.end:
                link = fragments[at][1]
                break
            at -= 1
        links.append(link)
    return links
