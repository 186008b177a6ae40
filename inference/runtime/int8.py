"""Static int8 quantisation of the exported graph: activation scales calibrated once, on windows of news text, so an
article's result never depends on the other articles of a call.

Dynamic quantisation (what ``backend="onnx-int8"`` used before) picks each activation's scale from the batch it
runs on, so the same article came out differently beside different neighbours. Here every scale is fixed when the
graph is built: each MatMul weight int8 with one scale per output channel, each activation it reads uint8 with one
scale (MinMax over the calibration windows), run by ONNX Runtime's QOperator kernels (QAttention, QLinearMatMul):
faster than the same recipe in QDQ format, whose fused Attention stays fp32 (QDQ has no QAttention; the measurements
are in docs/speed.md).

One matmul per layer stays fp32: the one reading the GELU's output, whose range is a few large outliers over many
small values; one scale over that range changed several times as many of the shipped model's claim tags as keeping
it fp32 (7-bit weights, percentile ranges and SmoothQuant did not help: docs/speed.md, docs/experiments.md). The
embeddings stay fp32 too.

Weights are 7-bit (``reduce_range``: -64..64), so that every CPU computes the same integers. ONNX Runtime multiplies
uint8 activations by int8 weights; on x86 CPUs without VNNI its kernels add each two neighbouring products into a
saturating int16 (``vpmaddubsw``), and 2 × 255 × 127 overflows it, so AVX2 and AVX-512-VNNI CPUs gave different
scores and spans for the same graph. With 7-bit weights the pair sum is at most 2 × 255 × 64 = 32,640 < 32,767 on
every kernel: the integer sums are exact everywhere (``tests/model/test_int8_exact.py`` checks the weights' range and
ONNX Runtime's matmuls against ONNX's reference implementation).

Calibration text: the caller's, else ``int8_calibration.txt`` shipped in this package (~1,700 words of news written
for it, in the style of the training corpora: attributed claims and the eight event types). Shipped with the package,
not with a model, so a hub model or one trained here quantises without a download and without the training data,
which the project does not redistribute.

Example::

    windows = calibration_windows(tokenizer, default_calibration_texts(), window=128)
    quantize_int8("model.onnx", "model-int8.onnx", windows)
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

CALIBRATION_FILE = Path(__file__).with_name("int8_calibration.txt")
CALIBRATION_BATCH = 8  # windows per calibration run: only memory depends on it, the MinMax ranges do not
GELU_OPS = {"Gelu", "BiasGelu", "FastGelu", "QuickGelu"}  # what ONNX Runtime's fusions make of a GELU


def default_calibration_texts() -> list[str]:
    """The news texts shipped for calibration, one per paragraph.

    Example:
        >>> len(default_calibration_texts()) > 10
        True
    """
    return [block.strip() for block in CALIBRATION_FILE.read_text(encoding="utf-8").split("\n\n") if block.strip()]


def calibration_windows(tokenizer, texts: Sequence[str], window: int) -> list[list[int]]:
    """Token ids of full windows (``[CLS]``, ``window - 2`` tokens, ``[SEP]``) cut from ``texts`` run together.

    Full windows only: a padded position's activations are computed too, and would widen the ranges with values no
    real token has.

    Example:
        >>> len(calibration_windows(tokenizer, ["Police said two people were killed."] * 40, 16))
        20
    """
    from ..core.alignment import tokenize_texts

    ids = [i for tokens in tokenize_texts(tokenizer, list(texts)) for i in tokens.input_ids]
    size = window - 2
    rows = [[tokenizer.cls_token_id, *ids[i : i + size], tokenizer.sep_token_id]
            for i in range(0, len(ids) - size + 1, size)]
    if not rows:
        raise ValueError(f"calibration texts of {len(ids)} tokens fill no window of {size}; accepted: texts of at "
                         f"least {size} tokens in all (a few hundred words)")
    return rows


def windows_digest(windows: list[list[int]]) -> str:
    """A hash of the calibration windows: part of the int8 graph's cache key."""
    return hashlib.sha256(repr(windows).encode()).hexdigest()[:16]


def _reader(windows: list[list[int]]):
    import numpy as np
    from onnxruntime.quantization import CalibrationDataReader

    class WindowReader(CalibrationDataReader):
        """Feeds the calibration windows, ``CALIBRATION_BATCH`` at a time (no padding: every row is full)."""

        def __init__(self) -> None:
            ids = np.array(windows, dtype=np.int64)
            self.batches = iter([{"input_ids": ids[i : i + CALIBRATION_BATCH],
                                  "attention_mask": np.ones_like(ids[i : i + CALIBRATION_BATCH])}
                                 for i in range(0, len(ids), CALIBRATION_BATCH)])

        def get_next(self) -> dict | None:
            return next(self.batches, None)

    return WindowReader()


def _after_gelu(model) -> list[str]:
    """Names of the MatMul nodes that read a GELU's output."""
    gelu_outputs = {name for node in model.graph.node if node.op_type in GELU_OPS for name in node.output}
    return [node.name for node in model.graph.node if node.op_type == "MatMul" and node.input[0] in gelu_outputs]


@contextmanager
def _static_attention() -> Iterator[None]:
    """Let the static QOperator quantiser turn the fused Attention into QAttention, whose input scale may be a
    constant: ONNX Runtime registers it for dynamic quantisation only, which would leave the Q/K/V projections (a
    quarter of the matmul work) fp32."""
    from onnxruntime.quantization import registry
    from onnxruntime.quantization.operators.attention import AttentionQuant

    added = "Attention" not in registry.QLinearOpsRegistry
    registry.QLinearOpsRegistry.setdefault("Attention", AttentionQuant)
    try:
        yield
    finally:
        if added:
            del registry.QLinearOpsRegistry["Attention"]


def quantize_int8(fp32_path: str | Path, out: str | Path, windows: list[list[int]]) -> None:
    """Write the static int8 version of the fused fp32 graph at ``fp32_path`` to ``out``, calibrated on ``windows``."""
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory() as folder:
        typed = Path(folder) / "typed.onnx"
        # Symbolic shape inference names the output type of ONNX Runtime's fused ops, without which the quantiser
        # skips the matmuls reading them; it also marks the graph as pre-processed (no warning from the quantiser).
        # skip_optimization: the graph is already fused, and the session optimises it for this machine.
        quant_pre_process(str(fp32_path), str(typed), skip_optimization=True, auto_merge=True, guess_output_rank=True)
        excluded = _after_gelu(onnx.load(typed, load_external_data=False))
        with _static_attention():
            quantize_static(str(typed), str(out), _reader(windows), quant_format=QuantFormat.QOperator,
                            per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                            op_types_to_quantize=["MatMul", "Attention"], nodes_to_exclude=excluded,
                            calibrate_method=CalibrationMethod.MinMax, reduce_range=True,
                            extra_options={"DefaultTensorType": 1})
    logger.info("int8 graph calibrated on %d windows; %d matmul(s) after a GELU kept fp32", len(windows), len(excluded))
