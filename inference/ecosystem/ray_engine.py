"""``python -m inference.corpus --engine ray``: the corpus on Ray Data, one model per worker, on this machine or a
cluster, resumable after a kill through Ray Data's own checkpointing.

Usage::

    pip install -e ".[ray]"
    python -m inference.corpus --input news.jsonl --output results.jsonl --engine ray --workers 2
    python -m inference.corpus --input news.parquet --output results.parquet --engine ray --address auto \\
        --num-gpus-per-worker 1
    # killed? run the same command again: the articles already done are skipped, by id

The input is read and checked here as the processes engine reads it (:mod:`inference.interface.corpus_input`: the
same ids, the same errors), and handed on by a Ray Data ``Datasource`` in blocks of ``--chunk-size`` rows;
``map_batches`` runs :class:`Extractor` on ``--workers`` actors (``ActorPoolStrategy``), each loading the model once,
with ``num_gpus`` each; ``write_parquet`` writes each block's results to a shard in ``OUTPUT.shards/data``.

Resuming is Ray Data's checkpointing (``DataContext.checkpoint_config``, keyed by the article id, in
``OUTPUT.shards/checkpoint``; on a cluster, OUTPUT's folder must be mounted by every node at the same path): a shard is
recorded as pending before it is written and committed after, so a restart deletes the shards a kill left uncommitted
and filters out the articles of committed ones before any worker sees them. As in the processes engine, ``job.json``
refuses a restart of another job, and a digest of each row done (id and text) one whose row has changed in the input.
At the end the shards are merged in input order into OUTPUT, the very bytes the processes engine writes.
"""

from __future__ import annotations

import argparse
import heapq
import logging
import os
import shutil
import sys
import time
from bisect import bisect_left
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..interface.cli_options import positive_int
from ..interface.corpus_input import file_format, load_input_rows, row_ids
from ..interface.corpus_resume import CorpusError, check_job, check_rows_done, row_digest

if TYPE_CHECKING:
    from datasets import Dataset

# Ray is imported in run() and the workers, inference.corpus there too (it imports this module): --help stays light.
OPTIONS = {"address": "--address", "workers": "--workers", "num_gpus_per_worker": "--num-gpus-per-worker"}
SHARD_SCHEMA = pa.schema([("row", pa.int64()), ("id", pa.string()), ("digest", pa.string()), ("line", pa.string())])


def add_options(parser: argparse.ArgumentParser) -> None:
    """``--engine`` and the ray engine's options, on the corpus command's ``parser``."""
    parser.add_argument("--engine", choices=("processes", "ray"), default="processes",
                        help="processes (default): this process, or those of accelerate launch / torchrun; ray: Ray "
                             "Data workers on this machine or a cluster (pip install -e '.[ray]'; docs/ray.md).")
    parser.add_argument("--address", default=None,
                        help="--engine ray: the cluster to join (auto, or HOST:PORT of its head; this machine must "
                             "be one of its nodes). Default: a Ray started on this machine for the run.")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="--engine ray: model workers, each loading the model once (default: one per CPU of the "
                             "cluster, or per GPU share with --num-gpus-per-worker).")
    parser.add_argument("--num-gpus-per-worker", type=float, default=None,
                        help="--engine ray: GPUs each worker reserves (default 0: CPU workers; 0.5: two a GPU).")


def check_options(options: argparse.Namespace) -> None:
    """A one-line ``CorpusError`` for an option that the chosen engine does not take, naming what is accepted."""
    given = [flag for key, flag in OPTIONS.items() if getattr(options, key) is not None]
    if options.engine != "ray" and given:
        raise CorpusError(f"{given[0]} needs --engine ray (the processes engine takes its processes from accelerate "
                          "launch or torchrun)")
    if options.engine == "ray" and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        raise CorpusError("--engine ray starts its own workers: run it as one process (python -m inference.corpus), "
                          "not under accelerate launch or torchrun")
    gpus = options.num_gpus_per_worker or 0.0  # given only with --engine ray, by now
    if not 0.0 <= gpus < float("inf"):
        raise CorpusError(f"--num-gpus-per-worker {gpus}: accepted: 0 or more (0.5: two workers share a GPU)")
    if gpus and options.backend not in (None, "torch"):
        raise CorpusError(f"--backend {options.backend} runs on the CPU; accepted with --num-gpus-per-worker: "
                          "--backend torch (or none)")


