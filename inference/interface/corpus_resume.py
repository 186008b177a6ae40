"""What a killed ``inference.corpus`` run left on disk, and whether a restart may go on from it.

A run's parts folder holds ``job.json`` (the input, the model and the options: a restart with others is refused),
and per process a part file of results and a ``.sha256`` file with a digest of each row done. A restart keeps the
complete lines of its part, and first checks that no row done has changed in the input since.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

# 64 bits of a row's sha256: a changed row goes unnoticed with odds of 1 in 2**64, in 17 bytes per row on disk
# (about 1 % of what its results take in the part file).
DIGEST_CHARS = 16


class CorpusError(ValueError):
    """A problem with the inputs or the state on disk, with what to do about it."""


def complete_lines(path: Path) -> int:
    """Count the complete lines of ``path`` (0 when absent); a trailing partial line is cut off."""
    if not path.exists():
        return 0
    count, size = 0, 0
    with open(path, "rb+") as file:
        for line in file:
            if not line.endswith(b"\n"):  # written in part when the process was killed
                break
            count, size = count + 1, size + len(line)
        file.truncate(size)
    return count


def check_job(parts: Path, job: dict) -> None:
    """Refuse to resume parts that another job wrote: their rows would be missing, repeated or from another model."""
    manifest = parts / "job.json"
    if not manifest.is_file():
        return
    old = json.loads(manifest.read_text(encoding="utf-8"))
    for key, value in job.items():
        if old.get(key) != value:
            how = (f"launch {old[key]} processes again (accelerate launch --num_processes {old[key]} ...)"
                   if key == "processes" else "use the same input and options")
            raise CorpusError(f"{parts} holds the unfinished run of another job ({key}={old.get(key)!r}, this run "
                              f"has {value!r}): to resume it, {how}; to start over, delete {parts}")


def row_digest(row_id: str, text: object) -> str:
    """A short digest of one input row, its id and its text: what a resume checks the rows already done against.

    Example:
        >>> len(row_digest("a1", "Police said two people died.")), row_digest("a1", "x") == row_digest("a1", "y")
        (16, False)
    """
    # JSON keeps id and text apart ("a", "bc" differs from "ab", "c"); surrogatepass: a lone surrogate is text too
    row = json.dumps([row_id, text], ensure_ascii=False).encode("utf-8", "surrogatepass")
    return hashlib.sha256(row).hexdigest()[:DIGEST_CHARS]


def read_digests(path: Path, count: int) -> list[str]:
    """The first ``count`` row digests in ``path``; any after them are cut off (a kill between writing a chunk's
    digests and its results leaves them one chunk ahead). Fewer than ``count`` is a ``CorpusError``."""
    size = count * (DIGEST_CHARS + 1)
    data = path.read_bytes() if path.exists() else b""
    if len(data) < size:
        raise CorpusError(f"{path} has digests of {len(data) // (DIGEST_CHARS + 1)} rows for the {count} of its part "
                          f"(written by an older version?), so the rows done cannot be checked against the input; "
                          f"delete {path.parent} to start over")
    if len(data) > size:
        with open(path, "rb+") as file:
            file.truncate(size)
    return data[:size].decode("ascii").split("\n")[:count]


def check_rows_done(rows: Iterable[tuple[int, str, object]], digests: list[str], part: Path, input_path: str) -> None:
    """Refuse to resume when a row already done has changed in the input (same id, new text, say): its stored
    results would no longer index its text. ``rows`` are ``(row number, id, text)`` of the rows done, in order.

    Example:
        >>> check_rows_done([(0, "a", "new text")], [row_digest("a", "old text")], Path("p.jsonl"),
        ...                 "news.jsonl")  # doctest: +ELLIPSIS +IGNORE_EXCEPTION_DETAIL
        Traceback (most recent call last):
        ...
        CorpusError: row 0 of news.jsonl (id 'a') has changed since its results were written...
    """
    for (number, row_id, text), stored in zip(rows, digests, strict=True):
        if row_digest(row_id, text) != stored:
            raise CorpusError(f"row {number} of {input_path} (id {row_id!r}) has changed since its results were "
                              f"written to {part}, so they would not match its text; restore the input, or delete "
                              f"{part.parent} to start over")
