"""Extract events and claims from the command line.

Usage::

    python -m inference article.txt                      # one JSON line: {"id": "article.txt", "events": ..., ...}
    python -m inference corpus.jsonl > results.jsonl     # JSONL in ({"id", "text"} per line), JSONL out
    cat article.txt | python -m inference -              # stdin: JSONL when it starts with "{", else one text
    python -m inference a.txt b.txt --html out.html      # also a page with everything highlighted and linked

Each output line is ``{"id": ..., "events": [...], "claims": [...]}`` with the schema of ``Extraction.to_dict()``;
offsets index the file as it is (a text file is read without newline translation: "\\r\\n" counts two). Results are
written as they come: a bad input line ends the run (exit status 2, ``FILE:LINE: what is wrong`` on stderr) after
the results of every article before it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

# light: torch and transformers are imported after the arguments are parsed
from .interface.cli_options import add_extraction_options

CHUNK = 64  # articles per call to extract: enough to batch well, few enough to keep a corpus's memory bounded
ACCEPTED_INPUT = "accepted: a UTF-8 text file, a .jsonl file of {\"id\", \"text\"} lines, or - for stdin"


class InputError(ValueError):
    """An input that cannot be read as asked; the message is the one line shown on stderr."""


def check_input(path: str) -> None:
    """An :class:`InputError` unless ``path`` is ``-`` or a file (checked before the model is loaded)."""
    if path == "-":
        return
    if not Path(path).exists():
        raise InputError(f"{path}: no such file; {ACCEPTED_INPUT}")
    if not Path(path).is_file():
        raise InputError(f"{path}: is a directory, not a file; {ACCEPTED_INPUT}")


def decode_text(data: bytes, name: str) -> str:
    """``data`` as UTF-8 text, newlines untouched; a binary file is an :class:`InputError`.

    Example:
        >>> decode_text("Paris\\r\\n".encode(), "a.txt") == "Paris\\r\\n"
        True
    """
    if b"\0" in data:
        raise InputError(f"{name}: a binary file (it holds NUL bytes); {ACCEPTED_INPUT}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{name}: not UTF-8 text (byte {error.start}: {error.reason}); {ACCEPTED_INPUT}") from None


def read_inputs(paths: list[str], input_format: str) -> Iterator[tuple[str, str]]:
    """Yield ``(id, text)`` for every article in the inputs (``-`` is stdin). Text is read with ``newline=""``, so
    character offsets index the file as it is on disk; JSON lines carry their own newlines, escaped."""
    from .core.articles import parse_json_lines

    for path in paths:
        if path == "-":
            data = _read_stdin()
            if input_format == "jsonl" or (input_format == "auto" and data.lstrip().startswith("{")):
                # split("\n"), not splitlines(): a JSON string may hold U+2028 and other characters splitlines() cuts
                yield from _articles(parse_json_lines(data.split("\n"), "<stdin>"), "<stdin>")
            else:
                yield "<stdin>", data
        elif input_format == "jsonl" or (input_format == "auto" and path.endswith(".jsonl")):
            yield from _articles(parse_json_lines(_lines(path), path), path)
        else:
            yield path, decode_text(Path(path).read_bytes(), path)


def _read_stdin() -> str:
    # The bytes, decoded here: sys.stdin's text layer would turn "\r\n" into "\n" (a StringIO has no bytes).
    stream = getattr(sys.stdin, "buffer", None)
    return decode_text(stream.read(), "<stdin>") if stream is not None else sys.stdin.read()


def _lines(path: str) -> Iterator[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        try:
            yield from handle
        except UnicodeDecodeError as error:
            raise InputError(f"{path}: not UTF-8 text (byte {error.start} of a block: {error.reason}); "
                             f"{ACCEPTED_INPUT}") from None


def _articles(records: Iterator[tuple[int, dict]], name: str) -> Iterator[tuple[str, str]]:
    from .core.articles import DataError

    for number, record in records:
        if not isinstance(record.get("text"), str):
            raise DataError("expected a JSON object with a string 'text' (and optionally 'id')", name, number)
        yield str(record.get("id", f"{name}:{number}")), record["text"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m inference", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("inputs", nargs="+", metavar="FILE", help="Text or JSONL files; - reads stdin.")
    parser.add_argument("--format", choices=["auto", "text", "jsonl"], default="auto",
                        help="How to read the inputs, one of %(choices)s (default: auto: .jsonl files and stdin "
                             "starting with '{' are JSONL, anything else one text).")
    add_extraction_options(parser)
    parser.add_argument("--device", default=None,
                        help="cpu, cuda, cuda:1, ... (default: cuda when present, else cpu).")
    parser.add_argument("--output", "-o", default=None, help="Write JSONL here (default: stdout).")
    parser.add_argument("--html", default=None, metavar="OUT.html",
                        help="Also write a page showing the results (default: none).")
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        for path in options.inputs:
            check_input(path)
    except InputError as error:
        parser.exit(2, f"{error}\n")

    from .interface.api import load_predictor  # the heavy imports, once the command line is known to be right

    try:
        predictor = load_predictor(options.model, options.device, options.backend)
    except (ValueError, TypeError, FileNotFoundError, ImportError) as error:
        parser.exit(2, f"{parser.prog}: {error}\n")
    problem = run(predictor, options)
    if problem is not None:
        parser.exit(2, f"{problem}\n")


def run(predictor, options: argparse.Namespace) -> Exception | None:
    """Extract from every input article and write the results as they come; returns the input error that ended the
    run early (everything before it is written), or None."""
    from tqdm.auto import tqdm

    from .core.articles import DataError
    from .interface.api import extract
    from .interface.html import render_html

    articles = read_inputs(options.inputs, options.format)
    out = open(options.output, "w", encoding="utf-8") if options.output else sys.stdout  # noqa: SIM115
    shown: list[tuple[str, str, object]] = []  # for --html
    problem = None
    try:
        with tqdm(unit="article", desc="extracting", disable=None, file=sys.stderr) as progress:
            while problem is None:
                chunk = []
                try:
                    while len(chunk) < CHUNK and (item := next(articles, None)) is not None:
                        chunk.append(item)
                except (DataError, InputError) as error:
                    problem = error  # the articles read before it still go out
                if not chunk:
                    break
                results = extract([text for _, text in chunk], model=predictor, batch_size=options.batch_size,
                                  threshold=options.threshold)
                for (article_id, text), result in zip(chunk, results, strict=True):
                    out.write(_json_line({"id": article_id, **result.to_dict()}))
                    if options.html:
                        shown.append((article_id, text, result))
                out.flush()
                progress.update(len(chunk))
    finally:
        if out is not sys.stdout:
            out.close()
    if options.html:
        page = render_html([t for _, t, _ in shown], [r for _, _, r in shown], [i for i, _, _ in shown])
        Path(options.html).write_text(page, encoding="utf-8", errors="replace")  # a lone surrogate: "?"
    return problem


def _json_line(record: dict) -> str:
    line = json.dumps(record, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (from a JSON "\ud800" escape) cannot be UTF-8: escape it, as JSON may
        line = json.dumps(record)
    return line + "\n"


if __name__ == "__main__":
    main()
