"""Commands run by the tests, each with a time limit, and none of their processes left behind.

``subprocess.run(timeout=...)`` kills only the child it started. torchrun starts each worker in a session of its own,
so neither that nor killing torchrun's process group reaches them: they would live on, asleep on their sockets,
holding the captured pipes open. Here the whole tree is killed when the time is up or the test is interrupted.
"""

from __future__ import annotations

import os
import subprocess
import sys

import psutil  # accelerate's dependency, so always installed with transformers' Trainer
import pytest

from tests.conftest import ROOT

# torchrun with two workers on a free port: --standalone binds its rendezvous store to localhost:0, so two test runs
# on one machine never meet on a fixed --master_port.
TORCHRUN = (sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2")


def command_env(**extra: str) -> dict[str, str]:
    """The environment of a test command: offline, one thread per process, this checkout importable."""
    return {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), **extra}


def run_command(*args: str, check: bool = True, timeout: float = 300, env: dict[str, str] | None = None,
                cwd=ROOT) -> subprocess.CompletedProcess:
    """Run ``args`` (``env``: default :func:`command_env`) and return its result; with ``check``, a non-zero exit
    fails the test with the end of stderr. Past ``timeout`` seconds the test fails naming the command, after its
    whole process tree is killed.

    Example:
        >>> run_command(sys.executable, "-c", "print(6 * 7)").stdout
        '42\\n'
    """
    with subprocess.Popen(args, cwd=cwd, env=command_env() if env is None else env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(process.pid)
            stdout, stderr = process.communicate()
            pytest.fail(f"{' '.join(map(str, args))} ran past {timeout} s (its processes were killed); stderr "
                        f"ends:\n{stderr[-4000:]}")
        except BaseException:  # KeyboardInterrupt, a failing test's teardown: nothing may outlive the test
            kill_tree(process.pid)
            raise
    result = subprocess.CompletedProcess(args, process.returncode, stdout, stderr)
    if check:
        assert result.returncode == 0, result.stderr[-4000:]
    return result


def kill_tree(pid: int) -> None:
    """SIGKILL process ``pid`` and all its descendants, the descendants found first (a killed parent's children are
    adopted by init and could no longer be told apart)."""
    try:
        root = psutil.Process(pid)
        processes = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return
    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(processes, timeout=10)