class Extractor:
    """The model worker of ``map_batches``, one Ray actor each: loads the model once, then turns a block of input rows
    (``row``, ``id``, ``text``) into shard rows (``row``, ``id``, ``digest``, ``line``: the output line).

    Example: ``Extractor(None, "torch", "cpu", 16, None, weights_sha256(DEFAULT_MODEL))(pa.table({"row": [0], "id":
    ["a"], "text": ["Police said two people died."]}))["line"][0]`` is ``result_line("a", extract(text))``.
    """

    def __init__(self, model: str | None, backend: str, device: str, batch_size: int, threshold: float | None,
                 weights: str | None, stop_after: int = 0) -> None:
        from ..core.model_folder import DEFAULT_MODEL, weights_sha256
        from ..interface.api import load_predictor
        from ..runtime.hub import resolve_model_dir

        folder = resolve_model_dir(DEFAULT_MODEL if model is None else model)
        if weights_sha256(folder) != weights:  # a node with another copy would mix two models' results in one output
            raise RuntimeError(f"{model or 'the default model'} on {os.uname().nodename} ({folder}) has other weights "
                               "than on the driver; accepted: the same model on every node")
        self.predictor = load_predictor(folder, device, backend)
        self.batch_size, self.threshold, self.stop_after, self.batches = batch_size, threshold, stop_after, 0

    def __call__(self, batch: pa.Table) -> pa.Table:
        from ..corpus import result_line
        from ..interface.api import extract

        self.batches += 1
        if self.stop_after and self.batches > self.stop_after:
            time.sleep(3600)  # for tests (STOP_AFTER): hang here, as a stalled worker would, until the run is killed
        ids, texts = batch["id"].to_pylist(), batch["text"].to_pylist()
        results = extract(texts, model=self.predictor, batch_size=self.batch_size, threshold=self.threshold)
        return pa.table({"row": batch["row"], "id": batch["id"],
                         "digest": [row_digest(i, text) for i, text in zip(ids, texts, strict=True)],
                         "line": [result_line(i, r) for i, r in zip(ids, results, strict=True)]}, schema=SHARD_SCHEMA)


def input_datasource(dataset: Dataset, text_column: str, id_column: str, size: int) -> Any:
    """The checked input as a Ray Data ``Datasource``: a read task per ``size`` rows, each a block of ``row`` (the
    input row number), ``id`` (as text, as the processes engine writes it) and ``text``."""
    from ray.data import Datasource, ReadTask
    from ray.data.block import BlockMetadata

    def read(start: int, end: int) -> list[pa.Table]:  # a memory-mapped slice of the datasets cache
        table = dataset.with_format("arrow")[start:end]
        ids = row_ids(table[id_column].to_pylist() if id_column in table.column_names else None, start, end - start)
        return [pa.table({"row": pa.array(range(start, end), pa.int64()), "id": pa.array(ids, pa.string()),
                          "text": table[text_column]})]

    class InputRows(Datasource):
        supports_distributed_reads = False  # the datasets cache is on this machine: Ray reads it here

        def estimate_inmemory_data_size(self) -> int:
            return dataset.data.nbytes

        def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None,
                           data_context: Any = None) -> list[ReadTask]:
            return [ReadTask(lambda start=start: read(start, min(start + size, len(dataset))),
                             BlockMetadata(num_rows=min(size, len(dataset) - start), size_bytes=None,
                                           input_files=None, exec_stats=None))
                    for start in range(0, len(dataset), size)]

    return InputRows()


