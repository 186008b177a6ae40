"""The run's stages as JSON files in the output folder, its deadline, what it ran on, and its first stage: the
``gpu``-marked tests."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import platform
import subprocess
import sys
import time
import traceback
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import torch

logger = logging.getLogger("benchmarks.gpu")

ROOT = Path(__file__).resolve().parents[2]
# Packages whose versions decide what runs there: the image's own, or the wheels the bundle carried.
PACKAGES = ("torch", "transformers", "tokenizers", "huggingface-hub", "accelerate", "safetensors", "datasets",
            "evaluate", "seqeval", "numpy", "pyarrow", "onnxruntime")
# gpu tests that need the shipped model's weights, which stay behind for the call (docs/gpu.md): left out when they
# are absent. The extract stage compares CUDA with the CPU on the trained model instead.
SHIPPED_WEIGHTS_TESTS = ("tests/model/test_gpu.py::test_the_shipped_model_extracts_the_same_on_cuda_as_on_the_cpu",)


class Stage:
    """One stage's JSON, ``<number>_<name>.json`` in the output folder, rewritten by :meth:`save` as the stage goes,
    so that a run cut short keeps what it measured. ``data["ok"]`` is None while the stage runs.

    Example:
        >>> stage = Stage(Path("/tmp"), 2, "training")
        >>> stage.data["tokens_per_second"] = 1.0e6
        >>> stage.save().name
        '2_training.json'
    """

    def __init__(self, out: Path, number: int, name: str) -> None:
        self.path = out / f"{number}_{name}.json"
        self.data: dict = {"stage": name, "ok": None}

    def save(self) -> Path:
        self.path.write_text(json.dumps(self.data, indent=2, default=str) + "\n", encoding="utf-8")
        return self.path


def run_stage(out: Path, number: int, name: str, work: Callable[[Stage], None]) -> Stage:
    """Run ``work`` on a new stage and save it, with its result or its error, and its seconds. A failed stage does
    not stop the run: the GPU minutes are few, and the next stages may not need what failed.

    Example:
        >>> run_stage(Path("/tmp"), 9, "example", lambda stage: stage.data.update(answer=42)).data["ok"]
        True
    """
    stage, start = Stage(out, number, name), time.perf_counter()
    stage.save()
    logger.info("stage %d: %s", number, name)
    try:
        work(stage)
        stage.data["ok"] = True
    except Exception as error:  # noqa: BLE001 - recorded in the stage's JSON, and the next stage still runs
        logger.exception("stage %s failed", name)
        stage.data.update(ok=False, error=f"{type(error).__name__}: {error}", traceback=traceback.format_exc()[-4000:])
    stage.data["seconds"] = time.perf_counter() - start
    stage.save()
    return stage


@dataclasses.dataclass
class Deadline:
    """The moment (``time.monotonic``) by which the run must have written everything.

    Example:
        >>> Deadline.after(60).left() > 59
        True
    """

    end: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def left(self) -> float:
        return self.end - time.monotonic()


def machine() -> dict:
    """What the run ran on: the device, the versions of ``PACKAGES``, Python and the CPU count.

    Example:
        >>> machine()["cpus"] >= 1
        True
    """
    cuda = torch.cuda.is_available()
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return {"device": torch.cuda.get_device_name() if cuda else platform.processor() or platform.machine(),
            "cuda": torch.version.cuda, "gpu_memory_gib": torch.cuda.get_device_properties(0).total_memory / 2**30
            if cuda else None, "python": platform.python_version(), "cpus": os.cpu_count(), "packages": versions}


def gpu_tests(paths: list[str], scratch: Path, timeout: float) -> dict:
    """``pytest -m gpu`` over ``paths`` in a subprocess (``SHIPPED_WEIGHTS_TESTS`` left out when the shipped weights
    are absent): its exit status, counts, failed tests and output tail; ``passed`` unless a test failed or it ran
    past ``timeout`` seconds (no test selected passes: the check also runs where there are none).

    Example:
        >>> gpu_tests(["tests"], Path("/tmp"), 120)  # doctest: +SKIP
        {'passed': True, 'returncode': 0, 'tests': 6, 'failures': 0, 'errors': 0, 'skipped': 0, 'failed': [], ...}
    """
    from inference.core.model_folder import DEFAULT_MODEL, WEIGHTS_FILE

    report = scratch / "gpu_tests.xml"
    left_out = [] if (DEFAULT_MODEL / WEIGHTS_FILE).is_file() else list(SHIPPED_WEIGHTS_TESTS)
    # a test module that cannot be imported there (a package the machine lacks) must not stop the others
    command = [sys.executable, "-m", "pytest", "-m", "gpu", "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
               "--continue-on-collection-errors", *(f"--deselect={test}" for test in left_out), *paths]
    try:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        output = error.stdout.decode() if isinstance(error.stdout, bytes) else error.stdout or ""
        return {"passed": False, "timed_out_after_seconds": timeout, "left_out": left_out,
                "output_tail": output[-3000:]}
    if not report.is_file():  # pytest stopped before its report (an error in conftest, say)
        return {"passed": False, "returncode": result.returncode, "left_out": left_out,
                "output_tail": (result.stdout + result.stderr)[-3000:]}
    suite = ElementTree.parse(report).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    counts = {key: int(suite.get(key, 0)) for key in ("tests", "failures", "errors", "skipped")}
    failed = [f"{case.get('classname')}::{case.get('name')}" for case in suite.iter("testcase")
              if case.find("failure") is not None or case.find("error") is not None]
    return {"passed": result.returncode in (0, 5), "returncode": result.returncode, **counts, "failed": failed,
            "left_out": left_out, "output_tail": result.stdout[-3000:]}  # returncode 5: no test selected
