"""What every ``python -m training.*`` command line shares: its name in the help, defaults shown in it, its logs, and
how it answers a wrong file, folder or config: one line on stderr and exit status 2, as argparse (and
``python -m inference``) do, never a traceback."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from inference.core.articles import DataError

from .strict_yaml import ConfigError


class CommandError(ValueError):
    """What a user asked for cannot be done as asked; the message names it and what is accepted."""


# The errors a user's own input causes: the command shows their message in one line. Anything else is a bug in the
# code and keeps its traceback.
USER_ERRORS = (FileNotFoundError, NotADirectoryError, IsADirectoryError, CommandError, ConfigError, DataError)


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """``ArgumentDefaultsHelpFormatter`` without the noise: no ``(default: None)`` on options that have no default,
    no ``(default: False)`` on flags, and nothing added where the help already says what the default is."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def command_parser(module: str, doc: str) -> argparse.ArgumentParser:
    """The parser of ``python -m MODULE``, described by the first line of the module's docstring.

    ``prog`` is set because argparse would otherwise name the command after the file (``evaluate.py``), which
    is not what a user types.

    Example:
        >>> command_parser("training.evaluate", "Span-level evaluation.").prog
        'python -m training.evaluate'
    """
    return argparse.ArgumentParser(prog=f"python -m {module}", description=doc.splitlines()[0],
                                   formatter_class=DefaultsHelpFormatter)


def run_command(main: Callable[[], object], module: str) -> None:
    """Run a command's ``main``; a :data:`USER_ERRORS` error ends it with ``python -m MODULE: error: MESSAGE`` on
    stderr (one line) and exit status 2, as argparse ends a wrong command line.

    Example:
        >>> run_command(lambda: check_paths(["missing.jsonl"], "--data", "gold articles"), "training.evaluate")
        Traceback (most recent call last):
        SystemExit: 2
    """
    try:
        main()
    except USER_ERRORS as error:
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"python -m {module}: error: {message}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


def check_paths(paths: Sequence[str | Path], option: str, accepted: str) -> None:
    """A ``FileNotFoundError`` naming the first of ``paths`` that does not exist, given as ``option``, and what
    ``accepted`` there; checked before anything slow starts.

    Example:
        >>> check_paths(["missing.jsonl"], "--data", "gold articles")
        Traceback (most recent call last):
        FileNotFoundError: --data missing.jsonl: no such file or folder; accepted: gold articles
    """
    for path in paths:
        if not Path(path).exists():
            raise FileNotFoundError(f"{option} {path}: no such file or folder; accepted: {accepted}")


def check_data(paths: Sequence[str | Path], data_format: str, option: str) -> None:
    """:func:`check_paths` for articles, and, with ``data_format`` auto, that each path's format can be told from its
    name and first line (a :class:`CommandError` naming the path and the formats accepted otherwise).

    Example:
        >>> check_data(["tests/fixtures/articles.jsonl", "notes.pdf"], "auto", "--data")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        FileNotFoundError: --data notes.pdf: no such file or folder; accepted: articles in any supported format ...
    """
    from .data.importers import FORMATS, detect_format

    accepted = f"articles in any supported format ({', '.join(FORMATS)}): a file or a folder"
    check_paths(paths, option, accepted)
    for path in paths if data_format == "auto" else ():
        try:
            detect_format(path)
        except ValueError as error:
            raise CommandError(f"{option} {error}") from None


def check_model_folder(path: str | Path, option: str = "--model") -> Path:
    """``path`` when it is a folder that holds a model (``config.json`` and safetensors weights); else a
    ``FileNotFoundError`` naming it and what is accepted. For commands that write into the folder: a hub id will not
    do there.

    Example:
        >>> check_model_folder("runs/none/model")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        FileNotFoundError: --model runs/none/model: no such folder; accepted: a model folder saved by training ...
    """
    from inference.core.model_folder import check_model_dir

    if not Path(path).is_dir():
        raise FileNotFoundError(f"{option} {path}: no such folder; accepted: a model folder saved by training "
                                "(OUTPUT_DIR/model) or training.ship")
    try:
        return check_model_dir(Path(path))
    except ValueError as error:  # pickled weights only: the message says how to convert them
        raise CommandError(f"{option} {path}: {error}") from None


def setup_logging() -> None:
    """INFO logs from the main process, only warnings from the others, in one format for every command (as the
    transformers examples do with ``TrainingArguments.get_process_log_level``).

    Example::

        setup_logging()
    """
    # torchrun and accelerate launch set RANK in every process they start; without it, this is the only process.
    rank = int(os.environ.get("RANK", "0"))
    where = f" [rank {rank}]" if rank else ""
    logging.basicConfig(format=f"%(asctime)s %(levelname)s %(name)s{where}: %(message)s",
                        level=logging.INFO if rank == 0 else logging.WARNING)
