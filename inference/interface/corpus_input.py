"""The input of ``python -m inference.corpus``: a JSONL or Parquet file as a ``datasets.Dataset`` of ``text`` and
``id``, checked row by row before any work, with the id policy of :mod:`inference.interface.inputs`.

JSONL is read line by line with Python's ``json`` (:func:`inference.interface.inputs.jsonl_records`, the reader
``python -m inference`` uses too), not with Arrow's JSON reader: a line nested thousands deep crashed that one (a
segmentation fault, no message), and ids of mixed types (``7`` and ``"a1"``) stopped it. Every id is text here, a
missing one the row number.

Example::

    dataset = load_input_rows("news.jsonl", "jsonl", "text", None)
    dataset.column_names  # -> ['text', 'id']
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.articles import DataError
from .corpus_resume import CorpusError
from .inputs import ArticleIds, InputError, jsonl_records

if TYPE_CHECKING:
    from datasets import Dataset

FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet"}
READER_VERSION = "2"  # part of the cached dataset's fingerprint: bump when what the JSONL reader yields changes
ACCEPTED_ROWS = "accepted: a JSONL or Parquet file with one article per row (a string text, an optional id)"


def file_format(path: str, override: str | None = None) -> str:
    """``jsonl`` or ``parquet``, from ``override`` or else the file suffix.

    Example:
        >>> file_format("news.parquet"), file_format("news.txt", "jsonl")
        ('parquet', 'jsonl')
    """
    found = override or FORMATS.get(Path(path).suffix.lower())
    if found is None:
        raise CorpusError(f"cannot tell the format of {path} from its suffix; accepted: {', '.join(FORMATS)}")
    return found


def load_input_rows(path: str, input_format: str, text_column: str, id_column: str | None) -> Dataset:
    """The input as a ``datasets.Dataset`` of the text column and (when there is one) the id column, its ids checked
    against the id policy; a problem is a one-line :class:`CorpusError`."""
    if id_column is not None and id_column == text_column:
        raise CorpusError(f"--id-column and --text-column both name {text_column!r}; accepted: two different columns")
    if not Path(path).is_file():
        raise CorpusError(f"{path}: no such file; {ACCEPTED_ROWS}")
    dataset = (_jsonl_rows(path, text_column, id_column) if input_format == "jsonl"
               else _parquet_rows(path, text_column, id_column))
    if len(dataset) == 0:
        raise CorpusError(f"{path} holds no articles (no rows, or only blank lines); {ACCEPTED_ROWS}")
    return dataset


def _jsonl_rows(path: str, text_column: str, id_column: str | None) -> Dataset:
    from datasets import Dataset, Features, Value
    from datasets.exceptions import DatasetGenerationError

    stat = Path(path).stat()  # a changed file is read again, not served from the datasets cache
    key = json.dumps([READER_VERSION, str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns, text_column,
                      id_column])
    try:
        return Dataset.from_generator(
            _jsonl_generator, features=Features({text_column: Value("string"), id_column or "id": Value("string")}),
            gen_kwargs={"path": path, "text_column": text_column, "id_column": id_column},
            fingerprint=hashlib.sha256(key.encode()).hexdigest()[:16])
    except DatasetGenerationError as error:
        cause = error.__cause__
        if isinstance(cause, (DataError, InputError, CorpusError)):
            raise CorpusError(str(cause)) from None
        raise CorpusError(f"{path}: cannot be read as jsonl: {type(cause or error).__name__}: {cause or error}"
                          ) from None


def _jsonl_generator(path: str, text_column: str, id_column: str | None) -> Iterator[dict]:
    ids, id_seen, row = ArticleIds(), False, -1
    for row, (number, record) in enumerate(jsonl_records(path)):
        if text_column not in record:
            raise DataError(f"no column {text_column!r}; columns found: {', '.join(record)}. Name the right one "
                            "with --text-column", path, number)
        text = record[text_column]
        if not isinstance(text, str):
            raise DataError(f"{text_column!r} is {type(text).__name__}, not a string; {ACCEPTED_ROWS}", path, number)
        id_seen = id_seen or (id_column or "id") in record
        yield {text_column: text, id_column or "id": ids.take(record.get(id_column or "id"), str(row), path, number)}
    if row < 0:  # datasets cannot hold a dataset of no rows: say it here
        raise CorpusError(f"{path} holds no articles (no rows, or only blank lines); {ACCEPTED_ROWS}")
    if id_column is not None and not id_seen:
        raise CorpusError(f"{path} has no column {id_column!r} in any line. Name the right one with --id-column")


def _parquet_rows(path: str, text_column: str, id_column: str | None) -> Dataset:
    import pyarrow.parquet as pq
    from datasets import load_dataset
    from datasets.exceptions import DatasetGenerationError

    try:
        metadata = pq.ParquetFile(path).metadata  # before datasets, which fails obscurely on a file of no rows
    except Exception as error:  # noqa: BLE001  (pyarrow raises several types for a file that is not Parquet)
        raise CorpusError(f"{path}: cannot be read as parquet: {type(error).__name__}: {error}") from None
    columns = metadata.schema.names
    for column, option in ((text_column, "--text-column"), (id_column, "--id-column")):
        if column is not None and column not in columns:
            raise CorpusError(f"{path} has no column {column!r}; columns found: {', '.join(columns)}. Name the "
                              f"right one with {option}")
    if metadata.num_rows == 0:
        raise CorpusError(f"{path} holds no articles (no rows); {ACCEPTED_ROWS}")
    try:
        dataset = load_dataset("parquet", data_files=path, split="train")
    except DatasetGenerationError as error:
        cause = error.__cause__ or error
        raise CorpusError(f"{path}: cannot be read as parquet: {type(cause).__name__}: {cause}") from None
    dataset = dataset.select_columns([c for c in (text_column, id_column or "id") if c in columns])
    _check_texts(dataset, path, text_column)
    _check_ids(dataset, path, id_column or "id")
    return dataset


def _check_texts(dataset: Dataset, path: str, text_column: str) -> None:
    """Every text of a Parquet input a string (JSONL lines are checked as they are read), before any work: the first
    that is not is a ``CorpusError`` naming its row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = dataset.data.table.column(text_column)
    strings = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
    if not strings or column.null_count:
        bad = pc.index(column.is_null(), True).as_py() if strings else 0
        raise CorpusError(f"row {bad} of {path}: {text_column!r} is {type(column[bad].as_py()).__name__}, not a "
                          "string")


def _check_ids(dataset: Dataset, path: str, id_column: str) -> None:
    """The id policy over a Parquet input's id column, in slices: bounded memory besides the ids themselves."""
    if id_column not in dataset.column_names:
        return
    ids = ArticleIds()
    for start in range(0, len(dataset), 10_000):
        for offset, value in enumerate(dataset[start : start + 10_000][id_column]):
            row = start + offset
            try:
                ids.take(value, str(row), f"{path} row {row}", None)
            except DataError as error:
                raise CorpusError(str(error)) from None


def row_ids(values: list | None, first: int, count: int) -> list[str]:
    """The ids of ``count`` rows from row ``first`` on, given their id column's ``values`` (None: no id column): as
    text, the row number where there is none. The ids were checked when the input was loaded.

    Example:
        >>> row_ids(["a", None, 7], 10, 3)
        ['a', '11', '7']
    """
    given = values if values is not None else [None] * count
    return [str(first + i) if value is None else str(value) for i, value in enumerate(given)]
