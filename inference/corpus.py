"""Extract events and claims from a whole corpus: sharded over processes and GPUs, resumable after a kill.

Usage::

    python -m inference.corpus --input news.jsonl --output results.jsonl
    accelerate launch --num_processes 4 -m inference.corpus --input news.parquet --output results.parquet
    python -m inference.corpus --input news.jsonl --output results.jsonl --engine ray --workers 8  # pip: [ray]
    # killed? run the same command again: every process goes on where it stopped

Each input row has ``text`` and optionally ``id`` (``--text-column``, ``--id-column``; an id is a string or an
integer, a missing one becomes the row number, and two rows with the same id are an error naming both); each output
row is ``{"id": ..., "events": ..., "claims": ..., "entities": ...}``, as ``inference.extract(text).to_dict()``
gives, in input order. Ids are written as strings.

Process k of n takes the k-th contiguous shard of the input and appends one JSON line per article to its own part file,
``OUTPUT.parts/part-0000k-of-0000n.jsonl``, flushed to disk after each chunk, so a kill loses at most the chunk in
flight. A restarted process counts the complete lines of its part, cuts off a line the kill left half-written, and
skips that many rows, unless ``OUTPUT.parts/job.json`` shows another job (another input or options, other weights by
their sha256, another backend): then it refuses. Beside each part, ``part-0000k-of-0000n.sha256`` holds a digest of
every row done (its id and text), written before the row's results: a restart first checks that none of those rows
has changed in the input (stored results would no longer index the text) and refuses, naming the first changed row,
if one has. When every process is done, the main process concatenates the parts in order into OUTPUT (a JSONL output
needs as much free disk as the parts take, checked first) and removes the parts folder.

That is the ``processes`` engine, the default. ``--engine ray`` runs the same extraction on Ray Data instead, one model
per worker on this machine or a cluster (``--address``), with the same inputs, errors and output bytes: see
:mod:`inference.ecosystem.ray_engine` and docs/ray.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from .ecosystem import ray_engine  # light: Ray itself is imported when --engine ray runs
from .interface.cli_options import add_extraction_options, positive_int
from .interface.corpus_input import file_format, load_input_rows, row_ids
from .interface.corpus_resume import CorpusError, check_job, check_rows_done, complete_lines, read_digests, row_digest
from .interface.outputs import OutputError, check_outputs
from .interface.results import arrow_schema

# torch, accelerate, datasets and the model are imported where they are used, after the arguments are parsed: --help
# answers without them.
if TYPE_CHECKING:
    from accelerate import PartialState
    from datasets import Dataset

# For tests: every process exits after this many chunks, as if killed (with --engine ray, every worker hangs instead)
STOP_AFTER = "INFERENCE_CORPUS_STOP_AFTER"

# Parquet output keeps the nested structure of Extraction.to_dict() (queryable as is, e.g. events.type in DuckDB or
# pandas) under one fixed schema, derived from the result classes: inferring it from the rows would give list<null>
# whenever a batch has no events, and files (or row groups) whose types differ.
PARQUET_SCHEMA = arrow_schema()


def part_path(parts: Path, index: int, count: int) -> Path:
    """The part file of process ``index`` of ``count``.

    Example:
        >>> part_path(Path("out.jsonl.parts"), 0, 2).name
        'part-00000-of-00002.jsonl'
    """
    return parts / f"part-{index:05d}-of-{count:05d}.jsonl"


def extract_shard(dataset: Dataset, part: Path, state: PartialState, predictor, options) -> None:
    """Extract this process's shard of ``dataset`` into ``part``, after the rows it already holds."""
    from .interface.api import extract

    n, k = state.num_processes, state.process_index
    shard = dataset.shard(num_shards=n, index=k, contiguous=True)
    first = sum(len(dataset.shard(num_shards=n, index=i, contiguous=True)) for i in range(k))  # its first row
    id_column = options.id_column or "id"

    def ids(rows: dict, start: int) -> list[str]:  # the global row number where the id is missing
        return row_ids(rows.get(id_column), first + start, len(rows[options.text_column]))

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
            texts = rows[options.text_column]  # strings: checked when the input was loaded
            results = extract(texts, model=predictor, batch_size=options.batch_size, threshold=options.threshold)
            chunk_ids = ids(rows, start)
            # The digests go to disk first, so every row in the part has one, whenever the kill comes.
            hashes.write("".join(row_digest(i, text) + "\n" for i, text in zip(chunk_ids, texts, strict=True)))
            hashes.flush()
            os.fsync(hashes.fileno())
            out.write("".join(result_line(i, r) for i, r in zip(chunk_ids, results, strict=True)))
            out.flush()
            os.fsync(out.fileno())  # on disk before the next chunk starts: what a restart counts is really there
            bar.update(len(texts))
            if number == stop_after:
                state.wait_for_everyone()  # all processes have written as much: the same parts on every test run
                os._exit(3)


