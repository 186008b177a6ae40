"""brat standoff: ``.txt`` + ``.ann`` pairs with text-bound (``T``) and event (``E``) annotations.

``T1<TAB>Type start end;start end<TAB>text`` (discontinuous fragments separated by ``;``) and
``E1<TAB>Type:T4 Role:T3 Role2:T2``. A ``T`` line's text may itself contain a newline, so a line that does not start
with an annotation id continues the previous line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from inference.document import Argument, Article, Claim, DataError, Event, Span
from inference.schema import CLAIM_PARTS

from .report import ImportReport

ANNOTATION_ID = re.compile(r"^[TERAMN#*]\d*\t")


@dataclass
class TextBound:
    id: str
    type: str
    fragments: list[Span]
    line: int


@dataclass
class BratEvent:
    id: str
    type: str
    trigger: str
    arguments: list[tuple[str, str]] = field(default_factory=list)  # (role, annotation id)
    line: int = 0


def parse_ann(path: Path, text: str, errors: str, report: ImportReport) -> tuple[dict[str, TextBound], list[BratEvent]]:
    """Parse one ``.ann`` file against its text; a fragment whose text differs from the ``.txt`` is a DataError
    (``errors="raise"``) or skipped and counted (``errors="skip"``)."""
    lines: list[tuple[int, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if ANNOTATION_ID.match(line) or not lines:
            lines.append((number, line))
        else:  # the text of the previous annotation went on past a newline
            lines[-1] = (lines[-1][0], lines[-1][1] + "\n" + line)
    bounds: dict[str, TextBound] = {}
    events: list[BratEvent] = []
    for number, line in lines:
        if not line.strip():
            continue
        kind = line[0]
        fields = line.split("\t")
        if kind == "T":
            if len(fields) < 3:
                raise DataError(f"text-bound line needs 3 tab-separated fields, got {len(fields)}", path, number)
            bound = _text_bound(fields, text, path, number, errors, report)
            if bound is not None:
                bounds[bound.id] = bound
        elif kind == "E":
            head, *rest = fields[1].split()
            event_type, _, trigger = head.rpartition(":")  # types may hold a colon themselves (Conflict:Attack)
            pairs = [tuple(item.rsplit(":", 1)) for item in rest]
            events.append(BratEvent(fields[0], event_type, trigger, [(re.sub(r"\d+$", "", r), i) for r, i in pairs],
                                    number))
        else:  # notes, attributes, relations, normalisations: not part of the schema
            report.add(f"brat: {kind} line ignored")
    return bounds, events


def _text_bound(fields: list[str], text: str, path: Path, number: int, errors: str, report: ImportReport
                ) -> TextBound | None:
    annotation_id, (label, _, offsets), written = fields[0], fields[1].partition(" "), "\t".join(fields[2:])
    try:
        fragments = [Span(*map(int, part.split())) for part in offsets.split(";")]
    except (TypeError, ValueError):
        expected = "expected 'start end' or 'start end;start end'"
        raise DataError(f"bad offsets {offsets!r}; {expected}", path, number) from None
    for span in fragments:
        if not 0 <= span.start < span.end <= len(text):
            problem = f"{annotation_id}: offsets {span.start}-{span.end} outside the text (0-{len(text)})"
        elif span.text_in(text) not in written:
            problem = (f"{annotation_id}: offsets {span.start}-{span.end} read {span.text_in(text)!r}, "
                       f"annotated {written!r}")
        else:
            continue
        if errors == "raise":
            raise DataError(problem, path, number)
        report.add("brat: span text does not match the text file, annotation skipped")
        return None
    return TextBound(annotation_id, label, fragments, number)


def to_article(article_id: str, text: str, bounds: dict[str, TextBound], events: list[BratEvent],
               report: ImportReport, skip_types: frozenset[str] = frozenset()) -> Article:
    """brat events become Events; an event with Source/Cue/Content roles (any case) becomes a Claim."""
    article = Article(article_id, text)
    for event in events:
        if event.type in skip_types:
            report.add(f"brat: {event.type} marker skipped")
            continue
        roles = [(role, bounds.get(ref)) for role, ref in event.arguments]
        if any(bound is None for _, bound in roles) or event.trigger not in bounds:
            report.add("brat: event refers to a skipped or missing annotation, skipped")
            continue
        if {role.lower() for role, _ in roles} & set(CLAIM_PARTS):
            parts = {part: [] for part in CLAIM_PARTS}
            for role, bound in roles:
                if role.lower() in parts:
                    parts[role.lower()].extend(bound.fragments)
            article.claims.append(Claim(*(sorted(parts[p]) for p in CLAIM_PARTS)))
        else:
            trigger = bounds[event.trigger].fragments
            arguments = [Argument(role, fragment) for role, bound in roles for fragment in bound.fragments]
            article.events.append(Event(event.type, Span(trigger[0].start, trigger[-1].end), arguments))
    return article


def read_brat_dir(directory: str | Path, errors: str = "raise") -> tuple[list[Article], ImportReport]:
    """Read every ``NAME.txt`` + ``NAME.ann`` pair of a folder.

    Example:
        >>> articles, report = read_brat_dir("my_corpus/")  # doctest: +SKIP
    """
    report = ImportReport()
    articles = []
    for ann in sorted(Path(directory).glob("*.ann")):
        txt = ann.with_suffix(".txt")
        if not txt.is_file():
            raise DataError(f"no text file {txt.name} beside the annotations", ann)
        text = txt.read_text(encoding="utf-8")
        bounds, events = parse_ann(ann, text, errors, report)
        article = to_article(ann.stem, text, bounds, events, report)
        layers = tuple(layer for layer, items in (("events", article.events), ("claims", article.claims)) if items)
        article.layers = layers or ("events", "claims")
        articles.append(article)
    return articles, report
