"""Token-level BIO: JSON lines with ``tokens`` and ``labels`` (as CofeNet's PolNeAR files), or CoNLL columns.

Texts are rebuilt by joining tokens with single spaces. Labels ``source``/``cue``/``content`` (any case) are claim
parts, linked into claims by :func:`inference.decoding.link_claims`; labels naming an event type are triggers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from inference.decoding import link_claims
from inference.document import Article, DataError, Event, Span, iter_json_lines
from inference.schema import CLAIM_PARTS, LabelSchema

from .report import ImportReport


def tokens_to_article(article_id: str, tokens: list[str], labels: list[str], schema: LabelSchema,
                      report: ImportReport, where: tuple[Path, int]) -> Article:
    """One sentence or document of BIO-labelled tokens as an article with character offsets."""
    if len(tokens) != len(labels):
        raise DataError(f"{len(tokens)} tokens but {len(labels)} labels", *where)
    starts, position = [], 0
    for token in tokens:
        starts.append(position)
        position += len(token) + 1
    text = " ".join(tokens)
    spans: list[tuple[Span, str]] = []
    previous = "O"
    for i, (token, label) in enumerate(zip(tokens, labels, strict=True)):
        prefix, _, name = label.partition("-")
        kind = name.lower() if name.lower() in CLAIM_PARTS else name
        if label != "O" and (prefix not in ("B", "I") or (kind not in CLAIM_PARTS and kind not in schema.event_roles)):
            accepted = ", ".join(["O", *(f"B-/I-{t}" for t in [*CLAIM_PARTS, *schema.event_types])])
            raise DataError(f"unknown label {label!r} on token {i} ({token!r}); accepted: {accepted}", *where)
        end = starts[i] + len(token)
        if prefix == "I" and previous in (f"B-{kind}", f"I-{kind}"):
            spans[-1] = (Span(spans[-1][0].start, end), kind)
        elif label != "O":
            if prefix == "I":
                report.add("bio: I- without a B- before it, started a span")
            spans.append((Span(starts[i], end), kind))
        previous = "O" if label == "O" else f"{prefix}-{kind}"
    parts = {part: [s for s, k in spans if k == part] for part in CLAIM_PARTS}
    events = [Event(k, s) for s, k in spans if k not in CLAIM_PARTS]
    layers = tuple(name for name, present in (("events", events), ("claims", any(parts.values()))) if present)
    claims = link_claims(parts["source"], parts["cue"], parts["content"])
    return Article(article_id, text, events, claims, layers=layers or ("claims",))


def read_bio_jsonl(path: str | Path, errors: str = "raise", schema: LabelSchema | None = None
                   ) -> tuple[list[Article], ImportReport]:
    """One article per line with ``tokens`` and ``labels`` (an ``id`` is kept when present).

    Example:
        >>> articles, report = read_bio_jsonl("../shared/data/polnear_bio/valid.txt")  # doctest: +SKIP
    """
    path, schema, report = Path(path), schema or LabelSchema.default(), ImportReport()
    articles = []
    for number, row in iter_json_lines(path):
        try:
            tokens, labels = row["tokens"], row["labels"]
        except KeyError as error:
            raise DataError(f"missing key {error}; each line needs 'tokens' and 'labels'", path, number) from None
        article_id = f"{row.get('id', path.stem)}:{number}"
        articles.append(_guarded(article_id, tokens, labels, schema, report, (path, number), errors))
    return [a for a in articles if a is not None], report


def read_conll(path: str | Path, errors: str = "raise", schema: LabelSchema | None = None
               ) -> tuple[list[Article], ImportReport]:
    """CoNLL columns: token first, BIO label last; a blank line ends a sentence, ``-DOCSTART-`` a document.

    Each sentence becomes an article (with ``-DOCSTART-`` lines, each document does).
    """
    path, schema, report = Path(path), schema or LabelSchema.default(), ImportReport()
    articles = []
    for number, (index, tokens, labels) in enumerate(_conll_blocks(path), start=1):
        article = _guarded(f"{path.stem}:{number}", tokens, labels, schema, report, (path, index), errors)
        if article is not None:
            articles.append(article)
    return articles, report


def _guarded(article_id, tokens, labels, schema, report, where, errors) -> Article | None:
    try:
        return tokens_to_article(article_id, tokens, labels, schema, report, where)
    except DataError:
        if errors == "raise":
            raise
        report.add("bio: sentence with an unknown label skipped")
        return None


def _conll_blocks(path: Path) -> Iterator[tuple[int, list[str], list[str]]]:
    """Yield (first line number, tokens, labels) per sentence, or per document when ``-DOCSTART-`` lines exist."""
    lines = path.read_text(encoding="utf-8").splitlines()
    by_document = any(line.startswith("-DOCSTART-") for line in lines)
    tokens: list[str] = []
    labels: list[str] = []
    start = 1
    for number, line in enumerate(lines + [""], start=1):
        boundary = line.startswith("-DOCSTART-") if by_document else not line.strip()
        if boundary or number == len(lines) + 1:
            if tokens:
                yield start, tokens, labels
            tokens, labels, start = [], [], number + 1
            continue
        if not line.strip():
            continue
        columns = line.split()
        if len(columns) < 2:
            raise DataError(f"expected 'token label' columns, got {line!r}", path, number)
        tokens.append(columns[0])
        labels.append(columns[-1])
