"""Files the code reads from beside itself must ship in the wheel, not only sit in the source tree."""

from pathlib import Path, PurePosixPath

import pytest

import inference
import training
from inference.interface.api import DEFAULT_MODEL
from inference.runtime.int8 import CALIBRATION_FILE
from tests.conftest import ROOT
from training.data.importers.event_mapping import DEFAULT_EVENT_MAPPING
from training.evaluation.span_metrics import METRIC_PATH
from training.model_card import TEMPLATE

PACKAGES = {"inference": Path(inference.__file__).parent, "training": Path(training.__file__).parent}


@pytest.mark.parametrize("path", [TEMPLATE, DEFAULT_EVENT_MAPPING, METRIC_PATH, DEFAULT_MODEL / "model.safetensors",
                                  CALIBRATION_FILE, DEFAULT_MODEL / "backends.json"],
                         ids=lambda path: path.name)
def test_run_time_files_are_package_data(path):
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    owner = [name for name, folder in PACKAGES.items() if path.is_relative_to(folder)]
    assert owner, f"{path} lies outside the packages {sorted(PACKAGES)}: a wheel install would not have it"
    inside = PurePosixPath(path.relative_to(PACKAGES[owner[0]]).as_posix())
    assert path.is_file(), f"{path} is missing"
    assert any(inside.match(glob) for glob in package_data.get(owner[0], [])), \
        f"{inside} is not matched by [tool.setuptools.package-data] {owner[0]} in pyproject.toml"
