"""Checks every importer's output passes: known event types and roles, unique article ids, not nothing at all."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from inference.core.articles import Article, DataError
from inference.core.schema import LabelSchema

from .import_report import ImportReport, problem

logger = logging.getLogger(__name__)

def check_schema(articles: Iterable[Article], schema: LabelSchema, path: str | Path,
                 lines: Iterable[int | None] | None = None) -> None:
    """Raise ``DataError`` naming the file (and each article's line, when ``lines`` gives them), the article and the
    accepted values for an event type or role not in the schema.

    Example:
        >>> check_schema([Article("a", "x")], LabelSchema.default(), "a.jsonl")
    """
    articles = list(articles)
    for article, line in zip(articles, lines if lines is not None else [None] * len(articles), strict=True):
        for event in article.events:
            for role in [None, *(a.role for a in event.arguments)]:
                try:
                    schema.check_event(event.type, role)
                except ValueError as error:
                    raise DataError(f"article {article.id!r}: {error}", path, line) from None


def unique_articles(located: Iterable[tuple[str | Path, int | None, Article]], errors: str, report: ImportReport
                    ) -> list[Article]:
    """The articles of ``(path, line, article)`` triples, each id once. A repeated id is a ``DataError`` naming both
    places (``errors="raise"``), or the later copy is skipped and counted (``errors="skip"``): two articles with one
    id would be trained on twice and scored against each other's gold.

    Example:
        >>> unique_articles([("a.jsonl", 1, Article("x", "A")), ("a.jsonl", 2, Article("x", "B"))], "raise",
        ...                 ImportReport())  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        inference.core.articles.DataError: a.jsonl:2: article id 'x' is also the id of the article at a.jsonl:1; ...
    """
    first: dict[str, str] = {}
    articles = []
    for path, line, article in located:
        if article.id in first:
            problem(errors, report, "duplicate article id skipped",
                    f"article id {article.id!r} is also the id of the article at {first[article.id]}", path, line)
            continue
        first[article.id] = f"{path}:{line}" if line is not None else str(path)
        articles.append(article)
    return articles


def check_not_empty(articles: list[Article], report: ImportReport, path: str | Path, format: str, holds: str
                    ) -> None:
    """Raise ``DataError`` when ``path`` gave no article: an empty training or test file is a mistake, not a corpus.
    When everything in it was skipped (``errors="skip"``), that is logged as a warning instead. ``holds`` says what a
    file of ``format`` holds.

    Example:
        >>> check_not_empty([], ImportReport(), "train.jsonl", "jsonl", "one article per line")
        Traceback (most recent call last):
        ...
        inference.core.articles.DataError: train.jsonl: no articles in it; expected (jsonl) one article per line
    """
    if articles:
        return
    if report:
        logger.warning("%s: no articles left: everything in it was skipped (%s)", path, report)
        return
    raise DataError(f"no articles in it; expected ({format}) {holds}", path)
