"""Speed and memory of ``extract`` against ``transformers.pipeline("token-classification")`` on the same weights, and
against the roofline of this machine.

Usage::

    python -m benchmarks.speed --data data/release/test.jsonl [--model DIR] [--words 600] [--articles 32]
        [--batch-sizes 1 8 32] [--repeats 3] [--long-words 100000] [--backends onnx onnx-int8]
        [--f1-data HELD_OUT] [--out benchmarks/results]

Each (system, batch size) runs in a fresh process, so its peak memory is its own, ``--repeats`` times in rounds (every
system once, then every system again), so that a busy spell of the machine slows all systems alike; a row reports the
run with the median words/s. The pipeline gets the extractor's encoder and claim head as a plain
``BertForTokenClassification`` with the same windows (width and stride), and does one tagging pass; ``extract`` does the
whole job (claim tags, trigger tags, an argument pass per trigger, linking). The roofline is the words/s this machine
would reach if every FLOP of the model's forward pass ran at the fp32 matmul throughput measured here, in the same run:
``throughput / (FLOPs per token x tokens per word)``. Time to first result counts from the process's start (imports,
model load, first call). ``--long-words`` also runs one document of that many words for its peak memory.
``--backends`` also times CPU-optimised candidates (``CANDIDATES``), and ``--f1-data`` scores each against fp32
``extract`` on held-out articles (``training.backend_gate``, which records the model's default backend): a candidate
is only worth using within ``GATE_POINTS`` of overall F1 (the backends' gate). The roofline is an fp32 one: int8
matmuls may beat it. The machine is shared and noisy: read the ratios (same run, same weights, same articles) more
than the absolute times.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import torch

from benchmarks.roofline import cpu_flags, roofline
from inference.core.articles import read_jsonl
from inference.interface.api import DEFAULT_MODEL
from inference.runtime.backends import GATE_POINTS


def make_articles(path: str, words: int, count: int) -> list[str]:
    """``count`` articles of exactly ``words`` words, cut from real articles (short ones are joined to the next; the
    articles are read again from the start when they run out, for one very long document)."""
    stream = " ".join(a.text for a in read_jsonl(path)).split()
    stream = stream * -(-words * count // len(stream))  # ceil: enough copies
    return [" ".join(stream[i * words : (i + 1) * words]) for i in range(count)]


def export_claim_tagger(model_dir: str, out: Path) -> None:
    """The extractor's encoder + claim head as a standard token classifier (what a plain pipeline can run):
    ``BertForTokenClassification`` for a BERT encoder, the matching class for another (``MPNetForTokenClassification``).
    """
    from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer

    from inference.core.modeling import EventClaimModel

    model = EventClaimModel.from_pretrained(model_dir, dtype=torch.float32)
    labels = model.config.claim_labels
    encoder = {k: v for k, v in model.config.encoder.items() if k not in ("id2label", "label2id", "model_type")}
    config = AutoConfig.for_model(model.config.encoder["model_type"], **encoder, id2label=dict(enumerate(labels)),
                                  label2id={x: i for i, x in enumerate(labels)})
    tagger = AutoModelForTokenClassification.from_config(config)
    state = {f"{tagger.base_model_prefix}.{k}": v for k, v in model.encoder.state_dict().items()}
    state |= {f"classifier.{k}": v for k, v in model.claim_head.state_dict().items()}
    tagger.load_state_dict(state, strict=True)
    tagger.save_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.model_max_length = model.config.window  # the same windows as the extractor
    tokenizer.save_pretrained(out)


# CPU-optimised candidates for extract, each used only within GATE_POINTS of fp32's overall F1 on held-out data.
# (torch's own dynamic int8 quantisation, per tensor, was measured too and lost more than that: docs/speed.md.)
CANDIDATES = {"extract-onnx": "ONNX Runtime, fp32, fused BERT kernels",
              "extract-onnx-int8": "ONNX Runtime, static int8 (weights per output channel, activation scales "
                                   "calibrated once), fused BERT kernels"}


def load_extractor(system: str, model_dir: str, device: str = "cpu"):
    """The predictor of ``extract`` (the torch backend) on ``device``, or of one of the ``CANDIDATES`` (an ONNX
    backend, CPU only)."""
    from inference import Predictor

    backend = system.removeprefix("extract-") if system in CANDIDATES else "torch"
    return Predictor.from_pretrained(model_dir, device=device, backend=backend)


def f1_changes(model_dir: str, systems: list[str], data: str) -> dict[str, float]:
    """Overall F1 change (points) of each candidate system against fp32 ``extract`` on held-out ``data``."""
    from training.backend_gate import backend_f1

    f1, _ = backend_f1(model_dir, [data], ["torch", *(system.removeprefix("extract-") for system in systems)])
    for system in systems:
        print(f"{system} overall F1 {f1[system.removeprefix('extract-')]:.2f} vs fp32 {f1['torch']:.2f} on {data}",
              file=sys.stderr)
    return {system: f1[system.removeprefix("extract-")] - f1["torch"] for system in systems}


def worker(system: str, batch: int, texts: list[str], model_dir: str, device: str = "cpu") -> dict:
    start = time.perf_counter()
    if system.startswith("extract"):
        from inference import extract

        predictor = load_extractor(system, model_dir, device)

        def run(chunk: list[str]) -> None:
            extract(chunk, model=predictor)
    else:
        from transformers import pipeline

        from inference.core.modeling import EventClaimConfig

        with tempfile.TemporaryDirectory() as tagger_dir:
            export_claim_tagger(model_dir, Path(tagger_dir))
            pipe = pipeline("token-classification", model=tagger_dir, device=device, aggregation_strategy="first")
        stride = EventClaimConfig.from_pretrained(model_dir).stride

        def run(chunk: list[str]) -> None:
            pipe(chunk, stride=stride, batch_size=batch)
    load_seconds = time.perf_counter() - start
    run(texts[:batch])  # warm-up, and the first result
    first_result_seconds = time.time() - psutil.Process().create_time()
    start = time.perf_counter()
    for i in range(0, len(texts), batch):
        run(texts[i : i + batch])
    seconds = time.perf_counter() - start
    words = sum(len(t.split()) for t in texts)
    return {"system": system, "batch": batch, "articles": len(texts), "words": words, "seconds": seconds,
            "words_per_second": words / seconds, "articles_per_second": len(texts) / seconds,
            "load_seconds": load_seconds, "first_result_seconds": first_result_seconds,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def median_run(runs: list[dict]) -> dict:
    """The run with the median words/s (the slower middle one of an even number), with every run's words/s."""
    ordered = sorted(runs, key=lambda run: run["words_per_second"])
    return {**ordered[(len(ordered) - 1) // 2], "words_per_second_runs": [run["words_per_second"] for run in runs]}


def prepare_onnx(model_dir: str, system: str) -> dict:
    """Export (or find cached) the ONNX file of ``model_dir`` for a candidate: its path, size, and the seconds that
    took."""
    from inference import Predictor

    start = time.perf_counter()
    path = Predictor.from_pretrained(model_dir, device="cpu", backend=system.removeprefix("extract-")).model.path
    return {"file": str(path), "mb": path.stat().st_size / 2**20, "prepare_seconds": time.perf_counter() - start}


def table(rows: list[dict], roof: dict) -> str:
    pipeline = {r["batch"]: r for r in rows if r["system"] == "pipeline"}
    lines = ["| system | articles per call | words/s | articles/s | × pipeline words/s | % of roofline | "
             "first result (s) | peak RSS (MB) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        same = r["batch"] in pipeline and pipeline[r["batch"]]["words"] == r["words"]  # same articles, same calls
        ratio = r["words_per_second"] / pipeline[r["batch"]]["words_per_second"] if same else None
        lines.append(f"| {r['system']} | {r['batch']} | {r['words_per_second']:,.0f} | {r['articles_per_second']:.2f} "
                     f"| {'' if ratio is None else f'{ratio:.2f}'} "
                     f"| {100 * r['words_per_second'] / roof['words_per_second']:.0f} "
                     f"| {r['first_result_seconds']:.1f} | {r['peak_rss_mb']:,.0f} |")
    repeats = max(len(r.get("words_per_second_runs", [])) for r in rows)
    if repeats > 1:
        lines.append(f"\nEach row but the long document: the median of {repeats} runs, taken in rounds.")
    lines.append(f"\nRoofline: {roof['flops_per_token'] / 1e6:.1f} MFLOPs per token x {roof['tokens_per_word']:.2f} "
                 f"tokens per word at {roof['matmul_gflops']:.0f} GFLOP/s (fp32 matmul, measured) = "
                 f"{roof['words_per_second']:,.0f} words/s.")
    for system, change in roof.get("overall_f1_change", {}).items():
        lines.append(f"{system} ({CANDIDATES[system]}): overall F1 {change:+.2f} points against fp32 on the held-out "
                     f"data (used only within {GATE_POINTS}).")
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="JSONL articles to cut the benchmark articles from.")
    parser.add_argument("--model", default=str(DEFAULT_MODEL), help="Model folder (default: the shipped model).")
    parser.add_argument("--words", type=int, default=600, help="Words per article.")
    parser.add_argument("--articles", type=int, default=32, help="Articles per measurement.")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8, 32], help="Articles per call.")
    parser.add_argument("--repeats", type=int, default=3, help="Timed runs of each system and batch size.")
    parser.add_argument("--long-words", type=int, default=100_000,
                        help="Words of the one long document run for peak memory (0: skip it).")
    parser.add_argument("--backends", nargs="*", choices=["onnx", "onnx-int8"], default=[],
                        help="Also time extract on these ONNX Runtime backends.")
    parser.add_argument("--f1-data", default=None,
                        help="Held-out articles: score each of --backends against fp32 extract on them.")
    parser.add_argument("--out", default="benchmarks/results", help="Folder for speed.json and speed.md.")
    parser.add_argument("--worker", nargs=3, metavar=("SYSTEM", "BATCH", "TEXTS_JSON"), help=argparse.SUPPRESS)
    parser.add_argument("--prepare-onnx", metavar="SYSTEM", help=argparse.SUPPRESS)
    return parser


