"""Extract events and claims from a whole corpus: sharded over processes and GPUs, resumable after a kill.

Usage::

    python -m inference.corpus --input news.jsonl --output results.jsonl
    accelerate launch --num_processes 4 -m inference.corpus --input news.parquet --output results.parquet
    # killed? run the same command again: every process goes on where it stopped

Each input row has ``text`` and optionally ``id`` (``--text-column``, ``--id-column``; a missing id becomes the row
index); each output row is ``{"id": ..., "events": [...], "claims": [...]}``, as ``inference.extract(text).to_dict()``
gives, in input order. Ids are written as strings.

Process k of n takes the k-th contiguous shard of the input and appends one JSON line per article to its own part file,
``OUTPUT.parts/part-0000k-of-0000n.jsonl``, flushed to disk after each chunk, so a kill loses at most the chunk in
flight. A restarted process counts the complete lines of its part, cuts off a line the kill left half-written, and
skips that many rows. Beside each part, ``part-0000k-of-0000n.sha256`` holds a digest of every row done (its id and
text), written before the row's results: a restart first checks that none of those rows has changed in the input
(stored results would no longer index the text) and refuses, naming the first changed row, if one has. When every
process is done, the main process concatenates the parts in order into OUTPUT and removes the parts folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from .core.articles import DataError, iter_json_lines
from .interface.cli_options import add_extraction_options, positive_int
from .interface.corpus_resume import CorpusError, check_job, check_rows_done, complete_lines, read_digests, row_digest
from .interface.results import arrow_schema

# torch, accelerate, datasets and the model are imported where they are used, after the arguments are parsed: --help
# answers without them.
if TYPE_CHECKING:
    from accelerate import PartialState
    from datasets import Dataset

STOP_AFTER = "INFERENCE_CORPUS_STOP_AFTER"  # for tests: every process exits after this many chunks, as if killed
FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet"}

# Parquet output keeps the nested structure of Extraction.to_dict() (queryable as is, e.g. events.type in DuckDB or
# pandas) under one fixed schema, derived from the result classes: inferring it from the rows would give list<null>
# whenever a batch has no events, and files (or row groups) whose types differ.
PARQUET_SCHEMA = arrow_schema()


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


def part_path(parts: Path, index: int, count: int) -> Path:
    """The part file of process ``index`` of ``count``.

    Example:
        >>> part_path(Path("out.jsonl.parts"), 0, 2).name
        'part-00000-of-00002.jsonl'
    """
    return parts / f"part-{index:05d}-of-{count:05d}.jsonl"


def unreadable_input(path: str, input_format: str, error: Exception) -> CorpusError:
    """The error for an input ``datasets`` could not read: ``file:line: what is wrong`` for the first bad JSON line
    (``datasets`` buries the row in a long traceback), else what ``datasets`` said."""
    if input_format == "jsonl":
        try:
            for _ in iter_json_lines(path):
                pass
        except DataError as bad:
            return CorpusError(f"{bad}; accepted: one JSON object per line")
    cause = error.__cause__ or error
    return CorpusError(f"{path}: cannot be read as {input_format}: {type(cause).__name__}: {cause}")


def load_input_rows(path: str, input_format: str, text_column: str, id_column: str | None) -> Dataset:
    """The input as a ``datasets.Dataset`` holding only the text column and the id column (when there is one)."""
    from datasets import load_dataset
    from datasets.exceptions import DatasetGenerationError

    try:
        dataset = load_dataset("json" if input_format == "jsonl" else "parquet", data_files=path, split="train")
    except DatasetGenerationError as error:
        raise unreadable_input(path, input_format, error) from None
    columns = dataset.column_names
    for column, option in ((text_column, "--text-column"), (id_column, "--id-column")):
        if column is not None and column not in columns:
            raise CorpusError(f"{path} has no column {column!r}; columns found: {', '.join(columns)}. Name the "
                              f"right one with {option}")
    return dataset.select_columns([c for c in (text_column, id_column or "id") if c in columns])


def extract_shard(dataset: Dataset, part: Path, state: PartialState, predictor, options) -> None:
    """Extract this process's shard of ``dataset`` into ``part``, after the rows it already holds."""
    from .interface.api import extract

    n, k = state.num_processes, state.process_index
    shard = dataset.shard(num_shards=n, index=k, contiguous=True)
    first = sum(len(dataset.shard(num_shards=n, index=i, contiguous=True)) for i in range(k))  # its first row
    id_column = options.id_column or "id"

    def ids(rows: dict, start: int) -> list[str]:  # global row index where the id is missing
        given = rows.get(id_column) or [None] * len(rows[options.text_column])
        return [str(first + start + i) if v is None else str(v) for i, v in enumerate(given)]

    done = complete_lines(part)
    if done > len(shard):
        raise CorpusError(f"{part} holds {done} rows, more than the {len(shard)} of its shard of the input (changed "
                          f"since the run that wrote it?); delete {part.parent} to start over")
    digests = part.with_suffix(".sha256")

    def rows_done() -> Iterator[tuple[int, str, object]]:  # in slices: bounded memory on any corpus
        for start in range(0, done, 10_000):
            rows = shard[start : min(done, start + 10_000)]
            for offset, (row_id, text) in enumerate(zip(ids(rows, start), rows[options.text_column], strict=True)):
                yield first + start + offset, row_id, text

    check_rows_done(rows_done(), read_digests(digests, done), part, options.input)
    stop_after = int(os.environ.get(STOP_AFTER, "0"))
    shown = f"extracting (shard 1 of {n})" if n > 1 else "extracting"  # the main process's shard shows the pace
    with (open(digests, "a", encoding="ascii") as hashes, open(part, "a", encoding="utf-8") as out,
          tqdm(total=len(shard), initial=done, unit="article", desc=shown, file=sys.stderr,
               disable=None if state.is_main_process else True) as bar):
        for number, start in enumerate(range(done, len(shard), options.chunk_size), start=1):
            rows = shard[start : start + options.chunk_size]
            texts = rows[options.text_column]
            for i, text in enumerate(texts):
                if not isinstance(text, str):
                    raise CorpusError(f"row {first + start + i} of {options.input}: {options.text_column!r} is "
                                      f"{type(text).__name__}, not a string")
            results = extract(texts, model=predictor, batch_size=options.batch_size, threshold=options.threshold)
            row_ids = ids(rows, start)
            # The digests go to disk first, so every row in the part has one, whenever the kill comes.
            hashes.write("".join(row_digest(i, text) + "\n" for i, text in zip(row_ids, texts, strict=True)))
            hashes.flush()
            os.fsync(hashes.fileno())
            out.write("".join(json.dumps({"id": i, **r.to_dict()}, ensure_ascii=False) + "\n"
                              for i, r in zip(row_ids, results, strict=True)))
            out.flush()
            os.fsync(out.fileno())  # on disk before the next chunk starts: what a restart counts is really there
            bar.update(len(texts))
            if number == stop_after:
                state.wait_for_everyone()  # all processes have written as much: the same parts on every test run
                os._exit(3)


