"""``python -m inference.corpus --engine ray`` on a local Ray (this machine's CPUs, 2 workers) and the tiny random
model, against the processes engine on the same input: the same bytes, uninterrupted and after a real SIGKILL of the
driver and a resume; the refusals and option errors of the ray engine.

Each Ray run is a process of its own, as a user runs it: it starts its own Ray and stops it, and a kill must be a real
one. The refusals are checked before Ray starts, so they run in this process."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from inference.corpus import STOP_AFTER
from inference.interface.results import arrow_schema
from tests.e2e.test_corpus import MODULE, corpus, corpus_args, ids, news, read_jsonl, reference, rows  # noqa: F401
from tests.processes import command_env, kill_tree, run_command

pytest.importorskip("ray.data.checkpoint", reason="--engine ray is optional: pip install -e '.[ray]'")

RAY = ("--engine", "ray", "--workers", "2")
# The Ray processes of a local cluster that must end with its driver (kernel fate sharing; workers with their raylet).
CORE = ("gcs_server", "raylet", "ray::MapWorker", "ray::IDLE", "ray::ReadInputRows")


def ray_run(*args: str) -> str:
    """``python -m inference.corpus ARGS`` as a process of its own; its stderr (it must succeed)."""
    return run_command(sys.executable, *MODULE, *args, timeout=240).stderr


def committed(shards: Path) -> list[Path]:
    """The shards Ray Data's checkpointing has committed (a pending one ends in .pending.parquet)."""
    return [p for p in (shards / "checkpoint").glob("*.parquet") if not p.name.endswith(".pending.parquet")]


def sorted_by_id(path: Path) -> list[str]:
    return sorted(path.read_text(encoding="utf-8").splitlines(), key=lambda line: json.loads(line)["id"])


def kill_driver_after(command: tuple[str, ...], shards: Path, count: int) -> list[str]:
    """Run ``command`` with every worker hanging after one chunk (``STOP_AFTER``), wait until ``count`` shards are
    committed, SIGKILL the driver alone, and return the names of the Ray processes that outlived it by 30 s."""
    process = psutil.Popen([sys.executable, *MODULE, *command], env=command_env(**{STOP_AFTER: "1"}),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 240
        while len(committed(shards)) < count:
            assert process.poll() is None, process.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, f"{len(committed(shards))} shards committed after 240 s"
            time.sleep(0.2)
        time.sleep(1)  # the hung workers really are hung: nothing more gets committed
        assert len(committed(shards)) == count
        ray_processes = process.children(recursive=True)
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    except BaseException:
        kill_tree(process.pid)
        raise
    _, alive = psutil.wait_procs(ray_processes, timeout=30)
    left = []
    for survivor in alive:  # orphans now: the fixture that catches leftovers no longer sees them
        try:
            left.append(" ".join(survivor.cmdline()[:1]))
            survivor.kill()
        except psutil.NoSuchProcess:
            pass
    return left


def test_uninterrupted_parquet_run_equals_processes_engine(tmp_path, rows, reference, tiny_model_dir):  # noqa: F811
    source, output = tmp_path / "news.parquet", tmp_path / "out.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source)
    stderr = ray_run(*corpus_args(source, output, tiny_model_dir), *RAY)
    assert f"wrote {len(rows)} articles to {output} ({len(rows)} extracted by this run, 0 kept" in stderr
    assert pq.read_table(output).to_pylist() == read_jsonl(reference)
    assert pq.read_schema(output).remove_metadata() == arrow_schema()  # the processes engine's schema
    assert not (tmp_path / "out.parquet.shards").exists(), "the shards are removed once merged"


@pytest.mark.slow  # two Ray runs, about 80 s on 2 cores
def test_killed_then_resumed_is_byte_identical_to_the_processes_engine(tmp_path, capsys, rows, news,  # noqa: F811
                                                                       reference, tiny_model_dir):  # noqa: F811
    source, output, shards = tmp_path / "news.jsonl", tmp_path / "out.jsonl", tmp_path / "out.jsonl.shards"
    shutil.copy(news, source)
    command = (*corpus_args(source, output, tiny_model_dir), *RAY)  # 11 articles in chunks of 2: 6 blocks
    left = kill_driver_after(command, shards, count=2)  # each of the 2 workers did one chunk, then hung
    assert not {name for name in left if any(core in name for core in CORE)}, left
    assert not output.exists()
    done = pa.concat_tables([pq.read_table(p) for p in (shards / "data").glob("*.parquet")])
    assert done.num_rows == 4 and len(set(done["row"].to_pylist())) == 4

    status, stderr = corpus(capsys, *command, "--threshold", "0.5")  # another job: refused, before Ray starts
    assert status == 2 and "threshold=None" in stderr and f"delete {shards}" in stderr
    status, stderr = corpus(capsys, *corpus_args(source, output, tiny_model_dir))  # the other engine: refused
    assert status == 2 and f"{shards} holds the unfinished run of --engine ray" in stderr
    first_done = min(done["row"].to_pylist())  # same id, new text: its stored results would no longer match it
    edited = [{**row, "text": "Police said two people were killed."} if i == first_done else row
              for i, row in enumerate(rows)]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in edited), encoding="utf-8")
    status, stderr = corpus(capsys, *command)
    assert status == 2 and f"row {first_done} of {source}" in stderr and "has changed since" in stderr
    shutil.copy(news, source)

    stderr = ray_run(*command)
    assert f"wrote {len(rows)} articles to {output} (7 extracted by this run, 4 kept from an earlier one)" in stderr
    assert output.read_bytes() == reference.read_bytes()  # in input order, too
    assert sorted_by_id(output) == sorted_by_id(reference)
    assert not shards.exists()


