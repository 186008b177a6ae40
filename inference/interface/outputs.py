"""The files the commands write for their user: one guard that every writer calls before any work, and one way to
write a file so that a kill leaves the old file or the new one, never half of one.

Guarded (``python -m inference``'s ``-o`` and ``--html``, ``python -m inference.corpus``'s ``--output``): an output
may not be an input (it would be emptied before it is read), nor another output, nor a folder, and its folder must
exist. Devices and pipes (``/dev/stdout``) are written in place; anything else goes to a temporary file beside it,
renamed over it once complete.

Example:
    >>> check_outputs({"-o": "news.jsonl"}, ["news.jsonl"])
    Traceback (most recent call last):
    inference.interface.outputs.OutputError: -o news.jsonl is the input news.jsonl: writing it would destroy ...
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

ACCEPTED_OUTPUT = "accepted: a new or existing file in an existing folder, other than every input and other output"


class OutputError(ValueError):
    """An output path that cannot be written as asked; the message is the one line shown on stderr."""


def check_outputs(outputs: dict[str, str | None], inputs: Sequence[str]) -> None:
    """An :class:`OutputError` unless every output in ``outputs`` (option name -> path, None: not asked for) can be
    written without destroying an input or another output (``-`` among ``inputs`` is stdin, never a file)."""
    checked: list[tuple[str, str]] = []
    for option, path in outputs.items():
        if path is None:
            continue
        target = Path(path)
        if target.is_dir():
            raise OutputError(f"{option} {path} is a folder; {ACCEPTED_OUTPUT}")
        if not target.parent.is_dir():
            raise OutputError(f"{option} {path}: the folder {target.parent} does not exist; {ACCEPTED_OUTPUT}")
        for source in inputs:
            if source != "-" and same_file(path, source):
                raise OutputError(f"{option} {path} is the input {source}: writing it would destroy the input; "
                                  f"{ACCEPTED_OUTPUT}")
        for other, other_path in checked:
            if same_file(path, other_path):
                raise OutputError(f"{option} {path} is also {other} {other_path}; {ACCEPTED_OUTPUT}")
        checked.append((option, path))


def same_file(a: str, b: str) -> bool:
    """Whether the paths ``a`` and ``b`` name one regular file (through links too), or would once written.

    Devices are never the same file here: ``/dev/stdin`` and ``/dev/stdout`` are one terminal, yet reading the one
    and writing the other destroys nothing.
    """
    try:
        if os.path.samefile(a, b):
            return Path(a).is_file()
    except OSError:  # one of them does not exist yet
        pass
    return os.path.realpath(a) == os.path.realpath(b)


@contextmanager
def replaced_atomically(path: str, errors: str = "strict") -> Iterator[IO[str]]:
    """A UTF-8 text file to write ``path`` through: a temporary file beside it, renamed over ``path`` when the block
    ends without an error and removed when it does not, so ``path`` holds the old content or the new, whatever stops
    the block. A device or pipe is written in place. ``errors`` is ``open``'s (``"replace"``: a lone surrogate
    becomes ``?``).

    Example::

        with replaced_atomically("out.jsonl") as out:
            out.write('{"id": "a"}\\n')
    """
    target = Path(os.path.realpath(path))  # through a link: the file it names is replaced, not the link
    if target.exists() and not target.is_file():
        with open(target, "w", encoding="utf-8", errors=errors) as out:
            yield out
        return
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    # os.open's mode goes through the umask, as a file made by open() would: the output gets the usual permissions
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        with open(descriptor, "w", encoding="utf-8", errors=errors) as out:
            yield out
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
