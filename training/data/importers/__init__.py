"""Importers from the public corpora's formats into the one article format (``inference.core.articles``).

Every importer returns ``(articles, report)``; the report counts whatever was skipped or merged, and
:func:`load_articles` logs it once. ``errors="raise"`` (the default) stops at the first bad annotation with a
``DataError`` naming the file and line; ``errors="skip"`` skips it and counts it instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from inference.core.articles import Article, iter_articles
from inference.core.schema import LabelSchema

from .bio import read_bio_jsonl, read_conll
from .brat import BratEvent, TextBound, parse_ann
from .brat_articles import BratMapping, read_brat_dir
from .checks import check_not_empty, check_schema, unique_articles
from .import_report import ImportReport
from .label_studio import looks_like_label_studio, read_label_studio
from .m2e2 import read_m2e2
from .polnear import read_polnear
from .rams import read_rams
from .wikievents import read_wikievents
from .wikievents_genarg import read_wikievents_genarg

logger = logging.getLogger(__name__)

ERRORS = ("raise", "skip")


def read_jsonl(path: str | Path, errors: str = "raise", schema: LabelSchema | None = None
               ) -> tuple[list[Article], ImportReport]:
    """Read our own article format, checking event types and roles against ``schema`` (default: M2E2's); an id seen
    twice is named by both its lines.

    Example::

        articles, report = read_jsonl("data/release/dev.jsonl")
    """
    numbered = list(iter_articles(path))
    check_schema([article for _, article in numbered], schema or LabelSchema.default(), path,
                 [line for line, _ in numbered])
    report = ImportReport()
    return unique_articles(((path, line, article) for line, article in numbered), errors, report), report


@dataclass(frozen=True)
class Format:
    """One input format: its reader, called as ``read(path, errors, schema)``, and what a file of it holds (for the
    error on one that holds nothing)."""

    read: Callable[[str | Path, str, LabelSchema], tuple[list[Article], ImportReport]]
    holds: str


# WikiEvents and RAMS map their types and roles onto the schema by the default mapping (configs/event_mapping.yaml).
READERS = {
    "jsonl": Format(read_jsonl, 'one article per line, {"id": ..., "text": ..., "events": [...], "claims": [...]}'),
    "bio-jsonl": Format(read_bio_jsonl, 'one {"tokens": [...], "labels": [...]} object per line'),
    "conll": Format(read_conll, "a token and its BIO label per line, a blank line (or -DOCSTART-) between articles"),
    "brat": Format(read_brat_dir, "NAME.txt and NAME.ann pairs"),
    # claims only: no event schema to check
    "polnear": Format(lambda path, errors, schema: read_polnear(path, errors),
                      "PolNeAR's attributions/ and texts/ folders of brat files"),
    "m2e2": Format(read_m2e2, "a JSON list of sentences with their event mentions"),
    "wikievents": Format(read_wikievents, "one KAIROS document per line"),
    "wikievents-genarg": Format(read_wikievents_genarg, "one KAIROS document per line, in gen-arg's format"),
    "rams": Format(read_rams, "one RAMS document per line"),
    "label-studio": Format(read_label_studio, "a Label Studio JSON export: a list of tasks with data.text and "
                                              "annotations (configs/label_studio.xml)"),
}
FORMATS = tuple(READERS)

__all__ = ["ERRORS", "FORMATS", "READERS", "BratEvent", "BratMapping", "Format", "ImportReport", "TextBound",
           "check_schema", "detect_format", "load_articles", "load_paths", "parse_ann", "read_bio_jsonl",
           "read_brat_dir", "read_conll", "read_jsonl", "read_label_studio", "read_m2e2", "read_polnear", "read_rams",
           "read_wikievents", "read_wikievents_genarg"]


def detect_format(path: str | Path) -> str:
    """Guess a path's format from its shape.

    A folder with ``attributions/`` is PolNeAR, a folder of ``.ann`` files is brat; a ``.json`` whose first item (or
    only object) has ``data`` is a Label Studio export (tasks), any other ``.json`` M2E2 (a list of sentences);
    ``.jsonlines`` RAMS; ``.conll``/``.bio``/``.tsv`` are CoNLL; a ``.jsonl`` whose first line has ``event_mentions``
    and ``tokens`` is WikiEvents (``wikievents-genarg`` when it has ``docid`` and no ``entity_mentions``: gen-arg's
    train file), a ``.jsonl``/``.txt`` file whose first line has ``tokens`` is BIO JSON lines, any other ``.jsonl``
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
        return "label-studio" if looks_like_label_studio(path) else "m2e2"
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
    (these two mapped onto the schema by ``configs/event_mapping.yaml``), ``label-studio`` (an export of tasks
    labelled with ``configs/label_studio.xml``). Event types and roles are checked against ``schema`` (default:
    M2E2's). What was skipped or merged is logged once at INFO.

    Example::

        articles, report = load_articles("../shared/data/polnear/data/dev", errors="skip")
        len(articles), report.to_dict()["polnear: extra annotator file skipped"]  # -> (84, 10)
    """
    if errors not in ERRORS:
        raise ValueError(f"errors={errors!r}; accepted: {', '.join(map(repr, ERRORS))}")
    if format != "auto" and format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; accepted: auto, {', '.join(FORMATS)}")
    name = detect_format(path) if format == "auto" else format
    articles, report = READERS[name].read(path, errors, schema or LabelSchema.default())
    for article in articles:  # a last guard: every span inside its text, whatever the importer
        article.validate()
    articles = unique_articles(((path, None, article) for article in articles), errors, report)
    check_not_empty(articles, report, path, name, READERS[name].holds)
    logger.info("%s (%s): %d articles, %d claims, %d events", path, name, len(articles),
                sum(len(a.claims) for a in articles), sum(len(a.events) for a in articles))
    if report:
        report.log(logger, str(path))
    return articles, report


def load_paths(paths: Sequence[str | Path], format: str = "auto") -> list[Article]:
    """Read and concatenate several files or folders (each logs what its importer skipped or merged).

    Example::

        dev = load_paths(["data/release/dev.jsonl"])
    """
    located: list[tuple[str | Path, None, Article]] = []
    for path in paths:
        located.extend((path, None, article) for article in load_articles(path, format=format)[0])
    return unique_articles(located, "raise", ImportReport())  # one article in two files: named by both files
