"""What a training run checks before it starts: one run per output folder, steps to take, windows that fit, finite
weights after training, and no secret in the saved config."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest
import torch

from tests.conftest import ROOT
from training.cli import CommandError
from training.config import load_config
from training.guards import LOCK_FILE, check_finite, check_steps, check_window, claimed_output_dir
from training.strict_yaml import ConfigError


def test_a_folder_holding_an_earlier_run_is_refused_unless_resuming(tmp_path):
    (tmp_path / "model").mkdir()
    with pytest.raises(CommandError, match=r"holds an earlier run \(model\).*--resume"):
        with claimed_output_dir(tmp_path, resume=None):
            pass
    with claimed_output_dir(tmp_path, resume=True):
        assert (tmp_path / LOCK_FILE).read_text() == str(os.getpid())
    assert not (tmp_path / LOCK_FILE).exists(), "the lock goes with the run"


def test_a_folder_in_use_by_a_running_training_is_refused(tmp_path):
    with claimed_output_dir(tmp_path, resume=None):
        with pytest.raises(CommandError, match=f"in use by training process {os.getpid()}"):
            with claimed_output_dir(tmp_path, resume=True):
                pass


def test_the_lock_of_a_killed_run_is_taken_over(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                              check=True, timeout=60)
    (tmp_path / LOCK_FILE).write_text(finished.stdout.strip())  # a process id that no longer runs
    with claimed_output_dir(tmp_path, resume=None):
        assert (tmp_path / LOCK_FILE).read_text() == str(os.getpid())


@pytest.mark.parametrize("training", [{"max_steps": 0}, {"num_train_epochs": 0}, {"max_steps": -1,
                                                                                   "num_train_epochs": 0.0}])
def test_a_run_that_trains_nothing_is_refused(training):
    with pytest.raises(ConfigError, match="train nothing; accepted: max_steps >= 1"):
        check_steps(training)


def test_windows_must_fit_the_backbone_positions():
    check_window(512, {"model_type": "bert", "max_position_embeddings": 512}, "bert")
    with pytest.raises(ConfigError, match="mpnet has 512 positions"):  # two of MPNet's 514 are for padding
        check_window(514, {"model_type": "mpnet", "max_position_embeddings": 514}, "mpnet")
    with pytest.raises(ConfigError, match="extractor has 128 positions"):  # a trained extractor's own encoder
        check_window(256, {"encoder": {"model_type": "bert", "max_position_embeddings": 128}}, "extractor")


def test_weights_that_are_not_finite_after_training_fail_the_run():
    model = torch.nn.Linear(2, 2)
    check_finite(model, 5, 1.0e-4)
    with torch.no_grad():
        model.weight[0, 0] = float("nan")
    with pytest.raises(ConfigError, match=r"diverged: 1 weight tensors .* after step 5 \(learning_rate=1000000.0\)"):
        check_finite(model, 5, 1.0e6)


def test_the_saved_config_keeps_no_hub_token(tmp_path):
    config = load_config(ROOT / "configs" / "tiny.yaml")
    config = dataclasses.replace(config, training={**config.training, "hub_token": "hf_SecretValue123"})
    saved = config.save(tmp_path).read_text(encoding="utf-8")
    assert "hf_SecretValue123" not in saved and "hub_token: <HUB_TOKEN>" in saved
