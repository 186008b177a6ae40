"""The training stage: a real run of the config on the GPU (wall time, tokens/s, model FLOPs utilisation against the
card's own bf16 matmul rate, dev and test F1 against the shipped model's), then a few short runs at larger batches,
to show what limits utilisation. The config variants the sweep trains are made here too."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

from training.config import ExperimentConfig, load_config

from .timing import DeadlineStop, Phases, StepTimer

# A variant trains and scores only: no checkpoints, no dev evaluation during training (the caller scores dev once).
NO_CHECKPOINTS = {"eval_strategy": "no", "save_strategy": "no", "load_best_model_at_end": False}
QUIET = {"report_to": "none", "disable_tqdm": True}  # the log comes back whole: no progress bars in it


def variant(config: ExperimentConfig, backbone: str, data_dir: Path, output_dir: Path, training: dict | None = None,
            model: dict | None = None, data: dict | None = None) -> ExperimentConfig:
    """``config`` from the bundle: its backbone the unpacked folder, its data files the unpacked ones of the same
    names, its output under ``output_dir``, and the ``training``, ``model`` and ``data`` values given.

    Example:
        >>> variant(load_config("configs/tiny.yaml"), "/tmp/b", Path("/tmp/data"), Path("/tmp/run")).data.dev
        ['/tmp/data/articles.jsonl']
    """
    paths = {key: [str(data_dir / Path(path).name) for path in getattr(config.data, key)]
             for key in ("train", "dev", "test")}
    return dataclasses.replace(
        config, data=dataclasses.replace(config.data, **{**paths, **(data or {})}),
        model=dataclasses.replace(config.model, model_name_or_path=backbone, **(model or {})),
        training={**config.training, **QUIET, "output_dir": str(output_dir), **(training or {})})


def run_training(config: ExperimentConfig, deadline: float, timer: StepTimer | None = None) -> dict:
    """``training.train`` on ``config``, stopped after the step that passes ``deadline`` (``time.monotonic``): its
    wall time and where it went, the step it stopped at, the trainer's metrics and the model folder.

    Example:
        >>> run_training(config, time.monotonic() + 120)["model"]  # doctest: +SKIP
        '/tmp/gpu-check/release/model'
    """
    from inference.core.model_folder import RUN_MODEL_SUBDIR
    from training.train import train

    stop, phases = DeadlineStop(deadline), Phases()
    start = time.monotonic()
    metrics = train(config, callbacks=[stop, phases, *([timer] if timer else [])])
    end = time.monotonic()
    loop = (phases.began, phases.ended) if phases.began and phases.ended else (start, end)
    return {"wall_seconds": end - start, "before_loop_seconds": loop[0] - start, "loop_seconds": loop[1] - loop[0],
            "after_loop_seconds": end - loop[1], "stopped_at_step_for_the_deadline": stop.stopped_at,
            "trainer_metrics": metrics, "model": str(Path(config.training["output_dir"]) / RUN_MODEL_SUBDIR)}


def timed_block(config: ExperimentConfig, count_steps: int, warm_steps: int) -> StepTimer:
    """A step timer for ``config``: FLOPs counted in the first ``count_steps``, then the steps from ``count_steps +
    warm_steps`` to the first dev evaluation (or the last step) timed, so that no evaluation falls inside.

    Example:
        >>> timed_block(load_config("configs/release.yaml"), 2, 8).timed_steps  # steps 11 to 450
        440
    """
    args = config.training
    end = args["max_steps"]
    if args.get("eval_strategy", "epoch") == "steps":
        end = min(end, int(args.get("eval_steps") or end))
    timed_from = min(count_steps + warm_steps, end - 1)
    return StepTimer(count_steps, timed_from, end - timed_from)


def scores(model_dir: str, dev: list[str], device: str, out: Path) -> dict:
    """The model's flat F1s on ``dev`` (``training.evaluate``, on ``device``) and on the test data (the results
    training wrote into the model folder, if it had test data).

    Example:
        >>> found = scores("runs/gpu/model", ["data/release/dev.jsonl"], "cuda", Path("/tmp/eval"))  # doctest: +SKIP
        >>> found["dev"]["overall_f1"]  # doctest: +SKIP
        0.561
    """
    from inference.core.model_folder import EVAL_RESULTS_FILE
    from training.evaluate import evaluate_model
    from training.evaluation.span_metrics import flat_metrics

    start = time.monotonic()
    dev_flat = flat_metrics(evaluate_model(model_dir, dev, out, device=device))
    found = {"dev": _f1s(dev_flat), "dev_seconds": time.monotonic() - start}
    test = Path(model_dir) / EVAL_RESULTS_FILE
    if test.is_file():
        found["test"] = _f1s(flat_metrics(json.loads(test.read_text(encoding="utf-8"))["scores"]))
    return found


def against_shipped(found: dict, reference: dict | None) -> dict:
    """Overall F1 (points) of the run and of the shipped model on dev and test, their difference, and whether the
    run is within 0.5 point of the shipped model or better (the issue's bar for a GPU run).

    Example:
        >>> against_shipped({"dev": {"overall_f1": 0.56}}, {"dev_scores": {"overall_f1": 0.555}})["dev"]["points"]
        0.5
    """
    if not reference:
        return {}
    compared = {}
    for split in ("dev", "test"):
        if split in found and f"{split}_scores" in reference:
            run, shipped = (100 * s["overall_f1"] for s in (found[split], reference[f"{split}_scores"]))
            compared[split] = {"run": round(run, 2), "shipped": round(shipped, 2), "points": round(run - shipped, 2),
                               "within_half_a_point_or_better": run >= shipped - 0.5}
    return compared


def release_run(stage, config_path: str, unpacked: dict, scratch: Path, device: str, deadline: float,
                count_steps: int, warm_steps: int, matmul: float | None, datasheet: float | None) -> None:
    """Stage 2's main run: the config as it is (only the backbone and data re-pointed), timed (module docstring);
    into ``stage.data``, saved once trained (the model is then there for the next stages) and once scored."""
    config = variant(load_config(config_path), unpacked["backbone"], Path(unpacked["data"]), scratch / "release")
    timer = timed_block(config, count_steps, warm_steps)
    stage.data |= run_training(config, deadline, timer)
    args = config.training_arguments()
    stage.data |= {"device": str(args.device), "bf16": args.bf16, "windows_per_step": args.per_device_train_batch_size
                   * args.gradient_accumulation_steps, "max_length": config.data.max_length, "max_steps":
                   args.max_steps, "learning_rate": args.learning_rate,
                   "head_learning_rate": config.model.head_learning_rate}
    try:
        stage.data["timed"] = timer.summary(matmul, datasheet)
    except RuntimeError as error:  # stopped before the timed block's end: the run's scores still count
        stage.data["timed"] = {"error": str(error)}
    stage.save()
    found = scores(stage.data["model"], config.data.dev, device, scratch / "release-dev")
    stage.data |= {**found, "against_shipped": against_shipped(found, unpacked["bundle"].get("reference"))}
    stage.save()


def batch_scan(stage, config_path: str, unpacked: dict, scratch: Path, batches: list[int],
               steps: tuple[int, int, int], deadline: float, matmul: float | None, datasheet: float | None) -> None:
    """Short runs of the config at each of ``batches`` windows per step on a part of the data, without evaluations:
    ``steps`` = (counted, warm, timed); the same FLOPs per window, so utilisation rising with the batch means a fixed
    cost per step (Python, launches, the optimizer) holds it down. Stops before ``deadline``. Into
    ``stage.data["batch_scan"]``, saved after each."""
    count, warm, timed = steps
    rows = stage.data.setdefault("batch_scan", [])
    for batch in batches:
        if time.monotonic() > deadline:
            rows.append({"windows_per_step": batch, "skipped": "no time left"})
            continue
        config = variant(load_config(config_path), unpacked["backbone"], Path(unpacked["data"]),
                         scratch / f"scan-{batch}", {**NO_CHECKPOINTS, "per_device_train_batch_size": batch,
                                                     "max_steps": count + warm + timed},
                         model={"calibrate_thresholds": False}, data={"test": [], "max_train_articles": 200,
                                                                       "max_dev_articles": 4})
        timer = StepTimer(count, count + warm, timed)
        run = run_training(config, deadline, timer)
        rows.append({"windows_per_step": batch, "wall_seconds": run["wall_seconds"],
                     **timer.summary(matmul, datasheet)})
        stage.save()


def _f1s(flat: dict[str, float]) -> dict[str, float]:
    return {key: value for key, value in flat.items() if key.endswith("_f1")}
