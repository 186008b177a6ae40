"""Dropping annotations that one BIO tag sequence cannot hold: overlapping claims, triggers or entity mentions.

The model tags claims with one IOB2 sequence and triggers with another, so two claims whose spans overlap (or two
triggers on the same words) cannot both be learnt. Importers keep the first (``first_of_overlapping``) and count
the rest.
"""

from __future__ import annotations

from inference.core.alignment import first_of_overlapping
from inference.core.articles import Claim, Entity, Event, Span

from .import_report import ImportReport


def _text_order(claim: Claim) -> list[Span]:
    """A claim's spans in text order: claims compare by their first span, then their next, and so on."""
    return sorted(span for _, span in claim.parts())


def drop_overlapping_claims(claims: list[Claim], report: ImportReport, prefix: str) -> list[Claim]:
    """Keep claims in text order, dropping any claim with a span that overlaps a span of a kept claim.

    A span that two claims share exactly, with the same part (one source, two cues), is not a conflict: one BIO
    layer tags it once. Dropped claims are counted as ``"<prefix>: overlapping claim skipped"``, shared spans as
    ``"<prefix>: span shared by two claims kept"``.

    Example:
        >>> a = Claim([Span(0, 2)], [Span(3, 7)], [Span(8, 20)])
        >>> b = Claim([], [Span(10, 14)], [Span(15, 20)])
        >>> report = ImportReport()
        >>> drop_overlapping_claims([b, a], report, "demo") == [a]
        True
        >>> report.to_dict()
        {'demo: overlapping claim skipped': 1}
    """
    kept: list[Claim] = []
    held: dict[Span, str] = {}  # span -> the part it is tagged as, over all kept claims
    for claim in sorted(claims, key=_text_order):
        parts = list(claim.parts())
        shared = [span for name, span in parts if held.get(span) == name]
        if any(span.overlaps(other) and (span, name) != (other, part) for name, span in parts
               for other, part in held.items()):
            report.add(f"{prefix}: overlapping claim skipped")
            continue
        report.add(f"{prefix}: span shared by two claims kept", len(shared))
        held.update((span, name) for name, span in parts)
        kept.append(claim)
    return kept


def drop_overlapping_triggers(events: list[Event], report: ImportReport, prefix: str) -> list[Event]:
    """Keep events in text order, dropping any event whose trigger overlaps a kept trigger.

    Example:
        >>> events = [Event("Life:Die", Span(0, 6)), Event("Conflict:Attack", Span(3, 9))]
        >>> report = ImportReport()
        >>> [e.type for e in drop_overlapping_triggers(events, report, "demo")]
        ['Life:Die']
        >>> report.to_dict()
        {'demo: overlapping trigger skipped': 1}
    """
    # Not first_of_overlapping's "then the longest": two triggers starting on the same word are one trigger annotated
    # twice, and where WikiEvents has such pairs its first is the one-word trigger ACE asks for ("bombing", not
    # "bombing suspects would").
    kept: list[Event] = []
    for event in sorted(events, key=lambda e: e.trigger.start):  # stable: on the same start, the first in the file
        if any(event.trigger.overlaps(other.trigger) for other in kept):
            report.add(f"{prefix}: overlapping trigger skipped")
            continue
        kept.append(event)
    return kept


def drop_overlapping_entities(entities: list[Entity], report: ImportReport, prefix: str) -> list[Entity]:
    """Keep entity mentions in text order, outermost first, dropping any that overlaps a kept one (ACE nests a few:
    "the mayor of [Paris]" inside a PER mention).

    Example:
        >>> entities = [Entity("GPE", Span(13, 18)), Entity("PER", Span(0, 18))]
        >>> [e.type for e in drop_overlapping_entities(entities, ImportReport(), "demo")]
        ['PER']
    """
    kept, dropped = first_of_overlapping(entities, lambda e: (e.span.start, e.span.end))
    report.add(f"{prefix}: nested or overlapping entity mention skipped", len(dropped))
    return kept
