"""A reliability diagram: for claims and events, how often an item scored about *s* is right, against *s*.

Drawn with matplotlib (the ``plots`` extra, part of ``test``), imported here only: evaluation itself needs no plotting.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from inference.core.score_maps import expected_calibration_error

BINS = 10


def reliability_diagram(outcomes: dict[str, tuple[Sequence[float], Sequence[bool]]], path: str | Path,
                        title: str = "") -> Path:
    """Write a PNG with one panel per kind of ``outcomes`` (``training/evaluation/score_outcomes.py``): the share
    right in each of 10 score bins against the bin's mean score, the diagonal a perfectly calibrated score follows,
    and each bin's size. Returns the path.

    Example::

        reliability_diagram(outcomes(gold, predictions), "docs/reliability.png", "shipped model, test split")
    """
    import matplotlib

    matplotlib.use("Agg")  # files only: no display
    import matplotlib.pyplot as plt

    kinds = [kind for kind, (scores, _) in outcomes.items() if len(scores)]
    figure, axes = plt.subplots(1, max(len(kinds), 1), figsize=(4.2 * max(len(kinds), 1), 4.2), squeeze=False)
    for axis, kind in zip(axes[0], kinds, strict=False):
        scores, right = np.asarray(outcomes[kind][0], dtype=float), np.asarray(outcomes[kind][1], dtype=float)
        which = np.minimum((scores * BINS).astype(int), BINS - 1)
        used = [b for b in range(BINS) if (which == b).any()]
        means = [scores[which == b].mean() for b in used]
        shares = [right[which == b].mean() for b in used]
        axis.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1)
        axis.bar(means, shares, width=0.07, color="#1e63c4", alpha=0.8)
        for x, y, b in zip(means, shares, used, strict=True):
            axis.annotate(str(int((which == b).sum())), (x, y), ha="center", va="bottom", fontsize=7)
        axis.set(xlim=(0, 1), ylim=(0, 1.08), xlabel="score", ylabel="share right",
                 title=f"{kind}s: ECE {expected_calibration_error(scores, right):.3f}, {len(scores)} items")
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return Path(path)