def run(options: argparse.Namespace, shards: Path) -> None:
    """The ray engine, after the checks both engines share: the input, the job and the rows done checked, the Ray
    Data job run (this machine's Ray, started and stopped here, or the one at ``--address``), the shards merged."""
    from ..corpus import STOP_AFTER, job_record, resolve_model, write_job, write_output

    try:
        import ray
        from ray.data.checkpoint import CheckpointConfig  # noqa: F401  (Ray Data's checkpointing; tested: 2.60)
    except ModuleNotFoundError as error:
        raise CorpusError(f"--engine ray needs Ray Data with checkpointing, and {error.name} is missing: pip install "
                          "-e '.[ray]'") from None
    dataset = load_input_rows(options.input, file_format(options.input, options.input_format), options.text_column,
                              options.id_column)
    gpus = options.num_gpus_per_worker or 0.0
    folder, backend = resolve_model(argparse.Namespace(**{**vars(options), "backend": options.backend or (
        "torch" if gpus else None)}), "cpu")  # GPU workers run torch; CPU ones the model's fastest gated backend
    job = job_record(options, len(dataset), folder, backend)
    check_job(shards, job)
    _check_rows_done(shards, dataset, options)
    write_job(shards, job)
    before = {path.name for path in _shard_files(shards)}
    extractor = {"model": options.model, "backend": backend, "device": "cuda" if gpus else "cpu",
                 "batch_size": options.batch_size, "threshold": options.threshold,
                 "weights": job["weights_sha256"], "stop_after": int(os.environ.get(STOP_AFTER, "0"))}
    if started := not ray.is_initialized():  # a Ray that the caller started is the caller's to stop
        try:  # without --address, a Ray of this machine's CPUs and GPUs, for this run only
            ray.init(address=options.address, logging_level=logging.WARNING,
                     **({} if options.address else {"include_dashboard": False}))
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise CorpusError(f"--address {options.address}: cannot join a Ray cluster there ({error}); accepted: "
                              "auto, or HOST:PORT of the head of a running cluster (ray start --head)") from None
    try:
        _execute(ray, dataset, shards, options, extractor)
    finally:
        if started:
            ray.shutdown()
    files = _shard_files(shards)
    done_now = sum(pq.ParquetFile(path).metadata.num_rows for path in files if path.name not in before)
    # The shards' uncompressed size: a little more than their lines take in a JSONL output.
    needed = sum(m.row_group(i).total_byte_size for m in map(pq.read_metadata, files) for i in range(m.num_row_groups))
    write_output(_merged_lines(files, len(dataset), shards), Path(options.output), needed, f"the shards in {shards}")
    shutil.rmtree(shards)
    print(f"wrote {len(dataset)} articles to {options.output} ({done_now} extracted by this run, "
          f"{len(dataset) - done_now} kept from an earlier one)", file=sys.stderr)