def test_ray_options_need_the_ray_engine(tmp_path, capsys, news, tiny_model_dir):  # noqa: F811
    output = tmp_path / "out.jsonl"
    for flag, value in (("--address", "auto"), ("--workers", "2"), ("--num-gpus-per-worker", "1")):
        status, stderr = corpus(capsys, *corpus_args(news, output, tiny_model_dir), flag, value)
        assert status == 2 and f"{flag} needs --engine ray" in stderr, stderr
    status, stderr = corpus(capsys, *corpus_args(news, output, tiny_model_dir), "--engine", "ray",
                            "--num-gpus-per-worker", "1", "--backend", "onnx")
    assert status == 2 and "--backend onnx runs on the CPU" in stderr and "--backend torch" in stderr
    status, stderr = corpus(capsys, *corpus_args(news, output, tiny_model_dir), "--engine", "ray",
                            "--num-gpus-per-worker", "-1")
    assert status == 2 and "--num-gpus-per-worker -1.0: accepted: 0 or more" in stderr
    assert not output.exists() and not (tmp_path / "out.jsonl.shards").exists()


def test_ray_engine_under_a_multi_process_launch_is_refused(tmp_path, capsys, news, tiny_model_dir, monkeypatch):  # noqa: F811
    monkeypatch.setenv("WORLD_SIZE", "2")
    status, stderr = corpus(capsys, *corpus_args(news, tmp_path / "out.jsonl", tiny_model_dir), *RAY)
    assert status == 2 and "run it as one process" in stderr


def test_without_ray_the_error_names_the_extra(tmp_path, capsys, news, tiny_model_dir, monkeypatch):  # noqa: F811
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ModuleNotFoundError
    status, stderr = corpus(capsys, *corpus_args(news, tmp_path / "out.jsonl", tiny_model_dir), *RAY)
    assert status == 2 and "--engine ray needs Ray Data" in stderr and "pip install -e '.[ray]'" in stderr


def test_a_text_that_is_no_string_gets_the_same_error_from_both_engines(tmp_path, capsys, tiny_model_dir):
    source = tmp_path / "news.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "text": ["Police said two people died.", None]}), source)
    errors = []
    for engine in ("processes", "ray"):
        status, stderr = corpus(capsys, *corpus_args(source, tmp_path / f"{engine}.jsonl", tiny_model_dir),
                                "--engine", engine)
        assert status == 2
        errors.append(stderr.strip().splitlines()[-1].replace(f"{engine}.jsonl", "OUT"))
    assert errors[0] == errors[1] == f"python -m inference.corpus: error: row 1 of {source}: 'text' is NoneType, " \
                                     "not a string"
