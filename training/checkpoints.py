"""Which checkpoint ``--resume`` continues from: the newest one that a kill did not leave half-written."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from transformers.trainer import TRAINER_STATE_NAME
from transformers.trainer_utils import sort_checkpoints
from transformers.utils import SAFE_WEIGHTS_INDEX_NAME, SAFE_WEIGHTS_NAME

logger = logging.getLogger(__name__)


def checkpoint_problem(folder: str | Path) -> str | None:
    """What keeps ``folder`` from being resumed, or None when it is complete.

    ``Trainer._save_checkpoint`` writes the weights, then the optimizer, scheduler and RNG states, and
    ``trainer_state.json`` last, each in place (nothing is written to a temporary name first): a kill can leave a
    folder with weights and optimizer but no state, or a state file cut short. So a checkpoint is complete when its
    ``trainer_state.json`` reads as JSON and its weights are there. ``get_last_checkpoint`` only looks at folder names.

    Example:
        >>> checkpoint_problem("runs/killed/checkpoint-600")
        'no trainer_state.json (the save was cut short)'
    """
    folder = Path(folder)
    state = folder / TRAINER_STATE_NAME
    if not state.is_file():
        return f"no {TRAINER_STATE_NAME} (the save was cut short)"
    try:
        json.loads(state.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return f"{TRAINER_STATE_NAME} is not complete JSON (the save was cut short)"
    if not any((folder / name).is_file() for name in (SAFE_WEIGHTS_NAME, SAFE_WEIGHTS_INDEX_NAME)):
        return f"no {SAFE_WEIGHTS_NAME}"
    return None


def last_complete_checkpoint(output_dir: str | Path) -> str | None:
    """The newest ``checkpoint-N`` folder of ``output_dir`` that is complete (see :func:`checkpoint_problem`), or
    None when there is none; every newer one skipped is logged with the reason.

    Example::

        last_complete_checkpoint("runs/release")  # -> 'runs/release/checkpoint-400'
    """
    if not Path(output_dir).is_dir():
        return None
    for folder in reversed(sort_checkpoints(str(output_dir))):  # newest (highest step) first
        problem = checkpoint_problem(folder)
        if problem is None:
            return folder
        logger.warning("--resume: skipping %s: %s", folder, problem)
    return None
