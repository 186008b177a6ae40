"""The sweep stage: with the minutes left, short runs of the config over steps × learning rate × seed, each scored on
dev; the best (the training stage's run counts as the grid's first point) comes back as fp16 parts only if it beats
the shipped model on dev (``bring_back.pack``)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from training.config import load_config

from .bring_back import pack
from .training_run import NO_CHECKPOINTS, run_training, scores, variant

# (steps, learning rates, seed) as multiples of the config's max_steps and of both its learning rates (encoder and
# heads), and an offset to its seed; in the order they run while time is left. The config itself, (1, 1.0, 0), is
# the training stage's run. A second seed of the config first: the spread of one recipe is what any gain must beat.
GRID = ((1, 1.0, 1), (1, 2.0, 0), (1, 0.5, 0), (2, 1.0, 0), (2, 2.0, 0), (1, 2.0, 1), (2, 1.0, 1), (1, 0.5, 1),
        (2, 0.5, 0), (2, 2.0, 1), (2, 0.5, 1))
BRING_BACK = ("if-better", "always", "never")  # "always": the dry run's test of the whole path
UNKNOWN_RUN_SECONDS = 60.0  # a first run's estimate when the training stage gave none


@contextlib.contextmanager
def windows_cut_once():
    """Within this context ``training.train`` cuts each list of training articles into windows once: the runs of a
    sweep share data, tokenizer and window, and cutting the release data costs about as much CPU time as a short
    run's steps on the GPU. (``train`` looks ``build_dataset`` up when it runs, so replacing it there is enough.)"""
    from training.data import features

    original, cache = features.build_dataset, {}

    def build_once(articles, tokenizer, config, max_length, stride, max_triggers=16):
        key = (tuple(article.id for article in articles), max_length, stride, max_triggers, config.window)
        if key not in cache:
            cache[key] = original(articles, tokenizer, config, max_length, stride, max_triggers)
        return cache[key]

    features.build_dataset = build_once
    try:
        yield
    finally:
        features.build_dataset = original


def grid_point(config_path: str, unpacked: dict, scratch: Path, point: tuple[int, float, int]):
    """The config of one grid point: trained without checkpoints or dev evaluations. Its test run stays: without
    test data, training decodes the dev articles once more to say whether the model extracts anything, which costs as
    much; the runs are compared on dev alone."""
    steps, rate, seed = point
    base = load_config(config_path)
    name = f"steps{steps}x-lr{rate}x-seed+{seed}"
    training = {**NO_CHECKPOINTS, "max_steps": steps * base.training["max_steps"],
                "learning_rate": rate * base.training["learning_rate"], "seed": base.training["seed"] + seed}
    config = variant(base, unpacked["backbone"], Path(unpacked["data"]), scratch / name, training,
                     model={"head_learning_rate": rate * base.model.head_learning_rate})
    return name, config


def sweep(stage, config_path: str, unpacked: dict, scratch: Path, device: str, deadline, first: dict | None,
          grid: tuple = GRID, reserve: float = 30.0) -> list[dict]:
    """Train and score on dev each grid point that fits in the time left (``deadline`` less ``reserve`` seconds for
    bringing a model back), estimating each run from the last one; returns every candidate, ``first`` (the training
    stage's record) included if it was scored on dev, and saves the stage after each."""
    runs = stage.data.setdefault("runs", [])
    if first and "dev" in first:
        runs.append({"name": "steps1x-lr1.0x-seed+0 (the training stage's run)", "model": first["model"],
                     "wall_seconds": first["wall_seconds"], "dev": first["dev"], "test": first.get("test")})
    # seconds per max_steps of a run and its dev scoring; the training stage's run also had dev evaluations: more
    per_unit = first["wall_seconds"] + first["dev_seconds"] if first and "dev_seconds" in first else None
    for point in grid:
        name, config = grid_point(config_path, unpacked, scratch, point)
        estimate = per_unit * point[0] if per_unit else UNKNOWN_RUN_SECONDS
        if deadline.left() - reserve < 1.1 * estimate:
            stage.data.setdefault("skipped", []).append({"name": name, "estimated_seconds": estimate})
            continue
        run = run_training(config, deadline.end - reserve)
        run |= scores(run["model"], config.data.dev, device, scratch / f"{name}-dev")
        per_unit = (run["wall_seconds"] + run["dev_seconds"]) / point[0]
        runs.append({"name": name, "steps": config.training["max_steps"], "learning_rate":
                     config.training["learning_rate"], "head_learning_rate": config.model.head_learning_rate,
                     "seed": config.training["seed"],
                     **{key: run.get(key) for key in ("model", "wall_seconds", "dev", "test")},
                     "stopped_at_step_for_the_deadline": run["stopped_at_step_for_the_deadline"]})
        stage.save()
    return runs


def best_and_bring_back(stage, runs: list[dict], reference: dict | None, mode: str, out: Path) -> None:
    """Pick the run with the best dev overall F1 and pack it into ``out`` when ``mode`` says so (``if-better``: only
    if it beats the shipped model's dev overall F1). Its test score is recorded beside the shipped model's; shipping
    is decided here, on the CPU, after ``training.evaluate`` scores the fp16 weights that came back (docs/gpu.md)."""
    if not runs:
        stage.data["best"] = None
        return
    best = max(runs, key=lambda run: run["dev"]["overall_f1"])
    shipped = reference or {}
    beats = "dev_scores" in shipped and best["dev"]["overall_f1"] > shipped["dev_scores"]["overall_f1"]
    stage.data["best"] = {
        "name": best["name"], "dev_overall_f1": best["dev"]["overall_f1"], "beats_shipped_on_dev": beats,
        "shipped_dev_overall_f1": shipped.get("dev_scores", {}).get("overall_f1"),
        "test_overall_f1": (best.get("test") or {}).get("overall_f1"),
        "shipped_test_overall_f1": shipped.get("test_scores", {}).get("overall_f1")}
    stage.save()
    if mode == "always" or (mode == "if-better" and beats):
        start = time.monotonic()
        stage.data["bring_back"] = pack(Path(best["model"]), out) | {"seconds": time.monotonic() - start}
    else:
        stage.data["bring_back_skipped"] = f"--bring-back {mode}; beats the shipped model on dev: {beats}"
