"""The fixed mmap threshold (``inference/runtime/heap.py``): a large block freed no longer sends the next ones to the
heap. Each case runs in a fresh interpreter, because the setting is for the whole process."""

from __future__ import annotations

import ctypes
import platform
import sys

import pytest

from tests.processes import command_env, run_command

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc" or not hasattr(ctypes.CDLL(None), "mallinfo2"),
                                reason="glibc 2.33 or later only (mallopt, mallinfo2)")

# Frees one 1 MiB block, then asks for another and prints whether that one got a mapping of its own.
PROBE = """
import ctypes, importlib.util, sys
# the module alone, by path: importing the package would load torch, which takes most of a second per case
spec = importlib.util.spec_from_file_location("heap", "inference/runtime/heap.py")
heap = importlib.util.module_from_spec(spec)
spec.loader.exec_module(heap)
class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype, libc.malloc.restype, libc.free.argtypes = Info, ctypes.c_void_p, [ctypes.c_void_p]
fixed = heap.fix_mmap_threshold() if sys.argv[1] == "fix" else None
libc.free(libc.malloc(1 << 20))  # by default this raises the threshold to 1 MiB
before = libc.mallinfo2().hblks
block = libc.malloc(1 << 20)
print(fixed, libc.mallinfo2().hblks - before)
"""


def probe(mode: str, **env: str) -> list[str]:
    """Run :data:`PROBE` (``mode``: ``fix`` or ``default``) with ``env`` and no threshold of the caller's."""
    environment = command_env(**env)
    if "MALLOC_MMAP_THRESHOLD_" not in env:
        environment.pop("MALLOC_MMAP_THRESHOLD_", None)
    return run_command(sys.executable, "-c", PROBE, mode, env=environment).stdout.split()


def test_a_freed_large_block_no_longer_sends_the_next_to_the_heap():
    assert probe("default") == ["None", "0"]  # glibc's default: the threshold rose, the block came from the heap
    assert probe("fix") == ["True", "1"]


def test_a_threshold_the_user_set_is_left_alone():
    assert probe("fix", MALLOC_MMAP_THRESHOLD_="4194304")[0] == "False"
