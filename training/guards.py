"""What a training run checks before it spends minutes: the output folder it holds, the steps it will take, windows
that fit the backbone. Each failure is one line naming what was wrong and what is accepted (``training.cli``)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from inference.core.model_folder import RUN_MODEL_SUBDIR

from .cli import CommandError
from .strict_yaml import ConfigError

logger = logging.getLogger("training.train")

LOCK_FILE = ".training.lock"  # in output_dir while a training writes it: the process id
# Encoders whose position table keeps two entries for padding ("max_position_embeddings": 514 for 512 tokens).
PADDED_POSITIONS = ("roberta", "xlm-roberta", "mpnet", "camembert")


def check_steps(training: dict) -> None:
    """A ``ConfigError`` when the training arguments train nothing (``max_steps: 0``, or no epochs).

    Example:
        >>> check_steps({"max_steps": 0})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        training.strict_yaml.ConfigError: training.max_steps=0, num_train_epochs=3.0 train nothing; accepted: ...
    """
    steps, epochs = training.get("max_steps", -1), training.get("num_train_epochs", 3.0)
    if steps == 0 or steps < 0 and epochs <= 0:
        raise ConfigError(f"training.max_steps={steps}, num_train_epochs={epochs} train nothing; accepted: "
                          "max_steps >= 1, or max_steps -1 with num_train_epochs > 0")


def check_window(max_length: int, backbone: dict, name: str) -> None:
    """A ``ConfigError`` when windows of ``max_length`` tokens do not fit the backbone's position embeddings
    (``backbone``: its config as a dict), instead of an index error in the first step.

    Example:
        >>> check_window(1024, {"model_type": "bert", "max_position_embeddings": 512}, "bert-base")
        Traceback (most recent call last):
        ...
        training.strict_yaml.ConfigError: data.max_length=1024, but bert-base has 512 positions; accepted: 8 to 512
    """
    encoder = backbone.get("encoder") or backbone  # a trained extractor keeps its encoder's config inside its own
    positions = encoder.get("max_position_embeddings")
    usable = positions - 2 if positions and encoder.get("model_type") in PADDED_POSITIONS else positions
    if usable and max_length > usable:
        raise ConfigError(f"data.max_length={max_length}, but {name} has {usable} positions; accepted: 8 to {usable}")


@contextmanager
def claimed_output_dir(output_dir: Path, resume: str | bool | None) -> Iterator[None]:
    """Hold ``output_dir`` for one training at a time (a lock file with the process id, taken over from a process
    that no longer runs), and refuse one that already holds a trained model or checkpoints unless resuming: two runs
    writing one folder would mix their weights, config and card, and a finished model would be replaced silently."""
    if os.environ.get("RANK", "0") != "0":  # torchrun's other processes: the first one holds the folder
        yield
        return
    earlier = [p.name for p in (output_dir / RUN_MODEL_SUBDIR, *output_dir.glob("checkpoint-*")) if p.exists()]
    if earlier and not resume:
        raise CommandError(f"training.output_dir {output_dir} holds an earlier run ({', '.join(sorted(earlier)[:3])}); "
                           "accepted: another output_dir, --resume to continue it, or delete it first")
    output_dir.mkdir(parents=True, exist_ok=True)
    lock = output_dir / LOCK_FILE
    for _ in range(2):
        try:
            with open(lock, "x", encoding="utf-8") as handle:
                handle.write(str(os.getpid()))
            break
        except FileExistsError:
            owner = lock.read_text(encoding="utf-8").strip()
            if owner.isdigit() and _running(int(owner)):
                raise CommandError(f"training.output_dir {output_dir} is in use by training process {owner}; "
                                   "accepted: another output_dir, or wait for it to end") from None
            lock.unlink(missing_ok=True)  # left by a run that was killed
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: running
        return True
    return True


def resume_point(resume: str | bool | None, output_dir: str) -> str | None:
    """The checkpoint ``--resume`` continues from: the newest complete one for ``True``, the one named, or None."""
    from .checkpoints import checkpoint_problem, last_complete_checkpoint

    if resume is True:
        resume = last_complete_checkpoint(output_dir)  # logs each newer, half-written one it skips
        if resume is None:
            raise FileNotFoundError(f"--resume: no complete checkpoint-* folder in {output_dir}; train without "
                                    "--resume")
    elif resume and (problem := checkpoint_problem(resume)):
        raise FileNotFoundError(f"--resume {resume}: {problem}; name a complete checkpoint, or pass --resume alone "
                                "for the newest complete one")
    if resume:
        logger.info("resuming from %s", resume)
    return resume or None


def check_finite(model, step: int, learning_rate: float) -> None:
    """A ``ConfigError`` when training left weights that are NaN or infinite: the model would extract nothing, and
    the logged loss may even read 0, so the run must not end as a success."""
    broken = [name for name, weights in model.named_parameters() if not weights.isfinite().all()]
    if broken:
        raise ConfigError(f"training diverged: {len(broken)} weight tensors are NaN or infinite after step {step} "
                          f"(learning_rate={learning_rate}); accepted: a lower training.learning_rate; no model saved")