def measure(options: argparse.Namespace, system: str, batch: int, texts_file: Path) -> dict:
    """One timed run of ``system`` in a fresh process (its peak memory its own)."""
    command = [sys.executable, "-m", "benchmarks.speed", "--data", options.data, "--model", options.model,
               "--worker", system, str(batch), str(texts_file)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"{system} batch {batch} failed:\n{result.stderr[-3000:]}")
    row = json.loads(result.stdout.splitlines()[-1])
    print(f"{system} batch {batch} ({row['words']:,} words): {row['words_per_second']:,.0f} words/s, "
          f"{row['peak_rss_mb']:,.0f} MB", file=sys.stderr)
    return row


def machine_meta(options: argparse.Namespace, held_out: list[str]) -> dict:
    """What the run ran on, and each candidate's ONNX file, exported once first so every timed process finds it."""
    meta = {"machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads",
            "torch": torch.__version__, "words_per_article": options.words, "articles": options.articles,
            "repeats": options.repeats, "cpu_flags": cpu_flags()}
    for system in held_out:
        # In a process of its own: Linux carries a parent's peak RSS into the children it starts (ru_maxrss survives
        # fork and exec), so loading a model here would show up as every later measurement's peak memory.
        command = [sys.executable, "-m", "benchmarks.speed", "--data", options.data, "--model", options.model,
                   "--prepare-onnx", system]
        meta[system] = json.loads(subprocess.run(command, capture_output=True, text=True, check=True
                                                 ).stdout.splitlines()[-1])
    return meta


