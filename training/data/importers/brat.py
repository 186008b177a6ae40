"""brat standoff parsing: ``NAME.txt`` + ``NAME.ann`` with text-bound (``T``) and event (``E``) annotations.

``T1<TAB>Type start end;start end<TAB>text`` (discontinuous fragments separated by ``;``, their texts joined by a
space in the text field) and ``E1<TAB>Type:T4 Role:T3 Role2:T2`` (the trigger first, then role:id pairs; brat numbers
a repeated role ``Role2``). Notes (``#``), attributes (``A``/``M``), relations (``R``), normalisations (``N``) and
equivalences (``*``) are not part of our schema: they are counted and ignored. See :mod:`.brat_articles` for turning
the parsed annotations into articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from inference.core.articles import Span

from .import_report import ImportReport, problem

# A line that does not start with an annotation id continues the previous line: a T line's text field holds the
# annotated text verbatim, newlines included. ``#`` notes and ``*`` equivalences may have no number.
ANNOTATION_ID = re.compile(r"(?:[TERAMN]\d+|#\d*|\*)\t")
IGNORED = {"#": "annotator note", "A": "attribute", "M": "attribute", "R": "relation", "N": "normalisation",
           "*": "equivalence"}
ROLE_NUMBER = re.compile(r"(?<=\D)\d+$")  # Content2 -> Content
# An annotation line whose tabs were written as spaces (by hand, or by an editor that expands tabs). It starts an
# annotation of its own, reported as malformed on its own line: read as a continuation it would be swallowed into the
# previous annotation's text and reported there as a text mismatch. Only an annotation's whole shape counts
# ("T2 Source 10 15", "E1 Attribution:T1"), so news text that happens to start with "T1 " still continues a text.
SPACED_ANNOTATION = re.compile(r"T\d+ +\S+ +\d+ +\d+|E\d+ +\S+:[TE]\d+|[AM]\d+ +\S+ +[TE]\d+|R\d+ +\S+ +Arg1:"
                               r"|#\d* +\S+ +[TERAMN]\d+|N\d+ +\S+ +[TER]\d+ |\* +\S+ +[TE]\d+ ")


@dataclass
class TextBound:
    """A ``T`` annotation: its type, its fragments in file order and the text written beside them."""

    id: str
    type: str
    fragments: list[Span]
    text: str
    line: int = 0


@dataclass
class BratEvent:
    """An ``E`` annotation: type, trigger annotation id and ``(role, annotation id)`` pairs (role numbers removed)."""

    id: str
    type: str
    trigger_id: str
    args: list[tuple[str, str]] = field(default_factory=list)
    line: int = 0


@dataclass
class BratAnnotations:
    """What one ``.ann`` file holds once parsed and checked against its text."""

    path: Path
    bounds: dict[str, TextBound] = field(default_factory=dict)
    events: list[BratEvent] = field(default_factory=list)


def read_text(path: str | Path) -> str:
    """Read a text file exactly: brat offsets count every character, so ``\\r\\n`` must not become ``\\n``."""
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def logical_lines(content: str) -> list[tuple[int, str]]:
    """Join continuation lines to the annotation they belong to; returns ``(first line number, line)`` pairs.

    Example:
        >>> logical_lines("T1\\tContent 0 7\\tab\\ncd\\nE1\\tAttribution:T1\\n")
        [(1, 'T1\\tContent 0 7\\tab\\ncd'), (3, 'E1\\tAttribution:T1')]
    """
    lines: list[tuple[int, str]] = []
    # The file's final newline ends the last line; it is not a newline inside the last annotation's text.
    for number, line in enumerate(content.removesuffix("\n").split("\n"), start=1):
        if ANNOTATION_ID.match(line) or SPACED_ANNOTATION.match(line) or not lines:
            lines.append((number, line))
        else:
            lines[-1] = (lines[-1][0], lines[-1][1] + "\n" + line)
    # A CRLF file leaves a "\r" at the end of each line; inside a text field a "\r\n" from the .txt stays intact.
    return [(number, line.removesuffix("\r")) for number, line in lines]


def parse_ann(path: str | Path, text: str, errors: str = "raise", report: ImportReport | None = None,
              prefix: str = "brat") -> BratAnnotations:
    """Parse one ``.ann`` file and check every fragment against ``text`` (the ``.txt`` file's content).

    A malformed line or a fragment whose text differs from the ``.txt`` is a ``DataError`` naming the ``.ann`` file
    and line (``errors="raise"``), or is skipped and counted in ``report`` as ``"<prefix>: ..."`` (``errors="skip"``).

    Example::

        parsed = parse_ann("doc.ann", "He said no.")
        parsed.bounds["T1"].fragments  # -> [Span(start=3, end=7)]
    """
    path, report = Path(path), report if report is not None else ImportReport()
    parsed = BratAnnotations(path)
    for number, line in logical_lines(read_text(path)):
        kind = line[:1]
        if not line.strip():
            continue
        if SPACED_ANNOTATION.match(line):
            problem(errors, report, f"{prefix}: malformed line skipped",
                    f"fields separated by spaces, not tabs: {line[:40]!r}; accepted: 'T1<TAB>Type start end<TAB>text', "
                    "'E1<TAB>Type:T1 Role:T2'", path, number)
        elif not ANNOTATION_ID.match(line):
            problem(errors, report, f"{prefix}: malformed line skipped",
                    f"line does not start with a brat annotation id (T1, E1, #1, ...): {line[:40]!r}", path, number)
        elif kind == "T":
            bound = _text_bound(line, text, path, number, errors, report, prefix)
            if bound is not None:
                parsed.bounds[bound.id] = bound
        elif kind == "E":
            event = _event(line, path, number, errors, report, prefix)
            if event is not None:
                parsed.events.append(event)
        else:
            report.add(f"{prefix}: {IGNORED.get(kind, kind)} line ignored")
    return parsed


def _text_bound(line: str, text: str, path: Path, number: int, errors: str, report: ImportReport,
                prefix: str) -> TextBound | None:
    fields = line.split("\t", 2)
    if len(fields) < 3:
        problem(errors, report, f"{prefix}: malformed line skipped",
                f"{fields[0]}: expected 'T1<TAB>Type start end<TAB>text', got {line[:60]!r}", path, number)
        return None
    label, _, offsets = fields[1].partition(" ")
    try:
        fragments = [Span(*(int(n) for n in part.split())) for part in offsets.split(";")]
    except (TypeError, ValueError):
        problem(errors, report, f"{prefix}: malformed line skipped",
                f"{fields[0]}: bad offsets {offsets!r}; accepted: 'start end' or 'start end;start end'", path, number)
        return None
    written = fields[2]
    for span in fragments:
        if not 0 <= span.start < span.end <= len(text):
            problem(errors, report, f"{prefix}: span outside the text skipped",
                    f"{fields[0]}: offsets {span.start}-{span.end} are empty or outside the text (0-{len(text)})",
                    path, number)
            return None
    actual = " ".join(span.text_in(text) for span in fragments)
    # Compare modulo whitespace: some tools write a newline of the text as a space; a shifted offset still shows.
    if actual.split() != written.split():
        problem(errors, report, f"{prefix}: span text mismatch skipped",
                f"{fields[0]}: offsets {offsets} read {actual[:60]!r} in the text file but the annotation says "
                f"{written[:60]!r}", path, number)
        return None
    return TextBound(fields[0], label, fragments, written, number)


def _event(line: str, path: Path, number: int, errors: str, report: ImportReport, prefix: str) -> BratEvent | None:
    fields = line.split("\t")
    items = fields[1].split() if len(fields) > 1 else []
    if not items or ":" not in items[0] or any(":" not in item for item in items):
        problem(errors, report, f"{prefix}: malformed line skipped",
                f"{fields[0]}: expected 'Type:T1 Role:T2 ...' after the id, got {line[len(fields[0]) + 1:]!r}",
                path, number)
        return None
    # Types and roles may hold a colon themselves (Conflict:Attack:T1): the id is after the last one.
    event_type, _, trigger = items[0].rpartition(":")
    args = [(ROLE_NUMBER.sub("", role), ref) for role, _, ref in (item.rpartition(":") for item in items[1:])]
    return BratEvent(fields[0], event_type, trigger, args, number)
