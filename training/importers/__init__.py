"""Importers from the public corpora's formats into the one article format (``inference.document``).

Every importer returns ``(articles, report)``; the report counts whatever was skipped or merged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

from inference.document import Article, DataError, read_jsonl
from inference.schema import LabelSchema

from .bio import read_bio_jsonl, read_conll
from .brat import read_brat_dir
from .m2e2 import read_m2e2
from .polnear import read_polnear
from .report import ImportReport

logger = logging.getLogger(__name__)

FORMATS = ("jsonl", "bio-jsonl", "conll", "brat", "polnear", "m2e2")

__all__ = ["FORMATS", "ImportReport", "check_schema", "detect_format", "load_articles", "load_paths", "read_bio_jsonl",
           "read_brat_dir", "read_conll", "read_m2e2", "read_polnear"]


def detect_format(path: str | Path) -> str:
    """Guess a path's format from its shape.

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
        raise ValueError(f"{path}: a folder with neither 'attributions/' (PolNeAR) nor .ann files (brat)")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "m2e2"
    if suffix in (".conll", ".bio", ".tsv"):
        return "conll"
    if suffix in (".jsonl", ".txt"):
        with open(path, encoding="utf-8") as handle:
            first = next((line for line in handle if line.strip()), "{}")
        try:
            keys = json.loads(first)
        except json.JSONDecodeError:
            return "conll"
        return "bio-jsonl" if isinstance(keys, dict) and "tokens" in keys else "jsonl"
    raise ValueError(f"{path}: cannot tell the format from the name; pass one of {', '.join(FORMATS)}")


def check_schema(articles: list[Article], schema: LabelSchema, path: str | Path) -> None:
    """Raise ``DataError`` naming the file, the article and the accepted values for a type or role not in the schema."""
    for article in articles:
        for event in article.events:
            for role in [None, *(a.role for a in event.arguments)]:
                try:
                    schema.check_event(event.type, role)
                except ValueError as error:
                    raise DataError(f"article {article.id!r}: {error}", path) from None


def load_articles(path: str | Path, format: str = "auto", errors: str = "raise",
                  schema: LabelSchema | None = None) -> tuple[list[Article], ImportReport]:
    """Read articles in any supported format.

    Example:
        >>> articles, report = load_articles("../shared/data/polnear/data/dev", errors="skip")  # doctest: +SKIP
    """
    if errors not in ("raise", "skip"):
        raise ValueError(f"errors={errors!r}; accepted: 'raise', 'skip'")
    name = detect_format(path) if format == "auto" else format
    if name == "jsonl":
        articles = read_jsonl(path)
        check_schema(articles, schema or LabelSchema.default(), path)
        return articles, ImportReport()
    if name == "bio-jsonl":
        return read_bio_jsonl(path, errors, schema)
    if name == "conll":
        return read_conll(path, errors, schema)
    if name == "brat":
        return read_brat_dir(path, errors)
    if name == "polnear":
        return read_polnear(path, errors)
    if name == "m2e2":
        return read_m2e2(path, errors, schema)
    raise ValueError(f"unknown format {format!r}; accepted: auto, {', '.join(FORMATS)}")


def load_paths(paths: Sequence[str | Path], format: str = "auto") -> list[Article]:
    """Read and concatenate several files or folders, logging what each importer skipped or merged.

    Example:
        >>> dev = load_paths(["data/release/dev.jsonl"])  # doctest: +SKIP
    """
    articles: list[Article] = []
    for path in paths:
        loaded, report = load_articles(path, format=format)
        logger.info("%s: %d articles%s", path, len(loaded), f"; {report}" if report else "")
        articles.extend(loaded)
    return articles
