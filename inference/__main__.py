"""Extract events and claims from the command line.

Usage::

    python -m inference article.txt                      # one JSON line: {"id": "article.txt", "events": ..., ...}
    python -m inference corpus.jsonl > results.jsonl     # JSONL in ({"id", "text"} per line), JSONL out
    cat article.txt | python -m inference -              # stdin: JSONL when it starts with "{", else one text
    python -m inference a.txt b.txt --html out.html      # also a page with everything highlighted and linked

Each output line is ``{"id": ..., "events": [...], "claims": [...]}`` with the schema of ``Extraction.to_dict()``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from tqdm.auto import tqdm

from .api import extract, load_predictor
from .document import DataError, iter_json_lines, parse_json_lines
from .html import render_html
from .onnx_backend import BACKENDS

CHUNK = 64  # articles per call to extract: enough to batch well, few enough to keep a corpus's memory bounded


def read_inputs(paths: list[str], input_format: str) -> Iterator[tuple[str, str]]:
    """Yield ``(id, text)`` for every article in the inputs (``-`` is stdin)."""
    for path in paths:
        if path == "-":
            data = sys.stdin.read()
            if input_format == "jsonl" or (input_format == "auto" and data.lstrip().startswith("{")):
                yield from _articles(parse_json_lines(data.splitlines(), "<stdin>"), "<stdin>")
            else:
                yield "<stdin>", data
        elif input_format == "jsonl" or (input_format == "auto" and path.endswith(".jsonl")):
            yield from _articles(iter_json_lines(path), path)
        else:
            yield path, Path(path).read_text(encoding="utf-8")


def _articles(records: Iterator[tuple[int, dict]], name: str) -> Iterator[tuple[str, str]]:
    for number, record in records:
        if not isinstance(record.get("text"), str):
            raise DataError("expected a JSON object with a string 'text' (and optionally 'id')", name, number)
        yield str(record.get("id", f"{name}:{number}")), record["text"]


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text}: accepted: a positive number")
    return int(text)


def score(text: str) -> float:
    """An argparse type: a score between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text}: accepted: a score between 0 and 1")
    return value


def add_extraction_options(parser: argparse.ArgumentParser) -> None:
    """``extract``'s options as command-line flags, shared by this command and ``inference.corpus``."""
    parser.add_argument("--model", default=None, help="Model folder or hub id (default: the shipped model).")
    parser.add_argument("--batch-size", type=positive_int, default=16, help="Windows per forward pass.")
    parser.add_argument("--threshold", type=score, default=None,
                        help="Leave out spans scoring below this (0-1; default: keep every span the model decodes).")
    parser.add_argument("--backend", choices=BACKENDS, default="torch",
                        help="onnx: ONNX Runtime on the CPU, fp32, the same results; onnx-int8: int8 weights, faster, "
                             "within 0.5 F1 point on held-out articles (both: pip install -e '.[onnx]').")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m inference", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("inputs", nargs="+", metavar="FILE", help="Text or JSONL files; - reads stdin.")
    parser.add_argument("--format", choices=["auto", "text", "jsonl"], default="auto",
                        help="How to read the inputs (auto: .jsonl files and stdin starting with '{' are JSONL).")
    add_extraction_options(parser)
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1, ... (default: cuda when present).")
    parser.add_argument("--output", "-o", default=None, help="Write JSONL here instead of stdout.")
    parser.add_argument("--html", default=None, metavar="OUT.html", help="Also write a page showing the results.")
    options = parser.parse_args(argv)

    predictor = load_predictor(options.model, options.device, options.backend)
    articles = read_inputs(options.inputs, options.format)
    out = open(options.output, "w", encoding="utf-8") if options.output else sys.stdout  # noqa: SIM115
    shown: list[tuple[str, str, object]] = []  # for --html
    try:
        with tqdm(unit="article", desc="extracting", disable=None, file=sys.stderr) as progress:
            while chunk := list(islice(articles, CHUNK)):
                results = extract([text for _, text in chunk], model=predictor, batch_size=options.batch_size,
                                  threshold=options.threshold)
                for (article_id, text), result in zip(chunk, results, strict=True):
                    out.write(json.dumps({"id": article_id, **result.to_dict()}, ensure_ascii=False) + "\n")
                    if options.html:
                        shown.append((article_id, text, result))
                progress.update(len(chunk))
    finally:
        if out is not sys.stdout:
            out.close()
    if options.html:
        page = render_html([t for _, t, _ in shown], [r for _, _, r in shown], [i for i, _, _ in shown])
        Path(options.html).write_text(page, encoding="utf-8")


if __name__ == "__main__":
    main()
