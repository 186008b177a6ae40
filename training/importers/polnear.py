"""PolNeAR (networkdynamics/PolNeAR): attributions in brat standoff, ``text/NAME.txt`` + ``attributions/NAME_xxxx.ann``.

Quirks handled here, each counted in the report: some articles have one ``.ann`` per annotator (we keep the first in
sorted order); ``Discuss``/``Discard`` are annotators' markers, not attributions; ``Attribution-no-source`` has a
cue and content but no source; one training annotation's offsets do not match its text. Two attributions may share
a span (one source, two cues): both claims are kept, and training tags the shared span once.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from inference.document import Article, DataError

from .brat import parse_ann, to_article
from .report import ImportReport

MARKERS = frozenset({"Discuss", "Discard"})


def read_polnear(split_dir: str | Path, errors: str = "raise") -> tuple[list[Article], ImportReport]:
    """Read one PolNeAR split folder (with ``text/`` and ``attributions/``) into claim-annotated articles.

    Example:
        >>> articles, report = read_polnear("../shared/data/polnear/data/train", errors="skip")  # doctest: +SKIP
        >>> articles[0].layers  # doctest: +SKIP
        ('claims',)
    """
    split_dir = Path(split_dir)
    text_dir, ann_dir = split_dir / "text", split_dir / "attributions"
    if not ann_dir.is_dir():
        raise DataError("not a PolNeAR split: expected an 'attributions/' folder (and 'text/')", split_dir)
    if not text_dir.is_dir():  # annotator-training keeps its texts beside the attributions folder
        text_dir = split_dir
    by_article: dict[str, list[Path]] = defaultdict(list)
    for ann in sorted(ann_dir.glob("*.ann")):
        name, _, annotator = ann.stem.rpartition("_")
        by_article[name].append(ann)
    report = ImportReport()
    articles = []
    for name, files in sorted(by_article.items()):
        txt = text_dir / f"{name}.txt"
        if not txt.is_file():
            raise DataError(f"no text file {txt} for these attributions", files[0])
        report.add("polnear: another annotator's copy of an article skipped", len(files) - 1)
        text = txt.read_text(encoding="utf-8")
        bounds, events = parse_ann(files[0], text, errors, report)
        article = to_article(name, text, bounds, events, report, skip_types=MARKERS)
        # An attribution line with none of source, cue or content comes out of brat as an event: not a claim.
        report.add("polnear: attribution without source, cue or content skipped", len(article.events))
        article.events = []
        article.layers = ("claims",)  # PolNeAR annotates attribution only: its events are unknown, not absent
        article.meta = {"source": "polnear", "annotation": files[0].name}
        articles.append(article)
    return articles, report

