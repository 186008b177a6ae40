"""Token-level IOB2: JSON lines with ``tokens`` and ``labels`` (as CofeNet's PolNeAR files), or CoNLL columns.

Texts are rebuilt by joining tokens with single spaces. ``B-``/``I-`` labels of type ``source``, ``cue`` or
``content`` (any case) are claim parts, linked into claims by :func:`inference.core.claim_linking.link_claims`; labels
naming a schema event type are triggers. An ``I-`` with no ``B-``/``I-`` of its type before it starts a span
(seqeval's lenient reading) and is counted as repaired.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from inference.core.articles import Article, DataError, Event, Span, iter_json_lines
from inference.core.claim_linking import link_claims
from inference.core.schema import CLAIM_PARTS, LabelSchema

from .import_report import ImportReport, problem


@dataclass
class LabelledTokens:
    """One sentence or document of labelled tokens, with the file line of each token (for error messages)."""

    id: str
    tokens: list[str]
    labels: list[str]
    lines: list[int]


def label_kinds(schema: LabelSchema) -> dict[str, str]:
    """Accepted span types, lower-cased, mapped to their spelling in our format.

    Example:
        >>> label_kinds(LabelSchema.default())["conflict:attack"]
        'Conflict:Attack'
    """
    return {name.lower(): name for name in [*CLAIM_PARTS, *schema.event_types]}


def decode(sequence: LabelledTokens, kinds: dict[str, str], path: Path, report: ImportReport, errors: str = "raise"
           ) -> tuple[str, list[tuple[Span, str]]] | None:
    """The text and ``(span, type)`` pairs of one sequence.

    A bad label (or token) is a ``DataError`` naming the file, the line and the accepted labels; with
    ``errors="skip"`` the sequence is skipped (``None``) and counted.

    Example:
        >>> tokens = LabelledTokens("s", ["He", "said"], ["B-source", "I-cue"], [1, 1])
        >>> decode(tokens, {"source": "source", "cue": "cue"}, Path("a.jsonl"), ImportReport())
        ('He said', [(Span(start=0, end=2), 'source'), (Span(start=3, end=7), 'cue')])
    """
    if len(sequence.tokens) != len(sequence.labels):
        problem(errors, report, "bio: sentence with bad tokens skipped",
                f"{len(sequence.tokens)} tokens but {len(sequence.labels)} labels", path, sequence.lines[0])
        return None
    spans: list[tuple[Span, str]] = []
    previous, position = None, 0
    for i, (token, label) in enumerate(zip(sequence.tokens, sequence.labels, strict=True)):
        prefix, _, name = label.partition("-")
        kind = kinds.get(name.lower())
        if label != "O" and (prefix not in ("B", "I") or kind is None):
            accepted = f"O, or B-/I- followed by one of {', '.join(kinds.values())} (any case)"
            problem(errors, report, "bio: sentence with an unknown label skipped",
                    f"unknown label {label!r} on token {i} ({token!r}); accepted: {accepted}", path, sequence.lines[i])
            return None
        if not isinstance(token, str) or not token:
            problem(errors, report, "bio: sentence with bad tokens skipped",
                    f"token {i} is {token!r}; every token must be a non-empty string", path, sequence.lines[i])
            return None
        span = Span(position, position + len(token))
        if label == "O":
            kind = None
        elif prefix == "I" and previous == kind:  # continues the span before it
            spans[-1] = (Span(spans[-1][0].start, span.end), kind)
        else:
            if prefix == "I":  # seqeval's lenient reading: an I- after O or another type starts a span
                report.add("bio: I- without B- repaired")
            spans.append((span, kind))
        previous, position = kind, span.end + 1
    return " ".join(sequence.tokens), spans


def to_articles(sequences: Iterator[LabelledTokens], path: Path, errors: str, schema: LabelSchema | None
                ) -> tuple[list[Article], ImportReport]:
    """Decode every sequence into an article; ``layers`` are those the file's labels annotate.

    A file with claim labels annotates claims, one with trigger labels annotates events (in every sequence, even
    one whose labels are all ``O``). A file of ``O`` only is taken as claims, the layer of the BIO data we know.
    """
    schema, report = schema or LabelSchema.default(), ImportReport()
    kinds = label_kinds(schema)
    decoded = []
    for sequence in sequences:
        if not sequence.tokens:
            report.add("bio: empty sentence skipped")
            continue
        result = decode(sequence, kinds, path, report, errors)
        if result is not None:
            decoded.append((sequence.id, *result))
    found = {kind for _, _, spans in decoded for _, kind in spans}
    claim_kinds = found & set(CLAIM_PARTS)
    layers = tuple(name for name, present in (("events", found - claim_kinds), ("claims", claim_kinds)) if present)
    layers = layers or ("claims",)
    articles = []
    for article_id, text, spans in decoded:
        parts = {part: [span for span, kind in spans if kind == part] for part in CLAIM_PARTS}
        events = [Event(kind, span) for span, kind in spans if kind not in CLAIM_PARTS]
        claims = link_claims(parts["source"], parts["cue"], parts["content"])
        meta = {"corpus": "bio", "file": path.name}
        articles.append(Article(article_id, text, events, claims, layers=layers, meta=meta))
    return articles, report


def read_bio_jsonl(path: str | Path, errors: str = "raise", schema: LabelSchema | None = None
                   ) -> tuple[list[Article], ImportReport]:
    """One article per JSON line with ``tokens`` and ``labels``; its id is ``<id or file stem>:<line>``.

    Example::

        articles, report = read_bio_jsonl("../shared/data/polnear_bio/valid.txt")
        len(articles), articles[0].layers  # -> (1925, ('claims',))
    """
    path = Path(path)

    def sequences() -> Iterator[LabelledTokens]:
        for number, row in iter_json_lines(path):
            tokens, labels = row.get("tokens"), row.get("labels")
            if not (isinstance(tokens, list) and isinstance(labels, list)):
                raise DataError("each line needs 'tokens' and 'labels', two lists of strings", path, number)
            yield LabelledTokens(f"{row.get('id', path.stem)}:{number}", tokens, labels, [number] * max(len(tokens), 1))

    return to_articles(sequences(), path, errors, schema)


def read_conll(path: str | Path, errors: str = "raise", schema: LabelSchema | None = None
               ) -> tuple[list[Article], ImportReport]:
    """CoNLL: ``token label`` per line (tab or spaces; the label is the last column), a blank line between sentences.

    Each sentence becomes an article ``<file stem>:<n>``; where the file has ``-DOCSTART-`` lines, each document does.

    Example::

        articles, report = read_conll("train.conll")
    """
    path = Path(path)
    return to_articles(_conll_sequences(path), path, errors, schema)


def _conll_sequences(path: Path) -> Iterator[LabelledTokens]:
    lines = path.read_text(encoding="utf-8").splitlines()
    by_document = any(line.startswith("-DOCSTART-") for line in lines)
    tokens: list[str] = []
    labels: list[str] = []
    numbers: list[int] = []
    count = 0
    for number, line in enumerate([*lines, "-DOCSTART-"], start=1):  # the sentinel ends the last block
        boundary = line.startswith("-DOCSTART-") or (not by_document and not line.strip())
        if boundary:
            if tokens:
                count += 1
                yield LabelledTokens(f"{path.stem}:{count}", tokens, labels, numbers)
            tokens, labels, numbers = [], [], []
            continue
        if not line.strip():  # a sentence break inside a document: the document's text goes on
            continue
        columns = line.split()
        if len(columns) < 2:
            raise DataError(f"expected 'token label' (tab or space separated), got {line!r}", path, number)
        tokens.append(columns[0])
        labels.append(columns[-1])
        numbers.append(number)
