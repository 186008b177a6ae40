"""Score maps: monotone, within [0, 1], saved and loaded strictly; the calibration error they are judged by."""

from __future__ import annotations

import json
import random

import pytest

from inference.core.score_maps import ScoreMaps, expected_calibration_error, fit_isotonic


def test_a_fitted_map_is_monotone_bounded_and_keeps_the_order_of_scores(tmp_path):
    rng = random.Random(0)
    scores = [rng.random() for _ in range(500)]
    right = [rng.random() < s ** 2 for s in scores]  # raw scores overconfident, as a model's are
    xs, ys = fit_isotonic(scores, right)
    assert xs == sorted(xs) and ys == sorted(ys) and all(0.0 <= y <= 1.0 for y in ys)
    maps = ScoreMaps({"claim": (xs, ys)})
    calibrated = [maps.apply("claim", s) for s in sorted(scores)]
    assert calibrated == sorted(calibrated)
    assert expected_calibration_error(calibrated, [right[i] for i in sorted(range(500), key=scores.__getitem__)]) < \
        expected_calibration_error(scores, right)
    assert ScoreMaps.load(maps.save(tmp_path).parent).knots == maps.knots
    assert maps.apply("event", 0.7) == 0.7 and maps.apply("claim", None) is None  # no map: the score as it was


@pytest.mark.parametrize("saved", [
    {"claim": {"raw": [0.1, 0.5], "calibrated": [0.6, 0.2]}},   # decreasing
    {"claim": {"raw": [0.1, 0.5], "calibrated": [0.2, 1.5]}},   # beyond 1
    {"entity": {"raw": [0.1], "calibrated": [0.2]}},            # no such kind
    {"claim": {"raw": [0.1]}},                                  # no calibrated side
])
def test_a_bad_score_maps_file_is_an_error_naming_it(tmp_path, saved):
    (tmp_path / "score_maps.json").write_text(json.dumps(saved))
    with pytest.raises(ValueError, match="score_maps.json: .*accepted"):
        ScoreMaps.load(tmp_path)


def test_a_folder_without_maps_calibrates_nothing(tmp_path):
    assert ScoreMaps.load(tmp_path).knots == {}