def timed_rows(options: argparse.Namespace, held_out: list[str], folder: Path) -> list[dict]:
    """Every (system, batch size) ``--repeats`` times in rounds, the median run of each; then the long document."""
    timed = [(system, batch) for batch in options.batch_sizes for system in ("pipeline", "extract", *held_out)]
    samples = {key: [] for key in timed}
    for _ in range(options.repeats):
        for system, batch in timed:
            samples[system, batch].append(measure(options, system, batch, folder / "texts.json"))
    rows = [median_run(samples[key]) for key in timed]
    if options.long_words:
        (folder / "long.json").write_text(json.dumps(make_articles(options.data, options.long_words, 1)))
        rows.append(measure(options, "extract", 1, folder / "long.json"))
        rows[-1]["system"] = f"extract, one {options.long_words:,}-word document"
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    options = parser().parse_args(argv)
    if options.repeats < 1:
        parser().error(f"--repeats {options.repeats}; accepted: 1 or more")
    if options.prepare_onnx:
        print(json.dumps(prepare_onnx(options.model, options.prepare_onnx)))
        return []
    if options.worker:
        system, batch, texts_path = options.worker
        texts = json.loads(Path(texts_path).read_text(encoding="utf-8"))
        print(json.dumps(worker(system, int(batch), texts, options.model)))
        return []

    folder = Path(tempfile.mkdtemp())
    texts = make_articles(options.data, options.words, options.articles)
    (folder / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    held_out = [f"extract-{backend}" for backend in options.backends]
    meta = machine_meta(options, held_out)
    rows = timed_rows(options, held_out, folder)
    roof = roofline(options.model, texts)
    if held_out and options.f1_data:
        roof["overall_f1_change"] = f1_changes(options.model, held_out, options.f1_data)
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "speed.json").write_text(json.dumps({"meta": meta, "roofline": roof, "rows": rows}, indent=2),
                                    encoding="utf-8")
    (out / "speed.md").write_text(f"{table(rows, roof)}\n\n{json.dumps(meta)}\n", encoding="utf-8")
    print(table(rows, roof))
    return rows


if __name__ == "__main__":
    main()
