"""The int8 graph computes the same integers on every x86 CPU: its weights leave no room for the saturating int16
pair sums of non-VNNI kernels, and ONNX Runtime's quantised matmuls equal ONNX's reference implementation even on
inputs chosen to overflow such a sum (on this machine's kernels, whichever they are)."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason='backend="onnx-int8" is optional: pip install -e ".[onnx]"')
ort = pytest.importorskip("onnxruntime", reason='backend="onnx-int8" is optional: pip install -e ".[onnx]"')

from onnx import helper, numpy_helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

from inference.runtime.onnx_backend import OnnxModel  # noqa: E402
from tests.conftest import make_sharp_model  # noqa: E402

INT16_MAX = 32767
WEIGHT_INPUT = {"QLinearMatMul": 3, "QAttention": 1}  # where each quantised op reads its int8 weight


@pytest.fixture(scope="module")
def int8_graph(tokenizer, tmp_path_factory):
    model = OnnxModel(make_sharp_model(tokenizer), cache_dir=tmp_path_factory.mktemp("onnx-cache"), int8=True,
                      tokenizer=tokenizer)
    return onnx.load(model.path)


def int8_weights(graph) -> dict[str, np.ndarray]:
    initializers = {tensor.name: tensor for tensor in graph.graph.initializer}
    return {node.name: numpy_helper.to_array(initializers[node.input[WEIGHT_INPUT[node.op_type]]])
            for node in graph.graph.node if node.op_type in WEIGHT_INPUT}


def test_no_pair_of_uint8_by_int8_products_can_overflow_int16(int8_graph):
    weights = int8_weights(int8_graph)
    assert len(weights) >= 4  # the matmuls and the attention of each layer
    for name, weight in weights.items():
        assert weight.dtype == np.int8, name
        assert 2 * 255 * int(np.abs(weight.astype(np.int32)).max()) <= INT16_MAX, f"{name}: 8-bit weights"


def test_quantised_matmul_is_exact_where_an_int16_pair_sum_would_saturate(int8_graph):
    """Every QLinearMatMul of the graph, alone, on activations of 255 where its weights are positive and 0 elsewhere
    (the largest pair sums the weights allow), against the reference implementation's exact integer arithmetic."""
    initializers = {tensor.name: tensor for tensor in int8_graph.graph.initializer}
    nodes = [node for node in int8_graph.graph.node if node.op_type == "QLinearMatMul"]
    assert nodes
    for node in nodes:
        weight = numpy_helper.to_array(initializers[node.input[3]])  # (K, N)
        rows = np.where(weight.T > 0, 255, 0).astype(np.uint8)  # (N, K): row n maximises output column n
        constants = [initializers[name] for name in node.input[1:] if name in initializers]
        single = helper.make_node("QLinearMatMul", ["a", *node.input[1:]], ["y"])
        graph = helper.make_graph(
            [single], "one_matmul", [helper.make_tensor_value_info("a", onnx.TensorProto.UINT8, list(rows.shape))],
            [helper.make_tensor_value_info("y", onnx.TensorProto.UINT8, None)], constants)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        expected = ReferenceEvaluator(model).run(None, {"a": rows})[0]
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        have = session.run(None, {"a": rows})[0]
        # One step of requantisation rounding at most; a saturated sum is off by thousands before it is scaled.
        assert np.abs(have.astype(int) - expected.astype(int)).max() <= 1, node.name
