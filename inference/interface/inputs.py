"""The articles the commands read: checking an input path, decoding text, the one JSONL reader of
``python -m inference`` and ``python -m inference.corpus``, and the one id policy.

Ids (the same in both commands):

- an id is a string or an integer, written out as text (``7`` becomes ``"7"``); anything else is an error;
- an article without one (no ``id``, or ``null``) gets a generated id: ``FILE:LINE`` in ``python -m inference``, its
  row number in the corpus command;
- two articles with the same id, given or generated, are an error naming both rows (results are joined by id).

Example:
    >>> ids = ArticleIds()
    >>> ids.take(7, "news.jsonl:1", "news.jsonl", 1), ids.take(None, "news.jsonl:2", "news.jsonl", 2)
    ('7', 'news.jsonl:2')
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from ..core.articles import DataError, parse_json_lines

ACCEPTED_INPUT = "accepted: a UTF-8 text file, a .jsonl file of {\"id\", \"text\"} lines, or - for stdin"
ACCEPTED_ID = "accepted: a string or an integer, unique in the input, or none (then one is made up)"


class InputError(ValueError):
    """An input that cannot be read as asked; the message is the one line shown on stderr."""


def check_input(path: str) -> None:
    """An :class:`InputError` unless ``path`` is ``-`` or something to read: a file, or a device or pipe such as
    ``/dev/null`` or ``<(command)`` (checked before the model is loaded)."""
    if path == "-":
        return
    if not Path(path).exists():
        raise InputError(f"{path}: no such file; {ACCEPTED_INPUT}")
    if Path(path).is_dir():
        raise InputError(f"{path}: is a directory, not a file; {ACCEPTED_INPUT}")


def decode_text(data: bytes, name: str) -> str:
    """``data`` as UTF-8 text, newlines untouched; a binary file is an :class:`InputError`.

    Example:
        >>> decode_text("Paris\\r\\n".encode(), "a.txt") == "Paris\\r\\n"
        True
    """
    if b"\0" in data:
        raise InputError(f"{name}: a binary file (it holds NUL bytes); {ACCEPTED_INPUT}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{name}: not UTF-8 text (byte {error.start}: {error.reason}); {ACCEPTED_INPUT}") from None


def jsonl_records(path: str | Path) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` for each non-blank line of a JSONL file, read as it is on disk (``newline=""``: a
    JSON string may hold U+2028, which ``str.splitlines`` would cut). A leading byte order mark is skipped; bad JSON,
    JSON nested too deep or an integer too long is an error naming ``FILE:LINE``
    (:func:`inference.core.articles.parse_json_lines`, the one JSON line reader)."""
    with open(path, encoding="utf-8", newline="") as handle:
        try:
            yield from parse_json_lines(handle, path)
        except UnicodeDecodeError as error:
            raise InputError(f"{path}: not UTF-8 text (byte {error.start} of a block: {error.reason}); "
                             f"{ACCEPTED_INPUT}") from None


def jsonl_text_records(data: str, name: str) -> Iterator[tuple[int, dict]]:
    """:func:`jsonl_records` over JSONL already read (stdin)."""
    # split("\n"), not splitlines(): a JSON string may hold U+2028 and other characters splitlines() cuts
    return parse_json_lines(data.split("\n"), name)


def looks_like_jsonl(data: str) -> bool:
    """Whether text read from stdin is JSONL: it starts with ``{``, after any byte order mark and blank space."""
    return data.removeprefix("\ufeff").lstrip().startswith("{")


class ArticleIds:
    """The id policy (see the module's docstring): :meth:`take` returns an article's id as text, or raises a
    ``DataError`` naming both rows when the id was already taken."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}  # id -> where it was first seen

    def take(self, value: object, generated: str, path: str | Path, line: int | None) -> str:
        """The id of the article at ``path``:``line`` given ``value`` (None when there is none); ``generated`` is
        used when it is None."""
        where = f"{path}:{line}" if line is not None else str(path)
        if value is None:
            text = generated
        elif isinstance(value, bool) or not isinstance(value, (str, int)):
            raise DataError(f"id {str(value)[:60]!r} is a {type(value).__name__}; {ACCEPTED_ID}", path, line)
        else:
            text = str(value)
        if text in self.seen:
            raise DataError(f"id {text!r} is also the id of {self.seen[text]}; {ACCEPTED_ID}", path, line)
        self.seen[text] = where
        return text


def read_inputs(paths: list[str], input_format: str) -> Iterator[tuple[str, str]]:
    """Yield ``(id, text)`` for every article in the inputs (``-`` is stdin). Text is read as it is on disk, so
    character offsets index the file; JSON lines carry their own newlines, escaped."""
    ids = ArticleIds()
    for path in paths:
        if path == "-":
            data = _read_stdin()
            if input_format == "jsonl" or (input_format == "auto" and looks_like_jsonl(data)):
                yield from _articles(jsonl_text_records(data, "<stdin>"), "<stdin>", ids)
            else:
                yield ids.take(None, "<stdin>", "<stdin>", None), data
        elif input_format == "jsonl" or (input_format == "auto" and path.endswith(".jsonl")):
            yield from _articles(jsonl_records(path), path, ids)
        else:
            yield ids.take(None, path, path, None), decode_text(Path(path).read_bytes(), path)


def _read_stdin() -> str:
    # The bytes, decoded here: sys.stdin's text layer would turn "\r\n" into "\n" (a StringIO has no bytes).
    stream = getattr(sys.stdin, "buffer", None)
    return decode_text(stream.read(), "<stdin>") if stream is not None else sys.stdin.read()


def _articles(records: Iterator[tuple[int, dict]], name: str, ids: ArticleIds) -> Iterator[tuple[str, str]]:
    for number, record in records:
        if not isinstance(record.get("text"), str):
            raise DataError("expected a JSON object with a string 'text' (and optionally 'id')", name, number)
        yield ids.take(record.get("id"), f"{name}:{number}", name, number), record["text"]
