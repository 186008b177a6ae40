"""Which backend and device run a model: checking ``backend=`` and ``device=``, and the default backend a model folder
records after its F1 gate (``backends.json``, written by ``training.backend_gate``).

Light on purpose (torch is imported only inside the functions that need it): the command line reads ``BACKENDS`` for
its ``--help`` before anything heavy is loaded.

Example:
    >>> check_backend("onnx-int8")
    >>> default_backend("no/such/folder", "cpu")
    'torch'
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
from pathlib import Path

from ..core.model_folder import BACKENDS_FILE, weights_sha256

logger = logging.getLogger(__name__)

# Fastest first on the CPUs measured (docs/speed.md); the default is the first whose F1 gate passed.
BACKENDS = ("torch", "onnx", "onnx-int8")
FASTEST_FIRST = ("onnx-int8", "onnx", "torch")
GATE_POINTS = 0.5  # a backend may stand in for fp32 torch within this many points of overall F1
BATCH_SIZE = 16  # windows per forward pass unless told: 4 to 32 made no consistent difference on a CPU
# Bump with the int8 recipe (inference/runtime/int8.py): a gate measured on another recipe says nothing about this one.
INT8_RECIPE = "static-minmax-w7-2"
ACCEPTED_DEVICES = "'cpu', 'cuda', 'cuda:N' (N a present GPU), a torch.device, or None (CUDA when present, else CPU)"

_said_no_onnx = False


def _one_thread_after_fork() -> None:
    """Run torch on one thread in a child made by ``fork``: the OpenMP threads that torch started in the parent do
    not exist in the child, and the child's first parallel operation would wait for them forever (a ``fork`` pool
    calling ``extract`` after the parent did). One thread each is also what a pool of workers should use; the
    "spawn" start method gives each worker a fresh torch with every thread."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


if hasattr(os, "register_at_fork"):  # POSIX only; elsewhere there is no fork
    os.register_at_fork(after_in_child=_one_thread_after_fork)


def check_backend(backend: str) -> None:
    """A ``ValueError`` naming the accepted backends unless ``backend`` is one of them."""
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise ValueError(f"backend={backend!r}; accepted: {', '.join(map(repr, BACKENDS))} or None (the model's "
                         "recorded default)")


def resolve_device(device, backend: str):
    """The ``torch.device`` a predictor runs on: ``device``, else CUDA when present (torch backend only), else the CPU.
    A device this machine does not have, or one that is no device, is a ``ValueError`` naming what is accepted.

    Example:
        >>> resolve_device(None, "onnx")
        device(type='cpu')
    """
    import torch

    check_backend(backend)
    if device is None:
        return torch.device("cuda" if backend == "torch" and torch.cuda.is_available() else "cpu")
    if isinstance(device, bool) or not isinstance(device, (str, torch.device)):
        # An int means a CUDA index to torch, a surprise to most: say which string to pass.
        hint = f" (for GPU {device}, pass 'cuda:{device}')" if type(device) is int else ""
        raise ValueError(f"device={device!r}{hint}; accepted: {ACCEPTED_DEVICES}")
    try:
        resolved = torch.device(device)
    except RuntimeError:
        raise ValueError(f"device={device!r} is no device; accepted: {ACCEPTED_DEVICES}") from None
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(f"device={device!r}: only CPUs and CUDA GPUs are supported; accepted: {ACCEPTED_DEVICES}")
    if resolved.type == "cpu" and resolved.index not in (None, 0):
        raise ValueError(f"device={device!r}: the CPU has no index; accepted: 'cpu'")
    if backend != "torch" and resolved.type != "cpu":
        raise ValueError(f'backend="{backend}" runs on the CPU only; got device={str(resolved)!r}: pass device="cpu", '
                         'or backend="torch" for a GPU')
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            built = "built without CUDA" if torch.version.cuda is None else "no GPU found"
            raise ValueError(f"device={device!r}, but CUDA is not available here (torch {torch.__version__}, "
                             f"{built}); accepted here: 'cpu' or None")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r}, but this machine has {torch.cuda.device_count()} GPU(s); accepted: "
                             f"'cuda:0' to 'cuda:{torch.cuda.device_count() - 1}'")
    return resolved


def read_record(model_dir: str | Path) -> dict | None:
    """The gate record of a model folder, or None when it has none, or one measured on other weights or another int8
    recipe (then nothing it says applies). A record that is no JSON object with a list of known backends in
    ``"passed"`` is a ``ValueError`` naming the file: an error rather than torch with a warning, because a damaged
    model folder should be seen and mended, not run slower in silence."""
    path = Path(model_dir) / BACKENDS_FILE
    if not path.is_file():
        return None
    record = _parse_record(path)
    if record.get("weights_sha256") != weights_sha256(model_dir):
        logger.info("%s was measured on other weights than %s/model.safetensors: not used", path, model_dir)
        return None
    if record.get("int8_recipe") != INT8_RECIPE:
        record = {**record, "passed": [b for b in record.get("passed", []) if b != "onnx-int8"]}
    return record


def _parse_record(path: Path) -> dict:
    accepted = (f'accepted: a JSON object whose "passed" lists backends among {", ".join(BACKENDS)}, as python -m '
                f"training.backend_gate writes it (delete {path} to run torch)")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ValueError(f"{path} cannot be read as JSON ({type(error).__name__}: {error}); {accepted}") from None
    if not isinstance(record, dict):
        raise ValueError(f"{path} holds a JSON {type(record).__name__}, not an object; {accepted}")
    passed = record.get("passed", [])
    if not isinstance(passed, list) or not all(isinstance(b, str) and b in BACKENDS for b in passed):
        raise ValueError(f'{path}: "passed" is {json.dumps(passed)[:80]}; {accepted}')
    return record


def default_backend(model_dir: str | Path, device) -> str:
    """The fastest backend whose F1 gate passed for the model in ``model_dir`` (its ``backends.json``) and that can
    run here: the ONNX backends only on the CPU and with the ``onnx`` extra installed; ``"torch"`` otherwise.

    Example::

        default_backend("inference/default_model", None)  # -> 'onnx-int8'
    """
    record = read_record(model_dir) if Path(model_dir).is_dir() else None
    if record is None:
        return "torch"
    if resolve_device(device, "torch").type != "cpu":
        return "torch"  # the ONNX backends are CPU-only, and a GPU runs torch faster
    passed = [b for b in FASTEST_FIRST if b in record.get("passed", [])]
    if passed and passed[0] != "torch" and not onnx_installed():
        global _said_no_onnx
        if not _said_no_onnx:
            logger.info('%s runs fastest with backend="%s", which needs the onnx extra (pip install -e ".[onnx]"): '
                        "running torch", model_dir, passed[0])
            _said_no_onnx = True
        return "torch"
    return passed[0] if passed else "torch"


def onnx_installed() -> bool:
    """Whether the ``onnx`` extra (onnx and onnxruntime) is importable, without importing it."""
    return all(importlib.util.find_spec(name) is not None for name in ("onnx", "onnxruntime"))
