"""brat annotations as articles: attribution-like events become Claims, every other event becomes an Event.

An event is a claim when its type is a claim type (``Attribution``, ``Attribution-no-source``) or one of its roles is
``Source``, ``Cue`` or ``Content`` (any case); the claim's parts are the fragments of those roles. Any other event
keeps its type (renamed by ``BratMapping.type_map`` if given), its trigger and its other roles as arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from inference.core.articles import FULL_LAYERS, Argument, Article, Claim, Event, Span
from inference.core.schema import CLAIM_PARTS, LabelSchema

from .brat import BratAnnotations, BratEvent, TextBound, parse_ann, read_text
from .import_report import ImportReport, problem
from .overlaps import drop_overlapping_claims, drop_overlapping_triggers

logger = logging.getLogger(__name__)

CLAIM_TYPES = frozenset({"Attribution", "Attribution-no-source"})


@dataclass(frozen=True)
class BratMapping:
    """How a brat corpus maps onto our schema; ``prefix`` starts every reason counted in the report."""

    type_map: Mapping[str, str] = field(default_factory=dict)  # brat event type -> schema event type
    claim_types: frozenset[str] = CLAIM_TYPES
    markers: frozenset[str] = frozenset()  # annotators' markers, not annotations: skipped and counted
    prefix: str = "brat"


def to_article(article_id: str, text: str, parsed: BratAnnotations, report: ImportReport,
               mapping: BratMapping | None = None, errors: str = "raise", schema: LabelSchema | None = None
               ) -> Article:
    """Build one article from a parsed ``.ann`` file; everything left out is counted in ``report``.

    Overlapping claims (or triggers) are dropped after the first in text order, since one BIO layer cannot hold
    both. With a ``schema``, an event type or role outside it is a ``DataError`` naming the file and line, or is
    skipped and counted with ``errors="skip"``.

    Example::

        article = to_article("doc", text, parse_ann("doc.ann", text), ImportReport())
    """
    mapping = mapping or BratMapping()
    bounds, prefix = parsed.bounds, mapping.prefix
    article = Article(article_id, text)
    used: set[str] = set()
    for event in parsed.events:
        used.update([event.trigger_id, *(ref for _, ref in event.args)])
        if event.type in mapping.markers:
            report.add(f"{prefix}: {event.type} marker skipped")
            continue
        missing = [ref for ref in (event.trigger_id, *(ref for _, ref in event.args)) if ref not in bounds]
        if missing:
            problem(errors, report, f"{prefix}: event referring to a skipped or missing annotation skipped",
                    f"{event.id} refers to {', '.join(missing)}, not in the file", parsed.path, event.line)
            continue
        if event.type in mapping.claim_types or any(role.lower() in CLAIM_PARTS for role, _ in event.args):
            claim = _claim(event, bounds, report, prefix)
            if claim is not None:
                article.claims.append(claim)
        else:
            converted = _event(event, bounds, report, mapping, errors, schema, parsed.path)
            if converted is not None:
                article.events.append(converted)
    for bound in bounds.values():
        if bound.id in used:
            continue
        if bound.type in mapping.markers:
            report.add(f"{prefix}: {bound.type} marker skipped")
        else:
            report.add(f"{prefix}: annotation outside any event ignored")
    article.claims = drop_overlapping_claims(article.claims, report, prefix)
    article.events = drop_overlapping_triggers(article.events, report, prefix)
    return article


def _claim(event: BratEvent, bounds: dict[str, TextBound], report: ImportReport, prefix: str) -> Claim | None:
    parts: dict[str, set[Span]] = {part: set() for part in CLAIM_PARTS}
    for role, ref in event.args:
        part = role.lower()
        if part not in parts:
            report.add(f"{prefix}: claim role other than source, cue or content ignored")
            continue
        # The arc's role says what the span is in this claim, even where the span was labelled otherwise.
        if bounds[ref].type.lower() in CLAIM_PARTS and bounds[ref].type.lower() != part:
            report.add(f"{prefix}: role differs from its annotation's type, role kept")
        parts[part].update(bounds[ref].fragments)
    if not any(parts.values()):  # an attribution with no source, cue or content: nothing to learn from
        report.add(f"{prefix}: claim with no source, cue or content skipped")
        return None
    return Claim(*(sorted(parts[part]) for part in CLAIM_PARTS))


def _event(event: BratEvent, bounds: dict[str, TextBound], report: ImportReport, mapping: BratMapping,
           errors: str, schema: LabelSchema | None, path: Path) -> Event | None:
    prefix = mapping.prefix
    event_type = mapping.type_map.get(event.type, event.type)
    if schema is not None and event_type not in schema.event_roles:
        problem(errors, report, f"{prefix}: event type outside the schema skipped",
                f"{event.id}: unknown event type {event_type!r}; accepted: {', '.join(schema.event_types)}",
                path, event.line)
        return None
    arguments = []
    for role, ref in event.args:
        if schema is not None and role not in schema.event_roles[event_type]:
            problem(errors, report, f"{prefix}: argument role outside the schema skipped",
                    f"{event.id}: unknown role {role!r} for {event_type}; accepted: "
                    f"{', '.join(schema.event_roles[event_type])}", path, event.line)
            continue
        arguments.append(Argument(role, _covering(bounds[ref], report, f"{prefix}: discontinuous argument merged")))
    trigger = _covering(bounds[event.trigger_id], report, f"{prefix}: discontinuous trigger merged")
    return Event(event_type, trigger, arguments)


def _covering(bound: TextBound, report: ImportReport, reason: str) -> Span:
    """One span from first to last fragment: a trigger or argument is a single span in our format."""
    if len(bound.fragments) > 1:
        report.add(reason)
    return Span(min(s.start for s in bound.fragments), max(s.end for s in bound.fragments))


def read_brat_dir(directory: str | Path, errors: str = "raise", schema: LabelSchema | None = None,
                  mapping: BratMapping | None = None) -> tuple[list[Article], ImportReport]:
    """Read every ``NAME.txt`` + ``NAME.ann`` pair of a folder, one article per pair (id ``NAME``).

    ``layers`` are those the folder annotates: ``events`` if any file has an event, ``claims`` if any has a claim.

    Example::

        mapping = BratMapping(type_map={"Attack": "Conflict:Attack"})
        articles, report = read_brat_dir("corpus/", mapping=mapping)
    """
    directory, mapping, report = Path(directory), mapping or BratMapping(), ImportReport()
    articles = []
    for ann in sorted(directory.glob("*.ann")):
        txt = ann.with_suffix(".txt")
        if not txt.is_file():
            problem(errors, report, f"{mapping.prefix}: annotation file without its text skipped",
                    f"no text file {txt.name} beside the annotations", ann, None)
            continue
        text = read_text(txt)
        parsed = parse_ann(ann, text, errors, report, mapping.prefix)
        article = to_article(ann.stem, text, parsed, report, mapping, errors, schema)
        article.meta = {"corpus": "brat", "annotation_file": ann.name}
        articles.append(article)
    unannotated = [t for t in directory.glob("*.txt") if not t.with_suffix(".ann").is_file()]
    report.add(f"{mapping.prefix}: text without an annotation file skipped", len(unannotated))
    layers = tuple(name for name, found in (("events", any(a.events for a in articles)),
                                            ("claims", any(a.claims for a in articles))) if found)
    if not layers:
        logger.warning("%s: no event or claim in any file; marking both layers as annotated", directory)
    for article in articles:
        article.layers = layers or FULL_LAYERS
    return articles, report
