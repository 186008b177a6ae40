"""Importers from the public corpora's formats into the one article format (``inference.document``).

Every importer returns ``(articles, report)``; the report counts whatever was skipped or merged, and
:func:`load_articles` logs it once. ``errors="raise"`` (the default) stops at the first bad annotation with a
``DataError`` naming the file and line; ``errors="skip"`` skips it and counts it instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

from inference.document import Article, iter_articles
from inference.schema import LabelSchema

from .bio import read_bio_jsonl, read_conll
from .brat import BratEvent, TextBound, parse_ann
from .brat_articles import BratMapping, read_brat_dir
from .checks import check_not_empty, check_schema, unique_articles
from .m2e2 import read_m2e2
from .polnear import read_polnear
from .rams import read_rams
from .report import ImportReport
from .wikievents import read_wikievents
from .wikievents_genarg import read_wikievents_genarg

logger = logging.getLogger(__name__)

FORMATS = ("jsonl", "bio-jsonl", "conll", "brat", "polnear", "m2e2", "wikievents", "wikievents-genarg", "rams")
ERRORS = ("raise", "skip")

__all__ = ["ERRORS", "FORMATS", "BratEvent", "BratMapping", "ImportReport", "TextBound", "check_schema",
           "detect_format", "load_articles", "load_paths", "parse_ann", "read_bio_jsonl", "read_brat_dir",
           "read_conll", "read_m2e2", "read_polnear", "read_rams", "read_wikievents", "read_wikievents_genarg"]


def detect_format(path: str | Path) -> str:
    """Guess a path's format from its shape.

    A folder with ``attributions/`` is PolNeAR, a folder of ``.ann`` files is brat; ``.json`` is M2E2, ``.jsonlines``
    RAMS; ``.conll``/``.bio``/``.tsv`` are CoNLL; a ``.jsonl`` whose first line has ``event_mentions`` and ``tokens``
    is WikiEvents (``wikievents-genarg`` when it has ``docid`` and no ``entity_mentions``: gen-arg's train file), a
    ``.jsonl``/``.txt`` file whose first line has ``tokens`` is BIO JSON lines, any other ``.jsonl``
    is our article format, a ``.txt`` that is not JSON is CoNLL.

    Example:
        >>> detect_format("../shared/data/m2e2/text_only_event.json")
        'm2e2'
    """
    path = Path(path)
    if path.is_dir():
        if (path / "attributions").is_dir():
            return "polnear"
        if any(path.glob("*.ann")):
            return "brat"
        raise ValueError(f"{path}: a folder with neither 'attributions/' (PolNeAR) nor .ann files (brat); "
                         f"pass format= one of {', '.join(FORMATS)}")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "m2e2"
    if suffix == ".jsonlines":
        return "rams"
    if suffix in (".conll", ".bio", ".tsv"):
        return "conll"
    if suffix in (".jsonl", ".txt"):
        with open(path, encoding="utf-8") as handle:
            first = next((line for line in handle if line.strip()), "")
        try:
            row = json.loads(first) if first else {}
        except json.JSONDecodeError:
            # CoNLL columns are often saved as .txt; a broken .jsonl gets its line-numbered error from the reader.
            return "conll" if suffix == ".txt" else "jsonl"
        if suffix == ".jsonl" and isinstance(row, dict) and {"event_mentions", "tokens"} <= row.keys():
            return "wikievents-genarg" if "docid" in row and "entity_mentions" not in row else "wikievents"
        return "bio-jsonl" if isinstance(row, dict) and "tokens" in row else "jsonl"
    raise ValueError(f"{path}: cannot tell the format from the name; pass format= one of {', '.join(FORMATS)}")


def load_articles(path: str | Path, format: str = "auto", errors: str = "raise",
                  schema: LabelSchema | None = None) -> tuple[list[Article], ImportReport]:
    """Read articles in any supported format; ``format="auto"`` detects it (see :func:`detect_format`).

    Formats: ``jsonl`` (ours), ``bio-jsonl``, ``conll``, ``brat``, ``polnear``, ``m2e2``, ``wikievents``, ``rams``
    (these two mapped onto the schema by ``configs/event_mapping.yaml``). Event types and roles are checked against
    ``schema`` (default: M2E2's). What was skipped or merged is logged once at INFO.

    Example:
        >>> articles, report = load_articles("../shared/data/polnear/data/dev", errors="skip")  # doctest: +SKIP
        >>> len(articles), report.to_dict()["polnear: extra annotator file skipped"]  # doctest: +SKIP
        (84, 10)
    """
    if errors not in ERRORS:
        raise ValueError(f"errors={errors!r}; accepted: {', '.join(map(repr, ERRORS))}")
    if format != "auto" and format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; accepted: auto, {', '.join(FORMATS)}")
    name = detect_format(path) if format == "auto" else format
    schema = schema or LabelSchema.default()
    report = ImportReport()
    lines: list[int | None] = []  # where each article starts, for the formats that say
    if name == "jsonl":
        numbered = list(iter_articles(path))
        lines, articles = [line for line, _ in numbered], [article for _, article in numbered]
        check_schema(articles, schema, path, lines)
    elif name == "bio-jsonl":
        articles, report = read_bio_jsonl(path, errors, schema)
    elif name == "conll":
        articles, report = read_conll(path, errors, schema)
    elif name == "brat":
        articles, report = read_brat_dir(path, errors, schema)
    elif name == "polnear":
        articles, report = read_polnear(path, errors)
    elif name == "wikievents":
        articles, report = read_wikievents(path, errors, schema, mapping=None)  # None: the default mapping config
    elif name == "wikievents-genarg":
        articles, report = read_wikievents_genarg(path, errors, schema, mapping=None)
    elif name == "rams":
        articles, report = read_rams(path, errors, schema, mapping=None)
    else:
        articles, report = read_m2e2(path, errors, schema)
    for article in articles:  # a last guard: every span inside its text, whatever the importer
        article.validate()
    articles = unique_articles(zip([path] * len(articles), lines or [None] * len(articles), articles, strict=True),
                               errors, report)
    check_not_empty(articles, report, path, name)
    logger.info("%s (%s): %d articles, %d claims, %d events", path, name, len(articles),
                sum(len(a.claims) for a in articles), sum(len(a.events) for a in articles))
    if report:
        report.log(logger, str(path))
    return articles, report


def load_paths(paths: Sequence[str | Path], format: str = "auto") -> list[Article]:
    """Read and concatenate several files or folders (each logs what its importer skipped or merged).

    Example:
        >>> dev = load_paths(["data/release/dev.jsonl"])  # doctest: +SKIP
    """
    located: list[tuple[str | Path, None, Article]] = []
    for path in paths:
        located.extend((path, None, article) for article in load_articles(path, format=format)[0])
    return unique_articles(located, "raise", ImportReport())  # one article in two files: named by both files
