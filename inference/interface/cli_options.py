"""The command-line options that ``python -m inference`` and ``python -m inference.corpus`` share: ``extract``'s
arguments as flags, and the argparse types that check them.

Light on purpose: ``--help`` is answered before torch or transformers is imported.

Example:
    >>> parser = argparse.ArgumentParser()
    >>> add_extraction_options(parser)
    >>> parser.parse_args(["--batch-size", "8", "--backend", "onnx"]).batch_size
    8
"""

from __future__ import annotations

import argparse

from ..runtime.backends import BACKENDS, BATCH_SIZE, GATE_POINTS


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text}: accepted: a positive number")
    return int(text)


def score(text: str) -> float:
    """An argparse type: a score between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text}: accepted: a score between 0 and 1")
    return value


def add_extraction_options(parser: argparse.ArgumentParser) -> None:
    """``extract``'s options as command-line flags: ``--model``, ``--batch-size``, ``--threshold``, ``--backend``."""
    parser.add_argument("--model", default=None, help="Model folder or hub id ORG/NAME (default: the shipped model).")
    parser.add_argument("--batch-size", type=positive_int, default=BATCH_SIZE,
                        help=f"Windows per forward pass (default: {BATCH_SIZE}).")
    parser.add_argument("--threshold", type=score, default=None,
                        help="Leave out claims, events, arguments and entities scoring below this (0-1; default: "
                             "keep all).")
    parser.add_argument("--backend", choices=BACKENDS, default=None,
                        help="One of %(choices)s (default: the fastest whose F1 gate passed for the model, recorded "
                             "in its backends.json; torch when none is). onnx: ONNX Runtime on the CPU, fp32, the "
                             f"same results; onnx-int8: int8, faster, within {GATE_POINTS} F1 point on held-out "
                             "articles (both: pip install -e '.[onnx]').")