def merge(parts: list[Path], output: Path) -> None:
    """Concatenate the part files, in order, into ``output`` (JSONL or Parquet by its suffix), atomically."""
    temporary = output.with_name(output.name + ".tmp")  # a kill while merging leaves no half-written output
    if file_format(str(output)) == "jsonl":
        with open(temporary, "wb") as out:
            for part in parts:
                with open(part, "rb") as file:
                    shutil.copyfileobj(file, out)
    else:
        with pq.ParquetWriter(temporary, PARQUET_SCHEMA) as writer:
            for part in parts:  # row groups of at most 10,000 rows: bounded memory on any corpus
                with open(part, encoding="utf-8") as file:
                    rows = []
                    for line in file:
                        rows.append(json.loads(line))
                        if len(rows) == 10_000:
                            writer.write_table(pa.Table.from_pylist(rows, schema=PARQUET_SCHEMA))
                            rows = []
                    if rows:
                        writer.write_table(pa.Table.from_pylist(rows, schema=PARQUET_SCHEMA))
    os.replace(temporary, output)


def run(options: argparse.Namespace) -> None:
    import torch
    from accelerate import PartialState
    from accelerate.utils import parse_flag_from_env

    from .interface.api import load_predictor

    output = Path(options.output)
    input_format = file_format(options.input, options.input_format)
    file_format(options.output)  # an unknown output suffix fails now, not after the whole corpus
    # PartialState only joins the processes of a CPU launch with cpu=True; `accelerate launch --cpu` asks for it too.
    state = PartialState(cpu=parse_flag_from_env("ACCELERATE_USE_CPU") or not torch.cuda.is_available())
    parts = output.with_name(output.name + ".parts")
    # Every check comes before anything is written, so all processes see the same files and fail alike.
    if output.exists() and not parts.exists() and not options.overwrite:
        raise CorpusError(f"{output} exists; pass --overwrite to compute it again")
    with state.main_process_first():  # the main process converts the input into the datasets cache, then the others
        dataset = load_input_rows(options.input, input_format, options.text_column, options.id_column)
    job = {"input": str(Path(options.input).resolve()), "rows": len(dataset), "processes": state.num_processes,
           "model": str(options.model or "default"), "backend": options.backend, "threshold": options.threshold,
           "text_column": options.text_column, "id_column": options.id_column}
    check_job(parts, job)
    state.wait_for_everyone()
    if state.is_main_process and not (parts / "job.json").is_file():
        parts.mkdir(parents=True, exist_ok=True)
        (parts / "job.json.tmp").write_text(json.dumps(job, indent=1), encoding="utf-8")
        os.replace(parts / "job.json.tmp", parts / "job.json")
    state.wait_for_everyone()

    # The ONNX backends run on the CPU: every process of a GPU launch would then use the CPU.
    predictor = load_predictor(options.model, state.device if options.backend == "torch" else "cpu", options.backend)
    extract_shard(dataset, part_path(parts, state.process_index, state.num_processes), state, predictor, options)
    state.wait_for_everyone()
    if state.is_main_process:
        merge([part_path(parts, i, state.num_processes) for i in range(state.num_processes)], output)
        shutil.rmtree(parts)
        print(f"wrote {len(dataset)} articles to {output}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    lines = __doc__.splitlines()
    parser = argparse.ArgumentParser(prog="python -m inference.corpus", description=lines[0], epilog="\n".join(
        lines[2:]), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", required=True, help="JSONL or Parquet file, one article per row.")
    parser.add_argument("--output", required=True, help="JSONL or Parquet file (by its suffix) to write.")
    parser.add_argument("--input-format", choices=["jsonl", "parquet"], default=None,
                        help="How to read --input (default: from its suffix).")
    parser.add_argument("--text-column", default="text", help="Column holding the article text.")
    parser.add_argument("--id-column", default=None,
                        help="Column holding the article id (default: 'id' when present, else the row index).")
    add_extraction_options(parser)
    parser.add_argument("--chunk-size", type=positive_int, default=64,
                        help="Articles per extract call, and per write to disk (what a kill can lose).")
    parser.add_argument("--overwrite", action="store_true", help="Compute --output again when it exists.")
    options = parser.parse_args(argv)
    try:
        run(options)
    except CorpusError as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")


if __name__ == "__main__":
    main()
