"""A fixed mmap threshold for glibc's allocator, set once when a CPU predictor is made.

glibc serves a block of at least ``M_MMAP_THRESHOLD`` bytes (128 KiB at start) with a mapping of its own, given back
to the system when the block is freed. By default it also raises that threshold to the size of each such block freed
(up to 32 MiB), so after the first window batch the heads' temporaries (a few MB each, of a new size for each number
of triggers and cues in a window) are carved from the heap instead, between the small results kept for the whole
article; the holes they leave rarely fit the next ones, and on a long article the heap keeps hundreds of MB that are
free but never given back (``docs/speed.md`` has the figures). Setting the threshold turns that adjustment off, and
with it the trim threshold's, which follows it (it stays at its default), as ``mallopt(3)`` documents. Written here
because no library exposes ``mallopt``: it is one call through ``ctypes``.

A user's own setting wins: nothing is set when ``MALLOC_MMAP_THRESHOLD_`` is in the environment, and nothing is done
outside glibc.
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform
from functools import cache

logger = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h
THRESHOLD = 128 * 1024  # glibc's own starting value, kept fixed


@cache
def fix_mmap_threshold() -> bool:
    """Fix glibc's mmap threshold at its starting value for this process (once); whether it was fixed.

    Example::

        fix_mmap_threshold()  # True on glibc, unless MALLOC_MMAP_THRESHOLD_ was set
    """
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or platform.libc_ver()[0] != "glibc":
        return False
    try:
        fixed = ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, THRESHOLD) == 1
    except (AttributeError, OSError):  # a libc without mallopt
        fixed = False
    if not fixed:
        logger.debug("mallopt(M_MMAP_THRESHOLD) refused: long articles may keep more memory")
    return fixed
