"""The command: ``--prepare`` and ``--budget`` here, the run there, ``--dry-run`` of that run on a CPU (docs/gpu.md)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import tempfile
from pathlib import Path

import torch

from training.cli import setup_logging

from . import bundle as bundles
from .extract_stage import matches_cpu, profile_call, speed
from .stages import ROOT, Deadline, gpu_tests, machine, run_stage
from .sweep import BRING_BACK, GRID, best_and_bring_back, sweep, windows_cut_once
from .timing import datasheet_tflops, matmul_tflops
from .training_run import batch_scan, release_run

logger = logging.getLogger("benchmarks.gpu")

TINY_ENCODER = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}


@dataclasses.dataclass
class Sizes:
    """How much of each stage a run does: the GPU run's (the defaults) or the dry run's (``DRY_RUN``)."""

    test_paths: tuple[str, ...] = ("tests",)
    count_steps: int = 2           # training steps whose FLOPs are counted
    warm_steps: int = 8            # then untimed, before the timed block
    scan_batches: tuple[int, ...] = (256, 1024)
    scan_steps: tuple[int, int, int] = (1, 4, 10)  # counted, warm, timed
    batch_sizes: tuple[int, ...] = (1, 8, 32, 128)
    articles: int = 128
    words: int = 600
    repeats: int = 2
    matmul_size: int = 8192
    grid: tuple = GRID


# The same code on a CPU in well under a minute: a 2-layer, 32-wide random encoder, the smoke-test config and data.
DRY_RUN = Sizes(test_paths=(str(ROOT / "tests" / "model" / "test_gpu.py"),), count_steps=1, warm_steps=1,
                scan_batches=(8,), scan_steps=(1, 1, 2), batch_sizes=(1, 4), articles=4, words=60, repeats=1,
                matmul_size=256, grid=GRID[:1])
# Seconds kept back at each point for what comes after (the run must end by --deadline).
AFTER_TESTS, AFTER_TRAINING_LOOP, AFTER_EXTRACT = 330.0, 180.0, 40.0


def run(bundle: Path, out: Path, deadline: Deadline, sizes: Sizes, device: str, bring_back: str) -> bool:
    """The four stages (docs/gpu.md), each into its JSON in ``out``; True when every stage ran and the tests
    passed."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as scratch:
        scratch = Path(scratch)
        unpacked: dict = {}

        def setup_and_tests(stage) -> None:  # the bundle first: the later stages need it, whatever the tests do
            stage.data["machine"] = machine()
            try:
                unpacked.update(bundles.unpack(bundle, scratch / "bundle"))
                stage.data["bundle"] = {k: v for k, v in unpacked["bundle"].items() if k != "data"}
            finally:  # the tests run even when the bundle is broken
                stage.save()
                timeout = max(30.0, min(150.0, deadline.left() - AFTER_TESTS))
                stage.data["tests"] = gpu_tests(list(sizes.test_paths), scratch, timeout)

        first = run_stage(out, 1, "gpu_tests", setup_and_tests)
        with windows_cut_once():
            trained = run_stage(out, 2, "training", lambda stage: training(stage, unpacked, scratch, device,
                                                                           deadline, sizes))
            model = trained.data.get("model")
            extracted = run_stage(out, 3, "extract", lambda stage: extract(stage, unpacked, model, device, deadline,
                                                                           sizes))
            swept = run_stage(out, 4, "sweep", lambda stage: best_and_bring_back(
                stage, sweep(stage, unpacked["bundle"]["config"], unpacked, scratch, device, deadline, trained.data,
                             sizes.grid),
                unpacked["bundle"].get("reference"), bring_back, out))
    ran = all(stage.data["ok"] for stage in (first, trained, extracted, swept))
    return ran and first.data.get("tests", {}).get("passed", False)


def training(stage, unpacked: dict, scratch: Path, device: str, deadline: Deadline, sizes: Sizes) -> None:
    """Stage 2: the card's bf16 matmul rate, the config's real run, then the batch scan if time is left."""
    matmul = matmul_tflops(device, sizes.matmul_size)
    sheet = datasheet_tflops(stage_device(device))
    stage.data |= {"matmul": matmul, "datasheet_bf16_tflops": sheet}
    stage.save()
    config = unpacked["bundle"]["config"]
    release_run(stage, config, unpacked, scratch, device, deadline.end - AFTER_TRAINING_LOOP, sizes.count_steps,
                sizes.warm_steps, matmul["tflops"], sheet)
    batch_scan(stage, config, unpacked, scratch, list(sizes.scan_batches), sizes.scan_steps,
               deadline.end - AFTER_TRAINING_LOOP, matmul["tflops"], sheet)


