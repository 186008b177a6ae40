"""Scores that mean what they say: a monotone map from a raw score to the share of such items that are right.

A claim's or an event's raw score is a mean tag probability; among claims scored about 0.9, far fewer than 9 in 10
are right. ``training.calibration --scores`` fits one map per kind on dev articles by isotonic regression (the
pool-adjacent-violators algorithm: a few lines of numpy, where scikit-learn would be a large dependency for it) and
saves them in the model folder (``score_maps.json``); the article decoder applies them. A map is piecewise linear
between its knots, so it keeps the order of the scores and stays within [0, 1].
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .model_folder import SCORE_MAPS_FILE

KINDS = ("claim", "event", "argument")


@dataclass
class ScoreMaps:
    """One map per kind of item, as knots ``(raw scores, calibrated scores)``; a kind without a map keeps its score."""

    knots: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)

    def apply(self, kind: str, score: float | None) -> float | None:
        """The calibrated score.

        Example:
            >>> ScoreMaps({"claim": ([0.2, 0.9], [0.1, 0.7])}).apply("claim", 0.55)
            0.4
        """
        if score is None or kind not in self.knots:
            return score
        xs, ys = self.knots[kind]
        return round(float(np.interp(score, xs, ys)), 6)

    def save(self, folder: str | Path) -> Path:
        path = Path(folder) / SCORE_MAPS_FILE
        path.write_text(json.dumps({kind: {"raw": xs, "calibrated": ys} for kind, (xs, ys) in self.knots.items()},
                                   indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, folder: str | Path) -> ScoreMaps:
        """The maps saved in a model folder; none when it has no ``score_maps.json``."""
        path = Path(folder) / SCORE_MAPS_FILE
        if not path.is_file():
            return cls()
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            knots = {kind: (list(map(float, saved[kind]["raw"])), list(map(float, saved[kind]["calibrated"])))
                     for kind in saved}
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}: not score maps ({error}); accepted: {{kind: {{raw: [...], calibrated: [...]}}}} "
                             f"for kinds {', '.join(KINDS)}") from None
        for kind, (xs, ys) in knots.items():
            if kind not in KINDS or len(xs) != len(ys) or not xs or xs != sorted(xs) or ys != sorted(ys) or not all(
                    0.0 <= y <= 1.0 for y in ys):
                raise ValueError(f"{path}: the map of {kind!r} is not a monotone map into [0, 1]; accepted: kinds "
                                 f"{', '.join(KINDS)}, raw and calibrated lists of one length, both increasing")
        return cls(knots)


def fit_isotonic(scores: Sequence[float], right: Sequence[bool]) -> tuple[list[float], list[float]]:
    """The isotonic regression of ``right`` on ``scores`` as knots: each block of scores gets the share right in it.

    Example:
        >>> fit_isotonic([0.9, 0.2, 0.5, 0.6], [True, False, True, False])
        ([0.2, 0.55, 0.9], [0.0, 0.5, 1.0])
    """
    order = np.argsort(scores, kind="stable")
    blocks: list[list[float]] = []  # [sum of right, count, sum of scores]
    for i in order:
        blocks.append([float(right[i]), 1.0, float(scores[i])])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            last = blocks.pop()
            blocks[-1] = [a + b for a, b in zip(blocks[-1], last, strict=True)]
    return [round(s / n, 6) for _, n, s in blocks], [round(r / n, 6) for r, n, _ in blocks]


def expected_calibration_error(scores: Sequence[float], right: Sequence[bool], bins: int = 10) -> float:
    """The mean gap between the score and the share right, over ``bins`` equal-width score bins, weighted by size.

    Example:
        >>> expected_calibration_error([0.9, 0.9, 0.1, 0.1], [True, False, False, False])
        0.25
    """
    scores, right = np.asarray(scores, dtype=float), np.asarray(right, dtype=float)
    if not len(scores):
        return 0.0
    which = np.minimum((scores * bins).astype(int), bins - 1)
    gaps = [abs(scores[which == b].mean() - right[which == b].mean()) * (which == b).sum() for b in range(bins)
            if (which == b).any()]
    return round(float(sum(gaps) / len(scores)), 6)
