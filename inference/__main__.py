"""Extract events and claims from the command line.

Usage::

    python -m inference article.txt                      # one JSON line: {"id": "article.txt", "events": ..., ...}
    python -m inference corpus.jsonl > results.jsonl     # JSONL in ({"id", "text"} per line), JSONL out
    cat article.txt | python -m inference -              # stdin: JSONL when it starts with "{", else one text
    python -m inference a.txt b.txt --html out.html      # also a page with everything highlighted and linked
    python -m inference news.jsonl --label-studio tasks.json  # also Label Studio tasks with predictions
    python -m inference --format label-studio in.json --label-studio out.json  # pre-annotate tasks

Each output line is ``{"id": ..., "events": [...], "claims": [...], "entities": [...]}``: ``Extraction.to_dict()``;
offsets index the file as it is (a text file is read without newline translation: "\\r\\n" counts two). Results are
written as they come: a bad input line ends the run (exit status 2, ``FILE:LINE: what is wrong`` on stderr) after
the results of every article before it.

Ids: a text file's id is its path; a JSONL line's ``id`` is a string or an integer (written as text), and a line
without one gets ``FILE:LINE``; a Label Studio task's is its ``data.id``, else its ``id``, else ``FILE:N`` (the N-th
task); two articles with the same id are an error naming both lines.

``--label-studio`` writes a JSON list of tasks, one per article, with the results as ``predictions`` for the labeling
config ``configs/label_studio.xml`` (docs/label_studio.md); an input task keeps its ``id`` and ``data``.

``-o``, ``--html`` and ``--label-studio`` are checked before any work (not an input, not each other, in a folder that
exists) and written to a temporary file beside them, renamed over them at the end: a kill or Ctrl-C (exit status
130) leaves what they held before.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator

# light: torch and transformers are imported after the arguments are parsed
from .interface.cli_options import add_extraction_options
from .interface.inputs import InputError, check_input, read_inputs
from .interface.outputs import OutputError, check_outputs, replaced_atomically

CHUNK = 64  # articles per call to extract: enough to batch well, few enough to keep a corpus's memory bounded


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m inference", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("inputs", nargs="+", metavar="FILE",
                        help="Text, JSONL or (--format label-studio) task files; - reads stdin.")
    parser.add_argument("--format", choices=["auto", "text", "jsonl", "label-studio"], default="auto",
                        help="How to read the inputs, one of %(choices)s (default: auto: .jsonl files and stdin "
                             "starting with '{' are JSONL, anything else one text; label-studio: a JSON list of "
                             "Label Studio tasks, the text in data.text).")
    add_extraction_options(parser)
    parser.add_argument("--device", default=None,
                        help="cpu, cuda, cuda:1, ... (default: cuda when present, else cpu).")
    parser.add_argument("--output", "-o", default=None, help="Write JSONL here (default: stdout).")
    parser.add_argument("--html", default=None, metavar="OUT.html",
                        help="Also write a page showing the results (default: none).")
    parser.add_argument("--label-studio", default=None, metavar="TASKS.json",
                        help="Also write the results as Label Studio tasks with predictions, to correct in Label "
                             "Studio with configs/label_studio.xml (default: none).")
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        for path in options.inputs:
            check_input(path)
        check_outputs({"--output": options.output, "--html": options.html, "--label-studio": options.label_studio},
                      options.inputs)  # before any work
        problem = _extract_all(options, parser.prog)
    except (InputError, OutputError) as error:
        parser.exit(2, f"{error}\n")
    except KeyboardInterrupt:  # Ctrl-C: a line, not a traceback; the outputs keep what they held before
        parser.exit(130, f"{parser.prog}: interrupted\n")
    except BrokenPipeError:  # | head: the reader has gone; say nothing more on a pipe that is closed
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's flush at exit would fail again
        sys.exit(141)  # 128 + SIGPIPE, as a shell reports a command a closed pipe stopped
    if problem is not None:
        parser.exit(2, f"{problem}\n")


def _extract_all(options: argparse.Namespace, prog: str) -> Exception | None:
    from .interface.api import load_predictor  # the heavy imports, once the command line is known to be right

    try:
        predictor = load_predictor(options.model, options.device, options.backend)
    except (ValueError, TypeError, OSError, ImportError) as error:
        raise InputError(f"{prog}: {error}") from None
    with contextlib.ExitStack() as outputs:  # each output replaced when the run ends, or left as it was
        out = sys.stdout if options.output is None else outputs.enter_context(replaced_atomically(options.output))
        tasks = None
        if options.label_studio:
            from .core.model_folder import DEFAULT_MODEL
            from .ecosystem.label_studio import model_version, task_file
            from .runtime.hub import resolve_model_dir

            version = model_version(options.model, resolve_model_dir(options.model or DEFAULT_MODEL))
            tasks = outputs.enter_context(task_file(options.label_studio, version))
        return run(predictor, options, out, tasks)


def run(predictor, options: argparse.Namespace, out, tasks=None) -> Exception | None:
    """Extract from every input article and write the results to ``out`` (and to ``tasks``, a Label Studio task
    writer, when given) as they come; returns the input error that ended the run early (everything before it is
    written), or None."""
    from tqdm.auto import tqdm

    from .core.articles import DataError
    from .interface.api import extract
    from .interface.html import render_html

    articles = _inputs(options)
    shown: list[tuple[str, str, object]] = []  # for --html
    problem = None
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
            results = extract([text for _, text, _ in chunk], model=predictor, batch_size=options.batch_size,
                              threshold=options.threshold)
            for (article_id, text, task), result in zip(chunk, results, strict=True):
                out.write(_json_line({"id": article_id, **result.to_dict()}))
                if options.html:
                    shown.append((article_id, text, result))
                if tasks is not None:
                    tasks(result.to_article(article_id, text), task)
            out.flush()
            progress.update(len(chunk))
    if options.html:
        page = render_html([t for _, t, _ in shown], [r for _, _, r in shown], [i for i, _, _ in shown])
        with replaced_atomically(options.html, errors="replace") as html:  # a lone surrogate: "?"
            html.write(page)
    return problem


def _inputs(options: argparse.Namespace) -> Iterator[tuple[str, str, dict | None]]:
    """``(id, text, Label Studio task or None)`` for every input article."""
    if options.format == "label-studio":
        from .ecosystem.label_studio import task_inputs

        return task_inputs(options.inputs)
    return ((article_id, text, None) for article_id, text in read_inputs(options.inputs, options.format))


def _json_line(record: dict) -> str:
    line = json.dumps(record, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (from a JSON "\ud800" escape) cannot be UTF-8: escape it, as JSON may
        line = json.dumps(record)
    return line + "\n"


if __name__ == "__main__":
    main()