def extract(stage, unpacked: dict, model: str | None, device: str, deadline: Deadline, sizes: Sizes) -> None:
    """Stage 3 on the model the training stage made: CUDA against the CPU, words/s, and one large call profiled."""
    from benchmarks.speed import make_articles
    from inference.core.articles import read_jsonl
    from training.config import load_config

    if model is None:
        raise RuntimeError("the training stage made no model; the shipped weights stay behind for the call")
    dev = str(Path(unpacked["data"]) / Path(load_config(unpacked["bundle"]["config"]).data.dev[0]).name)
    stage.data["matches_cpu"] = matches_cpu(model, [a.text for a in read_jsonl(dev)[:8]], device)
    stage.save()
    texts = make_articles(dev, sizes.words, sizes.articles)
    stage.data["speed"] = speed(model, texts, list(sizes.batch_sizes), sizes.repeats, device,
                                deadline.end - AFTER_EXTRACT)
    stage.save()
    stage.data["profile"] = profile_call(model, texts, device)


def stage_device(device: str) -> str:
    return torch.cuda.get_device_name() if device.startswith("cuda") else "cpu"


def dry_run(out: Path, bring_back: str) -> bool:
    """The GPU run's code on the CPU, from a bundle made here of a tiny random backbone and the smoke-test data."""
    from inference.core.model_folder import DEFAULT_MODEL, WEIGHTS_FILE

    torch.set_num_threads(1)  # a tiny model gains nothing from threads, and on a busy shared CPU their waits cost
    with tempfile.TemporaryDirectory(prefix="gpu-dry-run-") as scratch:
        scratch = Path(scratch)
        backbone = random_backbone("all-MiniLM-L6-v2", scratch / "tiny-backbone", **TINY_ENCODER)
        shipped = DEFAULT_MODEL if (DEFAULT_MODEL / WEIGHTS_FILE).is_file() else None  # None while out for a call
        bundles.prepare(scratch / "bundle", "configs/tiny.yaml", str(backbone), shipped, wheels=False)
        return run(scratch / "bundle", out, Deadline.after(600), DRY_RUN, "cpu", bring_back)


def random_backbone(source: str, out: Path, **overrides) -> Path:
    """A backbone folder with ``source``'s config (and ``overrides``) and tokenizer, and random weights.

    Example:
        >>> random_backbone("all-MiniLM-L6-v2", Path("/tmp/tiny"), num_hidden_layers=2)  # doctest: +SKIP
        PosixPath('/tmp/tiny')
    """
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    from inference.core.backbone import resolve_backbone

    folder = resolve_backbone(source)
    torch.manual_seed(0)
    AutoModel.from_config(AutoConfig.from_pretrained(folder, **overrides)).save_pretrained(out)
    AutoTokenizer.from_pretrained(folder).save_pretrained(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu_check", description=__doc__.splitlines()[0])
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--prepare", type=Path, nargs="?", const=Path(".gpu"), metavar="DIR",
                      help="Here, with PyPI reachable: fill DIR (default .gpu) with what the run needs there, then "
                           "print the budget.")
    what.add_argument("--budget", type=Path, nargs="?", const=Path(".gpu"), metavar="DIR",
                      help="Print the MiB that a call carrying DIR (default .gpu) sends, measured on the files.")
    what.add_argument("--dry-run", action="store_true",
                      help="Run the GPU run's code on the CPU with a tiny random encoder and the smoke-test data.")
    parser.add_argument("--bundle", type=Path, default=Path(".gpu"), help="The prepared folder (default .gpu).")
    parser.add_argument("--config", default="configs/gpu_minilm.yaml",
                        help="--prepare: the config the run trains (default configs/gpu_minilm.yaml).")
    parser.add_argument("--out", type=Path, default=Path("gpu_check"), help="Folder of the stages' JSON files.")
    parser.add_argument("--deadline", type=float, default=480.0,
                        help="Seconds from the start by which everything is written (default 480).")
    parser.add_argument("--bring-back", choices=BRING_BACK, default="if-better",
                        help="When the sweep's best model comes back (default: only if it beats the shipped one "
                             "on dev).")
    options = parser.parse_args(argv)
    setup_logging()
    if options.prepare or options.budget:
        if options.prepare:
            bundles.prepare(options.prepare, options.config)
        print(bundles.format_budget(bundles.budget(options.prepare or options.budget)))
        return 0
    if options.dry_run:
        ok = dry_run(options.out, options.bring_back)
        print(bundles.format_budget(bundles.budget(options.bundle)))
    else:
        if not torch.cuda.is_available():
            parser.error("no CUDA device: the run is for a GPU machine; --dry-run runs its code on the CPU")
        ok = run(options.bundle, options.out, Deadline.after(options.deadline), Sizes(), "cuda", options.bring_back)
    print(json.dumps({path.name: json.loads(path.read_text())["ok"] for path in sorted(options.out.glob("*.json"))}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
