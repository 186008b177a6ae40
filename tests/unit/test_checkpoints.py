"""``--resume`` picks the newest complete checkpoint and says which newer ones it skipped and why."""

from __future__ import annotations

import logging

from training.checkpoints import checkpoint_problem, last_complete_checkpoint


def checkpoint(root, step: int, state: str | None = "{}", weights: bool = True):
    folder = root / f"checkpoint-{step}"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "optimizer.pt").write_bytes(b"\0")
    if weights:
        (folder / "model.safetensors").write_bytes(b"\0")
    if state is not None:
        (folder / "trainer_state.json").write_text(state)
    return folder


def test_newest_complete_checkpoint_by_step_and_the_skipped_ones_logged(tmp_path, caplog):
    complete = checkpoint(tmp_path, 9)
    checkpoint(tmp_path, 2)
    checkpoint(tmp_path, 10, state=None)  # killed before trainer_state.json
    checkpoint(tmp_path, 11, state='{"global_step": 1')  # killed while writing it
    checkpoint(tmp_path, 12, weights=False)
    with caplog.at_level(logging.WARNING, logger="training.checkpoints"):
        assert last_complete_checkpoint(tmp_path) == str(complete)  # 9, not 2: steps compare as numbers
    assert [record.getMessage().split(": ", 2)[1:] for record in caplog.records] == [
        [f"skipping {tmp_path}/checkpoint-12", "no model.safetensors"],
        [f"skipping {tmp_path}/checkpoint-11", "trainer_state.json is not complete JSON (the save was cut short)"],
        [f"skipping {tmp_path}/checkpoint-10", "no trainer_state.json (the save was cut short)"],
    ]


def test_no_complete_checkpoint(tmp_path):
    assert last_complete_checkpoint(tmp_path / "missing") is None
    checkpoint(tmp_path, 1, state=None)
    assert last_complete_checkpoint(tmp_path) is None
    assert checkpoint_problem(tmp_path / "checkpoint-1") == "no trainer_state.json (the save was cut short)"
