"""The one description of a model folder (``inference/core/model_folder.py``) is the one every command follows."""

from __future__ import annotations

import shutil

import pytest

from inference.core.model_folder import (
    BACKENDS_FILE,
    PUBLISHED,
    REQUIRED_TO_PUBLISH,
    SHIPPED_FROM_CANDIDATE,
    check_model_dir,
    weights_sha256,
)
from training.publish import collect_uploads


def test_what_is_required_or_shipped_is_published():
    assert set().union(*REQUIRED_TO_PUBLISH) <= set(PUBLISHED)
    assert set(SHIPPED_FROM_CANDIDATE) <= set(PUBLISHED)
    assert len(set(PUBLISHED)) == len(PUBLISHED)


def test_every_file_training_writes_is_published_and_nothing_else(model_dir):  # noqa: F811
    written = {path.name for path in model_dir.iterdir()}
    uploaded = {upload.path for upload in collect_uploads(model_dir, "acme/x")}
    assert uploaded == written & set(PUBLISHED) == written - {"predictions.jsonl"}


def test_a_gate_record_is_published_with_the_weights_it_measured(model_dir, tmp_path):  # noqa: F811
    folder = shutil.copytree(model_dir, tmp_path / "model")
    (folder / BACKENDS_FILE).write_text(f'{{"passed": ["torch"], "weights_sha256": "{weights_sha256(folder)}"}}\n')
    assert BACKENDS_FILE in {upload.path for upload in collect_uploads(folder, "acme/x")}


def test_a_folder_without_weights_is_no_model(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match=r"has no model\.safetensors, so it holds no model; accepted: "):
        check_model_dir(tmp_path)
    assert weights_sha256(tmp_path) is None
