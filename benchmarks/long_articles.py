"""How ``extract`` scales with the length of one article: time and peak memory at a few sizes, and their ratios.

Usage::

    python -m benchmarks.long_articles --data data/release/test.jsonl --sizes 0.25 0.5 1

Each size runs in a fresh process (one line of news text of that many megabytes, cut from the articles of ``--data``
joined end to end), so each peak memory is its own. Linear cost doubles the time when the size doubles: the ratios
printed say how far from that a change moved it, which a timed test could not say on shared, noisy machines.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def one_line_text(path: str, megabytes: float) -> str:
    """The articles of ``path`` joined on one line, repeated and cut to ``megabytes`` million characters."""
    texts = [json.loads(line)["text"].replace("\n", " ") for line in open(path, encoding="utf-8") if line.strip()]
    joined = " ".join(texts)
    size = int(megabytes * 1_000_000)
    return ((joined + " ") * (size // (len(joined) + 1) + 1))[:size]


def measure(path: str, megabytes: float, backend: str | None) -> dict:
    """Time ``extract`` on one article of ``megabytes`` (model loaded and warmed first) and this process's peak RSS."""
    from inference import extract

    text = one_line_text(path, megabytes)
    extract("A warm-up sentence.", backend=backend)
    start = time.perf_counter()
    result = extract(text, backend=backend)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    return {"megabytes": megabytes, "words": len(text.split()), "seconds": round(seconds, 1),
            "peak_rss_mb": round(peak_mb), "events": len(result.events), "claims": len(result.claims)}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.long_articles", description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="JSON lines with a text field, cut into the long articles.")
    parser.add_argument("--sizes", nargs="+", type=float, default=[0.25, 0.5, 1.0], help="Megabytes per article.")
    parser.add_argument("--backend", default=None, help="extract's backend (default: the model's recorded one).")
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)  # a worker process: measure this size only
    options = parser.parse_args(argv)
    if options.one is not None:
        print(json.dumps(measure(options.data, options.one, options.backend)))
        return []
    rows = []
    for size in options.sizes:
        command = [sys.executable, "-m", "benchmarks.long_articles", "--data", options.data, "--one", str(size)]
        if options.backend:
            command += ["--backend", options.backend]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        rows.append(json.loads(output.strip().splitlines()[-1]))
    for previous, row in zip(rows, rows[1:], strict=False):
        row["time_ratio"] = round(row["seconds"] / max(previous["seconds"], 1e-9), 2)
        row["size_ratio"] = round(row["megabytes"] / previous["megabytes"], 2)
    for row in rows:
        print(json.dumps(row))
    return rows


if __name__ == "__main__":
    main()