def _execute(ray: Any, dataset: Dataset, shards: Path, options: argparse.Namespace, extractor: dict) -> None:
    """Run the Ray Data job: read → ``map_batches(Extractor)`` → ``write_parquet``, checkpointed by article id."""
    from ray.data import ActorPoolStrategy, DataContext
    from ray.data.checkpoint import CheckpointConfig

    gpus = options.num_gpus_per_worker or 0.0
    resources = ray.cluster_resources()
    workers = options.workers or max(1, int(resources.get("GPU", 0) // gpus if gpus else resources.get("CPU", 1)))
    if options.address is None and (workers > resources.get("CPU", 0) or workers * gpus > resources.get("GPU", 0)):
        raise CorpusError(f"--workers {workers} with {gpus:g} GPU(s) each need {workers} CPUs and {workers * gpus:g} "
                          f"GPUs; this machine has {resources.get('CPU', 0):g} and {resources.get('GPU', 0):g}")
    # Reading and writing take no CPU of the workers' (with a CPU each they would wait for one forever on a machine
    # whose CPUs all run workers), one task at a time: light work, and no swarm of idle worker processes.
    context = DataContext.get_current()
    # Kept after success: only the merge ends the run, and a kill before it must find every article done.
    context.checkpoint_config = CheckpointConfig(id_column="id", checkpoint_path=str(shards.resolve() / "checkpoint"),
                                                 delete_checkpoint_on_success=False)
    try:
        rows = ray.data.read_datasource(input_datasource(dataset, options.text_column, options.id_column or "id",
                                                         options.chunk_size), num_cpus=0, concurrency=1)
        results = rows.map_batches(Extractor, batch_size=options.chunk_size, batch_format="pyarrow",
                                   fn_constructor_kwargs=extractor, compute=ActorPoolStrategy(size=workers),
                                   num_gpus=gpus or None)
        results.write_parquet(str(shards.resolve() / "data"), concurrency=1, ray_remote_args={"num_cpus": 0})
    finally:
        context.checkpoint_config = None


def _shard_files(shards: Path) -> list[Path]:  # what the write tasks wrote, committed or not
    return sorted((shards / "data").glob("*.parquet"))


def _check_rows_done(shards: Path, dataset: Dataset, options: argparse.Namespace) -> None:
    """Refuse to resume when a row that has results in a shard has changed in the input since."""
    tables = [_digests(path) for path in _shard_files(shards)]
    if not any(tables):
        return
    stored = pa.concat_tables([table for table in tables if table]).sort_by("row")
    numbers, id_column = stored["row"].to_pylist(), options.id_column or "id"

    def rows_done() -> Iterator[tuple[int, str, object]]:  # in slices of the input: bounded memory on any corpus
        first = 0
        for start in range(0, len(dataset), 10_000):
            last = bisect_left(numbers, start + 10_000, first)
            if last > first:
                rows = dataset[start : start + 10_000]
                ids = row_ids(rows.get(id_column), start, len(rows[options.text_column]))
                yield from ((n, ids[n - start], rows[options.text_column][n - start]) for n in numbers[first:last])
            first = last

    check_rows_done(rows_done(), stored["digest"].to_pylist(), shards / "data", options.input)


def _digests(path: Path) -> pa.Table | None:
    try:
        return pq.read_table(path, columns=["row", "digest"])
    except (OSError, pa.ArrowInvalid):  # a shard a kill cut short: still pending, so Ray deletes it before the run
        return None


def _merged_lines(files: list[Path], count: int, shards: Path) -> Iterator[bytes]:
    """The shards' lines in input order, every row exactly once (else a ``CorpusError``). Each shard holds ascending
    rows; a heap merges the shards whose rows interleave (one run's with those of the run killed before it), opening
    a shard only when its first row is due: few are open at once, however many there are."""
    starts = sorted((pq.read_table(path, columns=["row"])["row"][0].as_py(), str(path)) for path in files
                    if pq.read_metadata(path).num_rows)
    heap: list[tuple[int, int, str, Iterator[tuple[int, str]]]] = []
    opened = 0
    for expected in range(count):
        while opened < len(starts) and starts[opened][0] <= expected:
            _push(heap, _shard_rows(starts[opened][1]), opened)
            opened += 1
        if not heap or heap[0][0] != expected:
            raise CorpusError(f"{shards} has no results for row {expected}, or has them twice; delete {shards} to "
                              "start over")
        _, tie, line, rows = heapq.heappop(heap)
        yield line.encode("utf-8")
        _push(heap, rows, tie)
    if heap or opened < len(starts):
        raise CorpusError(f"{shards} holds results for more than the {count} rows of the input; delete {shards} to "
                          "start over")


def _push(heap: list, rows: Iterator[tuple[int, str]], tie: int) -> None:
    following = next(rows, None)  # the shard's next row, if any
    if following is not None:
        heapq.heappush(heap, (following[0], tie, following[1], rows))


def _shard_rows(path: str) -> Iterator[tuple[int, str]]:
    for batch in pq.ParquetFile(path).iter_batches(batch_size=1024, columns=["row", "line"]):
        yield from zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(), strict=True)

