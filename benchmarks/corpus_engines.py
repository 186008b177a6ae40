"""Articles per second of ``python -m inference.corpus`` with each engine on the same input: the processes engine
(one process, its default; and two under torchrun) against the ray engine (``--engine ray --workers 2`` on a Ray
started for the run), with the same model and backend.

Usage::

    python -m benchmarks.corpus_engines --data data/release/test.jsonl data/release/dev.jsonl \\
        data/release/train.jsonl --articles 200 [--model DIR] [--workers 2] [--repeats 3] [--out benchmarks/results]

The input is the first ``--articles`` rows of the ``--data`` files, in order. Each setting runs as a whole command in
a fresh process, as a user runs it, so its time counts the imports, Ray's start and the model loads: that is the
articles/s quoted. Each setting also runs on the first 2 articles alone, for its fixed cost, and the rate past it,
``(articles - 2) / (time - fixed time)``, is what a much larger corpus would see. The settings run in rounds (each
once, then each again, ``--repeats`` times), so a busy spell of the machine slows them alike, and a row reports the
medians. Every output is checked to be the same bytes as the one-process output. The machine is shared and noisy:
read the ratios more than the absolute times.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.roofline import cpu_flags

CORPUS = (sys.executable, "-m", "inference.corpus")
TORCHRUN = (sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m",
            "inference.corpus")


def settings(workers: int) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each setting's command prefix and extra options."""
    return {"processes, 1 process (default)": (CORPUS, ()),
            "processes, 2 processes (torchrun)": (TORCHRUN, ()),
            f"ray, {workers} workers": (CORPUS, ("--engine", "ray", "--workers", str(workers)))}


def write_input(files: list[str], count: int, path: Path) -> int:
    """The first ``count`` rows of ``files`` into ``path``; how many there were."""
    rows = []
    for name in files:
        with open(name, encoding="utf-8") as file:
            rows += [line for line in file if line.strip()][: count - len(rows)]
    path.write_text("".join(rows), encoding="utf-8")
    return len(rows)


def timed(prefix: tuple[str, ...], extra: tuple[str, ...], source: Path, output: Path, model: str | None) -> float:
    """Wall seconds of one whole command; its failure is an error with the end of its stderr."""
    command = [*prefix, "--input", str(source), "--output", str(output), *extra]
    command += ["--model", model] if model else []
    output.unlink(missing_ok=True)
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return seconds


def measure(options: argparse.Namespace, work: Path, count: int) -> list[dict]:
    """Each setting's median seconds on the input and on its first 2 articles, over ``options.repeats`` rounds."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in settings(options.workers)}
    reference = None
    for _ in range(options.repeats):
        for name, (prefix, extra) in settings(options.workers).items():
            fixed = timed(prefix, extra, work / "two.jsonl", work / "two-out.jsonl", options.model)
            seconds = timed(prefix, extra, work / "news.jsonl", work / "out.jsonl", options.model)
            reference = reference or (work / "out.jsonl").read_bytes()
            if (work / "out.jsonl").read_bytes() != reference:
                raise SystemExit(f"{name}: the output differs from the one-process output")
            runs[name].append((seconds, fixed))
            print(f"{name}: {seconds:.1f} s, {fixed:.1f} s on 2 articles", file=sys.stderr)
    rows = []
    for name, times in runs.items():
        seconds, fixed = statistics.median(t for t, _ in times), statistics.median(f for _, f in times)
        rows.append({"setting": name, "seconds": round(seconds, 1), "articles_per_s": round(count / seconds, 3),
                     "fixed_s": round(fixed, 1), "past_fixed_per_s": round((count - 2) / (seconds - fixed), 3),
                     "runs": [[round(t, 1), round(f, 1)] for t, f in times]})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", required=True, help="JSONL files, read in order.")
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--model", default=None, help="Model folder (default: the shipped model).")
    parser.add_argument("--workers", type=int, default=2, help="Ray workers.")
    parser.add_argument("--repeats", type=int, default=3, help="Rounds of every setting; rows give the medians.")
    parser.add_argument("--out", default=None, help="Folder for corpus_engines.json (default: print only).")
    options = parser.parse_args(argv)
    from inference.core.model_folder import DEFAULT_MODEL
    from inference.runtime.backends import default_backend

    backend = default_backend(options.model or DEFAULT_MODEL, "cpu")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        count = write_input(options.data, options.articles, work / "news.jsonl")
        write_input(options.data, 2, work / "two.jsonl")
        rows = measure(options, work, count)
    base = rows[0]["articles_per_s"]
    print(f"{count} articles, backend {backend}, {os.cpu_count()} CPUs, flags {' '.join(cpu_flags()) or 'unknown'}, "
          f"medians of {options.repeats} rounds; every output the same bytes")
    print(f"{'setting':36} {'s':>7} {'art/s':>7} {'ratio':>6} {'fixed s':>8} {'art/s past it':>14}")
    for row in rows:
        print(f"{row['setting']:36} {row['seconds']:7.1f} {row['articles_per_s']:7.3f} "
              f"{row['articles_per_s'] / base:6.2f} {row['fixed_s']:8.1f} {row['past_fixed_per_s']:14.3f}")
    if options.out:
        Path(options.out).mkdir(parents=True, exist_ok=True)
        record = {"articles": count, "backend": backend, "cpus": os.cpu_count(), "cpu_flags": cpu_flags(),
                  "repeats": options.repeats, "rows": rows}
        (Path(options.out) / "corpus_engines.json").write_text(json.dumps(record, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
