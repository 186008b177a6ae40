"""One prepared check of the GPU path: the gpu tests, a timed training run and extract's speed, in one JSON.

For a session lent a GPU, in one call of a few minutes: the ``gpu``-marked tests, a short timed training run of
``configs/gpu.yaml``, and ``extract`` on the GPU against the token-classification pipeline.

Usage::

    python -m benchmarks.gpu_check --prepare .gpu                     # here: what the GPU machine lacks, into .gpu/
    python -m benchmarks.gpu_check --wheels .gpu/wheels --backbone .gpu/backbone --random-weights \\
        --out gpu_check.json                                          # there, in one call (docs/training.md)
    python -m benchmarks.gpu_check --dry-run --out /tmp/gpu_check.json  # the same code on a CPU, tiny model and data

Stages, in order, each recorded in the JSON with its seconds; one that fails records its error and the next still
run (the exit status is then 1), and the JSON is rewritten after each, so a run cut short keeps what it measured:

1. ``install``: ``pip install --no-index --no-deps --target`` of the wheels in ``--wheels`` into a scratch folder
   put first on the path (the GPU machine reaches no registry, and its own environment stays as it is);
2. ``gpu_tests``: ``pytest -m gpu`` in a subprocess, its counts read from the JUnit XML report;
3. ``training``: ``training.train`` on ``--config`` for ``--warmup-steps`` + ``--steps`` steps, without dev
   evaluations or checkpoints. The warm-up steps run under ``FlopCounterMode`` (forward and backward FLOPs counted,
   untimed); the next ``--steps`` are timed: steps/s, tokens/s (non-padding, as the Trainer counts them) and model
   FLOPs utilisation = counted FLOPs per step / seconds per step / the GPU's dense bf16 peak (``PEAK_BF16_TFLOPS`` by
   device name, or ``--peak-tflops``);
4. ``extract``: ``benchmarks.speed.worker`` on the GPU: words/s of ``extract`` and of the pipeline at each of
   ``--batch-sizes`` articles per call, the median of ``--repeats`` runs, on articles cut from the dev split.

``--random-weights`` gives the backbone random weights (its config and tokenizer are kept): timings do not depend on
the weights, and the 400 MB of all-mpnet-base-v2 cannot travel to a machine that takes 64 MiB of files.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode
from transformers import TrainerCallback

from training.cli import setup_logging

logger = logging.getLogger("benchmarks.gpu_check")

ROOT = Path(__file__).resolve().parents[1]
# Dense (no sparsity) bf16 tensor-core peaks, TFLOP/s, by the first name part found in torch.cuda.get_device_name.
PEAK_BF16_TFLOPS = (("H100 PCIe", 756.0), ("H100", 989.0), ("H200", 989.0), ("A100", 312.0))
# Packages the GPU machines' image lacks (/work/.library/device/KINDS.md), carried as wheels of the versions installed
# here; seqeval publishes only a source archive, so it is built into a wheel here.
GPU_MACHINE_LACKS = ("datasets", "evaluate", "dill", "multiprocess")
BUILT_HERE = ("seqeval",)
GPU_MACHINE_PYTHON = "3.12"
WEIGHT_FILES = ("*.safetensors", "*.bin", "*.pt", "*.h5", "*.msgpack", "*.onnx", "*.ot")
# Values of the options not given: for a GPU run, and for --dry-run on a CPU (the smoke-test config and data with a
# 2-layer, 32-wide random encoder, as the tests build theirs: tests/conftest.py).
DEFAULTS = {"config": "configs/gpu.yaml", "random_weights": False, "warmup_steps": 5, "steps": 50, "words": 600,
            "articles": 32, "batch_sizes": [1, 8, 32], "repeats": 3}
# a random encoder tags most words as triggers, and each trigger costs an argument pass: few, short articles
DRY_RUN = {"config": "configs/tiny.yaml", "backbone": "all-MiniLM-L6-v2", "random_weights": True, "warmup_steps": 2,
           "steps": 3, "words": 60, "articles": 4, "batch_sizes": [1, 4], "repeats": 1}
TINY_ENCODER = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}


@dataclasses.dataclass
class StepTimer(TrainerCallback):
    """Counts the FLOPs of the first ``warmup_steps`` training steps (forward, backward and optimizer; only matrix
    products and attention count) and times the ``steps`` after them, from the start of the first to the end of the
    last, with the device synchronised at both ends."""

    warmup_steps: int
    steps: int
    flops_per_step: list[int] = dataclasses.field(default_factory=list)
    seconds: float | None = None
    tokens: int | None = None
    _counter: FlopCounterMode | None = None
    _start: tuple[float, int] | None = None

    def on_step_begin(self, args, state, control, **kwargs):
        if state.global_step < self.warmup_steps:
            self._counter = FlopCounterMode(display=False)
            self._counter.__enter__()
        elif state.global_step == self.warmup_steps:
            _synchronize()
            self._start = (time.perf_counter(), state.num_input_tokens_seen)

    def on_step_end(self, args, state, control, **kwargs):
        if self._counter is not None:
            self._counter.__exit__(None, None, None)
            self.flops_per_step.append(self._counter.get_total_flops())
            self._counter = None
        if state.global_step == self.warmup_steps + self.steps and self._start is not None:
            _synchronize()
            self.seconds = time.perf_counter() - self._start[0]
            self.tokens = state.num_input_tokens_seen - self._start[1]


def peak_tflops(device_name: str) -> float | None:
    """The dense bf16 peak of a GPU by its name; None when it is not in ``PEAK_BF16_TFLOPS``.

    Example:
        >>> peak_tflops("NVIDIA H100 80GB HBM3"), peak_tflops("NVIDIA H100 PCIe"), peak_tflops("cpu")
        (989.0, 756.0, None)
    """
    return next((tflops for name, tflops in PEAK_BF16_TFLOPS if name in device_name), None)


def utilisation(flops_per_step: float, seconds_per_step: float, peak: float | None) -> float | None:
    """Model FLOPs utilisation: the FLOP/s a step achieves over the peak (TFLOP/s); None without a peak.

    Example:
        >>> round(utilisation(8.8e12, 0.02, 989.0), 3)  # 8.8 TFLOP in 20 ms on an H100
        0.445
    """
    return flops_per_step / seconds_per_step / (peak * 1e12) if peak else None


def install_wheels(folder: Path, target: Path) -> dict:
    """``pip install`` every wheel in ``folder`` into ``target``, offline and without resolving dependencies (each is
    carried), and put ``target`` first on this process's path and its children's ``PYTHONPATH``. The machine's own
    environment is left as it is, as the device notes advise.

    Example:
        >>> install_wheels(Path(".gpu/wheels"), Path("/tmp/site"))  # doctest: +SKIP
        {'wheels': ['datasets-5.2.0-py3-none-any.whl', ...], 'target': '/tmp/site'}
    """
    wheels = sorted(str(path) for path in folder.glob("*.whl"))
    if not wheels:
        raise FileNotFoundError(f"--wheels {folder}: no *.whl files there; make them with --prepare")
    _run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-compile", "--target",
          str(target), *wheels])
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), os.environ.get("PYTHONPATH")]))
    return {"wheels": [Path(wheel).name for wheel in wheels], "target": str(target)}


def gpu_tests(paths: list[str], scratch: Path) -> dict:
    """``pytest -m gpu`` over ``paths`` in a subprocess: its exit status, counts, failed tests and output tail;
    ``ok`` unless a test failed (no test selected is ok: the check also runs where there are none).

    Example:
        >>> gpu_tests(["tests"], Path("/tmp"))  # doctest: +SKIP
        {'ok': True, 'returncode': 0, 'tests': 4, 'failures': 0, 'errors': 0, 'skipped': 0, 'failed': [], ...}
    """
    report = scratch / "gpu_tests.xml"
    # a test module that cannot be imported there (a package the machine lacks) must not stop the others
    command = [sys.executable, "-m", "pytest", "-m", "gpu", "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
               "--continue-on-collection-errors", *paths]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    suite = ElementTree.parse(report).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    counts = {key: int(suite.get(key, 0)) for key in ("tests", "failures", "errors", "skipped")}
    failed = [f"{case.get('classname')}::{case.get('name')}" for case in suite.iter("testcase")
              if case.find("failure") is not None or case.find("error") is not None]
    return {"ok": result.returncode in (0, 5), "returncode": result.returncode, **counts, "failed": failed,
            "output_tail": result.stdout[-3000:]}  # returncode 5: no test selected


def random_backbone(source: str, out: Path, **overrides) -> Path:
    """A backbone folder with ``source``'s config (and ``overrides``) and tokenizer, and random weights, for
    ``model.model_name_or_path``: training builds the extractor from it as from any backbone.

    Example:
        >>> random_backbone("all-MiniLM-L6-v2", Path("/tmp/tiny"), num_hidden_layers=2)  # doctest: +SKIP
        PosixPath('/tmp/tiny')
    """
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    from inference.core.backbone import resolve_backbone

    folder = resolve_backbone(source)
    AutoModel.from_config(AutoConfig.from_pretrained(folder, **overrides)).save_pretrained(out)
    AutoTokenizer.from_pretrained(folder).save_pretrained(out)
    return out


def timed_training(config_path: str, backbone: str | None, random_weights: bool, warmup_steps: int, steps: int,
                   peak: float | None, scratch: Path, encoder_overrides: dict | None = None) -> dict:
    """Train ``warmup_steps + steps`` steps of the config (its backbone, or ``backbone``) and time them (module
    docstring); the trained model is left in ``scratch / "run" / "model"``.

    Example:
        >>> timed_training("configs/gpu.yaml", None, False, 5, 50, 989.0, Path("/tmp/check"))  # doctest: +SKIP
        {'backbone': 'all-mpnet-base-v2', 'device': 'cuda:0', ..., 'model_flops_utilisation': 0.41, ...}
    """
    from inference.core.model_folder import RUN_MODEL_SUBDIR
    from training.config import load_config
    from training.train import train

    config = load_config(config_path)
    backbone = backbone or config.model.model_name_or_path
    model_name = backbone
    if random_weights:
        model_name = str(random_backbone(backbone, scratch / "backbone", **(encoder_overrides or {})))
    # No dev evaluation, checkpoint or test run: only the steps are timed. A few dev articles stay for the
    # calibration training ends with.
    data = dataclasses.replace(config.data, test=[], max_dev_articles=4)
    training = {**config.training, "output_dir": str(scratch / "run"), "max_steps": warmup_steps + steps,
                "eval_strategy": "no", "save_strategy": "no", "load_best_model_at_end": False, "report_to": "none"}
    config = dataclasses.replace(config, data=data, model=dataclasses.replace(config.model,
                                                                              model_name_or_path=model_name),
                                 training=training)
    timer = StepTimer(warmup_steps, steps)
    metrics = train(config, callbacks=[timer])
    if timer.seconds is None:
        raise RuntimeError(f"training stopped before step {warmup_steps + steps}, the last one timed: {metrics}")
    flops_per_step = sum(timer.flops_per_step) / len(timer.flops_per_step)
    seconds_per_step = timer.seconds / steps
    args = config.training_arguments()
    return {"backbone": backbone + (" (random weights)" if random_weights else ""), "device": str(args.device),
            "bf16": args.bf16, "windows_per_step": args.per_device_train_batch_size * args.gradient_accumulation_steps,
            "max_length": config.data.max_length, "warmup_steps": warmup_steps, "timed_steps": steps,
            "seconds_per_step": seconds_per_step, "steps_per_second": 1 / seconds_per_step,
            "tokens_per_second": timer.tokens / timer.seconds, "flops_per_step": flops_per_step,
            "achieved_tflops": flops_per_step / seconds_per_step / 1e12, "peak_tflops": peak,
            "model_flops_utilisation": utilisation(flops_per_step, seconds_per_step, peak),
            "trainer_metrics": metrics, "model": str(scratch / "run" / RUN_MODEL_SUBDIR)}


def extract_speed(model_dir: str, data: str, words: int, articles: int, batch_sizes: list[int], repeats: int,
                  device: str) -> dict:
    """Words/s of ``extract`` and of the token-classification pipeline on ``device`` (``benchmarks/speed.py``'s
    worker, in this process), in rounds, the median run of each; ``ratio``: extract over pipeline, per batch size.

    Example:
        >>> extract_speed("inference/default_model", "data/release/dev.jsonl", 600, 32, [1, 8, 32], 3,
        ...               "cuda")["ratio"]  # doctest: +SKIP
        {'1': 1.4, '8': 1.3, '32': 1.2}
    """
    from benchmarks.speed import make_articles, median_run, worker

    texts = make_articles(data, words, articles)
    timed = [(system, batch) for batch in batch_sizes for system in ("pipeline", "extract")]
    samples = {key: [] for key in timed}
    for _ in range(repeats):
        for system, batch in timed:
            run = worker(system, batch, texts, model_dir, device)
            # a process's start and peak RSS say nothing here: every run shares this process
            samples[system, batch].append({k: v for k, v in run.items() if k not in ("first_result_seconds",
                                                                                     "peak_rss_mb")})
    rows = [median_run(samples[key]) for key in timed]
    speed = {(row["system"], row["batch"]): row["words_per_second"] for row in rows}
    return {"model": model_dir, "device": device, "words_per_article": words, "articles": articles, "rows": rows,
            "ratio": {str(batch): speed["extract", batch] / speed["pipeline", batch] for batch in batch_sizes}}


def prepare(folder: Path, backbone: str) -> dict:
    """Fill ``folder`` with what the GPU machine lacks: ``wheels/`` (``GPU_MACHINE_LACKS`` and ``BUILT_HERE`` at the
    versions installed here) and ``backbone/``, the backbone's folder without its weights (for ``--random-weights``).

    Example:
        >>> prepare(Path(".gpu"), "all-mpnet-base-v2")["megabytes"]  # doctest: +SKIP
        1.6
    """
    from importlib.metadata import version

    from inference.core.backbone import resolve_backbone

    wheels, copy = folder / "wheels", folder / "backbone"
    pins = [f"{name}=={version(name)}" for name in GPU_MACHINE_LACKS]
    _run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "--python-version",
          GPU_MACHINE_PYTHON, "-d", str(wheels), *pins])
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels),
          *(f"{name}=={version(name)}" for name in BUILT_HERE)])
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(resolve_backbone(backbone), copy, ignore=shutil.ignore_patterns(*WEIGHT_FILES))
    return {"wheels": sorted(path.name for path in wheels.glob("*.whl")),
            "backbone": sorted(path.name for path in copy.iterdir()),
            "megabytes": sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 2**20}


def _synchronize() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"{' '.join(command[:6])} ... failed ({result.returncode}):\n{result.stderr[-3000:]}")


def _stage(report: dict, name: str, out: Path, run: Callable[[], dict]) -> None:
    """Run one stage into ``report[name]`` (its result or its error, and its seconds) and rewrite ``out``."""
    start = time.perf_counter()
    try:
        report[name] = {"ok": True, **run()}
    except Exception as error:  # noqa: BLE001 - one failed stage must not cost the others: the GPU time is short
        logger.exception("stage %s failed", name)
        report[name] = {"ok": False, "error": f"{type(error).__name__}: {error}",
                        "traceback": traceback.format_exc()[-3000:]}
    report[name]["seconds"] = time.perf_counter() - start
    out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="gpu_check.json", help="The JSON report, rewritten after each stage "
                                                                "(default: gpu_check.json).")
    parser.add_argument("--wheels", type=Path, default=None,
                        help="Folder of wheels to install first (offline, --no-deps); default: install nothing.")
    parser.add_argument("--config", help=f"Experiment config of the timed training run ({_defaults('config')}).")
    parser.add_argument("--backbone", help="Backbone name, hub id or folder instead of the config's "
                                           f"model_name_or_path ({_defaults('backbone')}).")
    parser.add_argument("--random-weights", action="store_true", default=None,
                        help="Give the backbone random weights: a folder with its config and tokenizer is enough "
                             f"({_defaults('random_weights')}).")
    parser.add_argument("--warmup-steps", type=int,
                        help=f"Untimed first steps, whose FLOPs are counted ({_defaults('warmup_steps')}).")
    parser.add_argument("--steps", type=int, help=f"Timed training steps after the warm-up ({_defaults('steps')}).")
    parser.add_argument("--peak-tflops", type=float, default=None,
                        help="The GPU's dense bf16 peak in TFLOP/s (default: PEAK_BF16_TFLOPS by device name).")
    parser.add_argument("--test-paths", nargs="+", default=["tests"],
                        help="Where pytest -m gpu looks for tests (default: tests).")
    parser.add_argument("--extract-model", help="Model folder of the extract stage (default: the shipped model; "
                                                "--dry-run: the model the training stage made).")
    parser.add_argument("--words", type=int, help=f"Words per article of the extract stage ({_defaults('words')}).")
    parser.add_argument("--articles", type=int, help=f"Articles per extract measurement ({_defaults('articles')}).")
    parser.add_argument("--batch-sizes", type=int, nargs="+",
                        help=f"Articles per extract call ({_defaults('batch_sizes')}).")
    parser.add_argument("--repeats", type=int, help=f"Timed runs of each extract measurement ({_defaults('repeats')}).")
    parser.add_argument("--dry-run", action="store_true",
                        help="Run the same code on the CPU with a tiny random encoder and the smoke-test data.")
    parser.add_argument("--prepare", type=Path, default=None, metavar="DIR",
                        help="Do not check: fill DIR with the wheels and the backbone (without weights) that the GPU "
                             "machine lacks, to carry there.")
    options = parser.parse_args(argv)
    for key, value in (DRY_RUN if options.dry_run else DEFAULTS).items():
        if getattr(options, key) is None:
            setattr(options, key, value)
    setup_logging()
    if options.prepare:
        backbone = options.backbone or _load_config(options.config).model.model_name_or_path
        print(json.dumps(prepare(options.prepare, backbone), indent=2))
        return 0
    if options.warmup_steps < 1 or options.steps < 1:
        parser.error(f"--warmup-steps {options.warmup_steps} --steps {options.steps}; accepted: 1 or more each (the "
                     "FLOPs are counted in the warm-up steps, the time in the others)")
    if options.dry_run:
        # a tiny model gains nothing from threads, and on a busy shared CPU their waits cost seconds per step
        torch.set_num_threads(1)
    elif not torch.cuda.is_available():
        parser.error("no CUDA device: this check is for a GPU machine; --dry-run runs its code on the CPU")

    device = "cpu" if options.dry_run else "cuda"
    name = torch.cuda.get_device_name() if device == "cuda" else platform.processor() or platform.machine()
    peak = options.peak_tflops or peak_tflops(name)
    out = Path(options.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {"meta": {"device": name, "peak_tflops": peak, "torch": torch.__version__, "cuda": torch.version.cuda,
                       "python": platform.python_version(), "options": vars(options)}}
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as scratch:
        scratch = Path(scratch)
        if options.wheels:  # first: the later stages import what it installs
            _stage(report, "install", out, lambda: install_wheels(options.wheels, scratch / "site"))
        _stage(report, "gpu_tests", out, lambda: gpu_tests(options.test_paths, scratch))
        _stage(report, "training", out, lambda: timed_training(
            options.config, options.backbone, options.random_weights, options.warmup_steps, options.steps, peak,
            scratch, TINY_ENCODER if options.dry_run else None))
        trained = report["training"].get("model") if options.dry_run else None
        _stage(report, "extract", out, lambda: extract_speed(
            options.extract_model or trained or str(_default_model()), _load_config(options.config).data.dev[0],
            options.words, options.articles, options.batch_sizes, options.repeats, device))
    print(json.dumps(report, indent=2, default=str))
    return 0 if all(stage["ok"] for key, stage in report.items() if key != "meta") else 1


def _defaults(key: str) -> str:
    return f"default: {DEFAULTS.get(key, 'none')}; --dry-run: {DRY_RUN.get(key, 'none')}"


# Imported when needed, after the install stage: the training package needs the wheels it installs.
def _load_config(path: str):
    from training.config import load_config

    return load_config(path)


def _default_model() -> Path:
    from inference.interface.api import DEFAULT_MODEL

    return DEFAULT_MODEL


if __name__ == "__main__":
    sys.exit(main())