def result_line(row_id: str, result) -> str:
    """One output line: the article's id, then ``extract``'s result for it (the same bytes from either engine).

    Example:
        >>> from inference.interface.results import Extraction
        >>> result_line("a1", Extraction())
        '{"id": "a1", "events": [], "claims": [], "entities": []}\\n'
    """
    return json.dumps({"id": row_id, **result.to_dict()}, ensure_ascii=False) + "\n"


def write_output(lines: Iterable[bytes], output: Path, needed: int, kept: str) -> None:
    """Write result ``lines``, in order, to ``output`` (JSONL as they are, Parquet under ``PARQUET_SCHEMA``),
    atomically: a kill or a failure (a full disk, say) leaves ``output`` as it was, no temporary file, and ``kept``
    (what the lines come from) to merge again. ``needed``: the bytes a JSONL output will take, checked first."""
    jsonl = file_format(str(output)) == "jsonl"
    free = shutil.disk_usage(output.parent).free
    if jsonl and needed > free:  # a JSONL output is the lines' size; a Parquet one smaller, known once written
        raise CorpusError(f"merging {kept} into {output} needs {needed / 1e6:,.1f} MB free in {output.parent}, "
                          f"which has {free / 1e6:,.1f} MB: free some space and run the same command again")
    temporary = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        if jsonl:
            with open(temporary, "wb") as out:
                out.writelines(lines)
        else:
            _write_parquet(lines, temporary)
        os.replace(temporary, output)
    except OSError as error:
        raise CorpusError(f"merging {kept} into {output} failed ({error}); {output} is as it was and {kept} are "
                          "kept: run the same command again") from None
    finally:
        temporary.unlink(missing_ok=True)


def _lines(paths: list[Path]) -> Iterator[bytes]:
    for path in paths:
        with open(path, "rb") as file:
            yield from file


def _write_parquet(lines: Iterable[bytes], path: Path) -> None:
    with pq.ParquetWriter(path, PARQUET_SCHEMA) as writer:
        rows = []
        for line in lines:  # row groups of at most 10,000 rows: bounded memory on any corpus
            rows.append(json.loads(line))
            if len(rows) == 10_000:
                writer.write_table(pa.Table.from_pylist(rows, schema=PARQUET_SCHEMA))
                rows = []
        if rows:
            writer.write_table(pa.Table.from_pylist(rows, schema=PARQUET_SCHEMA))


def resolve_model(options: argparse.Namespace, device) -> tuple[Path, str]:
    """The model folder and the backend this run uses (what ``job.json`` records, with the weights' sha256)."""
    from .core.model_folder import DEFAULT_MODEL
    from .runtime.backends import default_backend
    from .runtime.hub import resolve_model_dir

    try:
        folder = resolve_model_dir(DEFAULT_MODEL if options.model is None else options.model)
        return folder, options.backend or default_backend(folder, device)
    except (ValueError, TypeError, OSError) as error:
        raise CorpusError(str(error)) from None


def job_record(options: argparse.Namespace, rows: int, folder: Path, backend: str) -> dict:
    """What ``job.json`` records of a run, for a restart to compare: the input, the options that change results, and
    the weights and the backend as resolved, not as asked (a resume onto other weights at the same path, or onto
    another default backend, would mix two models' results in one output)."""
    from .core.model_folder import weights_sha256

    return {"input": str(Path(options.input).resolve()), "rows": rows, "model": str(options.model or "default"),
            "weights_sha256": weights_sha256(folder), "backend": backend, "threshold": options.threshold,
            "text_column": options.text_column, "id_column": options.id_column}


