"""Speed and memory of ``extract`` against ``transformers.pipeline("token-classification")`` on the same weights.

Usage::

    python -m benchmarks.speed --data data/release/test.jsonl [--model DIR] [--words 600] [--articles 32]
        [--batch-sizes 1 16] [--out benchmarks/results]

Each (system, batch size) runs in a fresh process, so its peak memory is its own. The pipeline gets the extractor's
encoder and claim head as a plain ``BertForTokenClassification`` with the same windows (width and stride), and does
one tagging pass; ``extract`` does the whole job (claim tags, trigger tags, an argument pass per trigger, linking).
The machine is shared and noisy: read the ratios (same run, same weights, same articles) more than the absolute times.
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

import torch

from inference.api import DEFAULT_MODEL
from inference.document import read_jsonl


def make_articles(path: str, words: int, count: int) -> list[str]:
    """``count`` articles of exactly ``words`` words, cut from real articles (short ones are joined to the next)."""
    stream = " ".join(a.text for a in read_jsonl(path)).split()
    if len(stream) < words * count:
        raise ValueError(f"{path} holds {len(stream)} words; {words} x {count} are needed")
    return [" ".join(stream[i * words : (i + 1) * words]) for i in range(count)]


def export_claim_tagger(model_dir: str, out: Path) -> None:
    """The extractor's encoder + claim head as a standard token classifier (what a plain pipeline can run)."""
    from transformers import AutoTokenizer, BertConfig, BertForTokenClassification

    from inference.modeling import EventClaimModel

    model = EventClaimModel.from_pretrained(model_dir, dtype=torch.float32)
    labels = model.config.claim_labels
    encoder = {k: v for k, v in model.config.encoder.items() if k not in ("id2label", "label2id", "model_type")}
    config = BertConfig(**encoder, id2label=dict(enumerate(labels)), label2id={x: i for i, x in enumerate(labels)})
    tagger = BertForTokenClassification(config)
    state = {f"bert.{k}": v for k, v in model.encoder.state_dict().items()}
    state |= {f"classifier.{k}": v for k, v in model.claim_head.state_dict().items()}
    tagger.load_state_dict(state, strict=True)
    tagger.save_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.model_max_length = model.config.window  # the same windows as the extractor
    tokenizer.save_pretrained(out)


def worker(system: str, batch: int, texts: list[str], model_dir: str) -> dict:
    start = time.perf_counter()
    if system == "extract":
        from inference import extract, load_predictor

        predictor = load_predictor(model_dir, "cpu")

        def run(chunk: list[str]) -> None:
            extract(chunk, model=predictor)
    else:
        from transformers import pipeline

        from inference.modeling import EventClaimConfig

        with tempfile.TemporaryDirectory() as tagger_dir:
            export_claim_tagger(model_dir, Path(tagger_dir))
            pipe = pipeline("token-classification", model=tagger_dir, device="cpu", aggregation_strategy="first")
        stride = EventClaimConfig.from_pretrained(model_dir).stride

        def run(chunk: list[str]) -> None:
            pipe(chunk, stride=stride, batch_size=batch)
    load_seconds = time.perf_counter() - start
    run(texts[:batch])  # warm-up
    start = time.perf_counter()
    for i in range(0, len(texts), batch):
        run(texts[i : i + batch])
    seconds = time.perf_counter() - start
    words = sum(len(t.split()) for t in texts)
    return {"system": system, "batch": batch, "articles": len(texts), "words": words, "seconds": seconds,
            "words_per_second": words / seconds, "articles_per_second": len(texts) / seconds,
            "load_seconds": load_seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def table(rows: list[dict]) -> str:
    pipeline = {r["batch"]: r for r in rows if r["system"] == "pipeline"}
    lines = ["| system | batch | words/s | articles/s | × pipeline words/s | peak RSS (MB) |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        ratio = r["words_per_second"] / pipeline[r["batch"]]["words_per_second"] if r["batch"] in pipeline else None
        lines.append(f"| {r['system']} | {r['batch']} | {r['words_per_second']:,.0f} | {r['articles_per_second']:.2f} "
                     f"| {'' if ratio is None else f'{ratio:.2f}'} | {r['peak_rss_mb']:,.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="JSONL articles to cut the benchmark articles from.")
    parser.add_argument("--model", default=str(DEFAULT_MODEL), help="Model folder (default: the shipped model).")
    parser.add_argument("--words", type=int, default=600, help="Words per article.")
    parser.add_argument("--articles", type=int, default=32, help="Articles per measurement.")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16], help="Articles per call.")
    parser.add_argument("--out", default="benchmarks/results", help="Folder for speed.json and speed.md.")
    parser.add_argument("--worker", nargs=3, metavar=("SYSTEM", "BATCH", "TEXTS_JSON"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        system, batch, texts_path = options.worker
        texts = json.loads(Path(texts_path).read_text(encoding="utf-8"))
        print(json.dumps(worker(system, int(batch), texts, options.model)))
        return []

    texts_path = Path(tempfile.mkdtemp()) / "texts.json"
    texts_path.write_text(json.dumps(make_articles(options.data, options.words, options.articles)), encoding="utf-8")
    rows = []
    for batch in options.batch_sizes:
        for system in ("pipeline", "extract"):
            command = [sys.executable, "-m", "benchmarks.speed", "--data", options.data, "--model", options.model,
                       "--worker", system, str(batch), str(texts_path)]
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode:
                raise RuntimeError(f"{system} batch {batch} failed:\n{result.stderr[-3000:]}")
            rows.append(json.loads(result.stdout.splitlines()[-1]))
            print(f"{system} batch {batch}: {rows[-1]['words_per_second']:,.0f} words/s", file=sys.stderr)
    meta = {"machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads",
            "torch": torch.__version__, "words_per_article": options.words, "articles": options.articles}
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "speed.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2), encoding="utf-8")
    (out / "speed.md").write_text(f"{table(rows)}\n\n{json.dumps(meta)}\n", encoding="utf-8")
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
