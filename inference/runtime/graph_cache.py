"""The cache of exported ONNX graphs: where it lives, and the one integrity check every cached graph passes before
it is used.

A graph is stored as ``STEM.sha256-DIGEST.onnx``, DIGEST being the first 16 hex digits of the sha256 of its bytes.
The file is written under a temporary name and renamed once complete, so one ``os.replace`` publishes the graph and
its digest together: a kill at any moment leaves the old state or the new, never a graph without its digest. A graph
is used only when its bytes hash to the digest in its name, checked on the very bytes that are then loaded; a
truncated, emptied, altered or unreadable file is removed and made again, never trusted.

When the cache folder cannot be written (a read-only ``$HOME``, say), graphs are made in a temporary folder of this
process instead, removed at exit, with one warning.

Example::

    path, data = cached_graph(Path("cache"), "event-claim-3f9c", export)
    path.name  # -> 'event-claim-3f9c.sha256-9b1de0c2a4f7e331.onnx'
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

DIGEST_CHARS = 16  # 64 bits of sha256: an accidental change goes unnoticed with odds of 1 in 2**64
_fallback: Path | None = None  # this process's temporary cache, once the cache folder proved unwritable


def default_cache_dir() -> Path:
    """Where exported graphs are kept: ``$XDG_CACHE_HOME/newsextract/onnx``, else ``~/.cache/newsextract/onnx``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsextract" / "onnx"


def cached_graph(folder: Path, stem: str, make: Callable[[Path], None]) -> tuple[Path, bytes]:
    """The path and bytes of the graph ``stem`` in ``folder``, checked against its digest; made first with
    ``make(path)`` when no sound copy is there."""
    for place in (folder, _fallback) if _fallback is not None else (folder,):
        for candidate in sorted(place.glob(f"{stem}.sha256-*.onnx")):
            data = _read_verified(candidate)
            if data is not None:
                return candidate, data
    return _make(folder, stem, make)


def _read_verified(path: Path) -> bytes | None:
    """The bytes of ``path`` when they hash to the digest in its name; else None, and the file is removed."""
    try:
        data = path.read_bytes()
    except OSError as error:
        logger.warning("cached graph %s cannot be read (%s): made again", path, error)
        return None
    if hashlib.sha256(data).hexdigest()[:DIGEST_CHARS] == path.name.rsplit(".sha256-", 1)[1][:-len(".onnx")]:
        return data
    logger.warning("cached graph %s does not match its digest (truncated or changed on disk): made again", path)
    try:
        path.unlink()
    except OSError:  # a read-only cache: the graph is made in the temporary folder anyway
        pass
    return None


def _make(folder: Path, stem: str, make: Callable[[Path], None]) -> tuple[Path, bytes]:
    partial = _writable(folder) / f"{stem}.{os.getpid()}.tmp"
    start = time.perf_counter()
    try:
        make(partial)
        data = partial.read_bytes()
        path = partial.parent / f"{stem}.sha256-{hashlib.sha256(data).hexdigest()[:DIGEST_CHARS]}.onnx"
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    logger.info("wrote %s in %.1f s", path, time.perf_counter() - start)
    return path, data


def _writable(folder: Path) -> Path:
    """``folder`` when a file can be created in it, else this process's temporary cache (one warning)."""
    global _fallback
    probe = folder / f".probe.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.touch()
        probe.unlink()
        return folder
    except OSError as error:
        if _fallback is None:
            _fallback = Path(tempfile.mkdtemp(prefix="newsextract-onnx-"))
            atexit.register(shutil.rmtree, _fallback, ignore_errors=True)
            logger.warning("cannot write the ONNX cache %s (%s): graphs are made in %s for this process only "
                           "(set XDG_CACHE_HOME to a writable folder to keep them)", folder, error, _fallback)
        return _fallback