def write_job(folder: Path, job: dict) -> None:
    """Create ``folder`` with ``job.json`` (atomically), unless a run of this job (see ``check_job``) made it."""
    if not (folder / "job.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "job.json.tmp").write_text(json.dumps(job, indent=1), encoding="utf-8")
        os.replace(folder / "job.json.tmp", folder / "job.json")


def run(options: argparse.Namespace) -> None:
    """The checks both engines share, each a one-line ``CorpusError`` before any work, then the engine's run."""
    check_outputs({"--output": options.output}, [options.input])  # first: every process fails alike, before work
    ray_engine.check_options(options)  # an option of one engine given to the other, say
    file_format(options.input, options.input_format)
    file_format(options.output)  # an unknown output suffix fails now, not after the whole corpus
    output = Path(options.output)
    folders = {"processes": output.with_name(output.name + ".parts"), "ray": output.with_name(output.name + ".shards")}
    for engine, folder in folders.items():
        if engine != options.engine and folder.exists():
            raise CorpusError(f"{folder} holds the unfinished run of --engine {engine}: resume it with --engine "
                              f"{engine}, or delete {folder} to start over")
    if output.exists() and not folders[options.engine].exists() and not options.overwrite:
        raise CorpusError(f"{output} exists; pass --overwrite to compute it again")
    if options.engine == "ray":
        ray_engine.run(options, folders["ray"])
    else:
        run_processes(options, folders["processes"])


def run_processes(options: argparse.Namespace, parts: Path) -> None:
    """The ``processes`` engine: this process's shard into its part, then (main process) the merge."""
    import torch
    from accelerate import PartialState
    from accelerate.utils import parse_flag_from_env

    from .interface.api import load_predictor

    # PartialState only joins the processes of a CPU launch with cpu=True; `accelerate launch --cpu` asks for it too.
    state = PartialState(cpu=parse_flag_from_env("ACCELERATE_USE_CPU") or not torch.cuda.is_available())
    with state.main_process_first():  # the main process converts the input into the datasets cache, then the others
        dataset = load_input_rows(options.input, file_format(options.input, options.input_format),
                                  options.text_column, options.id_column)
    # The ONNX backends run on the CPU: every process of a GPU launch would then use the CPU.
    device = state.device if options.backend == "torch" else "cpu"
    folder, backend = resolve_model(options, device)
    job = {**job_record(options, len(dataset), folder, backend), "processes": state.num_processes}
    check_job(parts, job)
    state.wait_for_everyone()
    if state.is_main_process:
        write_job(parts, job)
    state.wait_for_everyone()

    predictor = load_predictor(options.model, device, backend)
    extract_shard(dataset, part_path(parts, state.process_index, state.num_processes), state, predictor, options)
    state.wait_for_everyone()
    if state.is_main_process:
        paths = [part_path(parts, i, state.num_processes) for i in range(state.num_processes)]
        write_output(_lines(paths), Path(options.output), sum(path.stat().st_size for path in paths), "the parts")
        shutil.rmtree(parts)
        print(f"wrote {len(dataset)} articles to {options.output}", file=sys.stderr)


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
                        help="Column holding the article id (default: 'id' when present). An id is a string or an "
                             "integer, written as text; a row without one gets its row number; two rows with one id "
                             "are an error naming both.")
    add_extraction_options(parser)
    parser.add_argument("--chunk-size", type=positive_int, default=64,
                        help="Articles per extract call, and per write to disk (what a kill can lose).")
    parser.add_argument("--overwrite", action="store_true", help="Compute --output again when it exists.")
    ray_engine.add_options(parser)
    options = parser.parse_args(argv)
    try:
        run(options)
    except (CorpusError, OutputError) as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    except KeyboardInterrupt:  # a line, not a traceback: the parts keep every chunk written
        parser.exit(130, f"{parser.prog}: interrupted; run the same command again to go on where it stopped\n")


if __name__ == "__main__":
    main()
