"""ONNX Runtime backend for CPU inference: the encoder and the claim and trigger heads as one ONNX graph, fp32
(``backend="onnx"``) or with int8 weights (``backend="onnx-int8"``).

The argument and frame heads stay in torch: they run once per window that has triggers (cues), on the graph's
``hidden_states``, and are a few small matmuls. The graph is exported once per set of weights (legacy TorchScript
exporter, then ONNX Runtime's BERT fusions: fused attention, skip-layer-norm and bias-gelu kernels) and cached in
``$XDG_CACHE_HOME/newsextract/onnx`` (``~/.cache/...``) under a hash of the weights, not in the model folder, which may
be read-only or inside the installed package; a cached graph is used only once its bytes match the digest of what was
written (``inference/runtime/graph_cache.py``). Exporting takes seconds (docs/speed.md has the times and sizes); a
cached file is found in the time it takes to hash the weights and the file.

The int8 graph is the fused fp32 one after static quantisation (``inference/runtime/int8.py``): int8 weights with one
scale per output channel, activation scales calibrated once on news text, so an article's result does not depend on the
other articles of a call (dynamic quantisation, used before, picked scales per call and did). It is cached beside the
fp32 file under a hash of the weights, the calibration windows and the recipe.

The graph's outputs are whatever :class:`EventClaimModel` returns without trigger or cue positions (every head's
logits but the arguments' and the frames', and ``hidden_states``), named as its output fields: a new head is exported
without a change here.

Example::

    predictor = Predictor.from_pretrained("runs/release/model", backend="onnx")
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import warnings
from pathlib import Path

import torch
from torch import nn

from ..core.modeling import EventClaimModel, EventClaimOutput
from .backends import INT8_RECIPE, resolve_device
from .graph_cache import cached_graph, default_cache_dir
from .int8 import calibration_windows, default_calibration_texts, quantize_int8, windows_digest

__all__ = ["OnnxModel", "export_onnx", "onnx_file"]

logger = logging.getLogger(__name__)

INPUTS = ("input_ids", "attention_mask")
FORMAT = "3"  # bump when the exported graph changes, so older cached files are not used


def _onnxruntime():
    try:
        import onnx  # noqa: F401  (the exporter and the fusion need it)
        import onnxruntime
    except ImportError as error:
        raise ImportError(f'backend="onnx" needs onnxruntime and onnx ({error}); install them with '
                          'pip install -e ".[onnx]"') from error
    return onnxruntime


class _Graph(nn.Module):
    """What the ONNX file holds: the model's forward pass without trigger positions (eval mode: dropout is a no-op),
    its outputs in the order of :class:`EventClaimOutput`'s fields (a ``ModelOutput`` holds only those set)."""

    def __init__(self, model: EventClaimModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(self.model(input_ids, attention_mask, return_hidden=True).values())


def graph_outputs(model: EventClaimModel) -> list[str]:
    """The names of what the exported graph returns: the fields :class:`EventClaimOutput` sets without trigger
    positions (every head's logits but the arguments', then ``hidden_states``).

    Example::

        graph_outputs(model)  # -> ['claim_logits', 'trigger_logits', 'hidden_states']
    """
    ids = torch.full((1, 4), 1000)
    with torch.no_grad():
        return list(model(ids, torch.ones_like(ids), return_hidden=True).keys())


def export_onnx(model: EventClaimModel, path: str | Path) -> None:
    """Write ``model``'s forward pass (encoder and the heads that need no trigger) to ``path`` as an fp32 graph with
    ONNX Runtime's BERT fusions, with dynamic batch and sequence axes."""
    _onnxruntime()
    from onnxruntime.transformers.optimizer import optimize_model

    encoder = model.encoder
    attention, training = encoder.config._attn_implementation, model.training
    # Eager attention traces to the MatMul-Softmax pattern that ONNX Runtime fuses into one Attention kernel (the SDPA
    # graph is left unfused). The example batch has a padded row: transformers drops an all-ones mask while tracing,
    # which would bake "no padding" into the graph.
    ids = torch.full((2, 8), 1000)
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0
    encoder.set_attn_implementation("eager")
    outputs = graph_outputs(model.eval())
    try:
        with torch.no_grad(), warnings.catch_warnings(), tempfile.TemporaryDirectory() as folder:
            warnings.simplefilter("ignore")  # the exporter's deprecation notice and tracer warnings on shape checks
            plain = Path(folder) / "plain.onnx"
            # The exporter puts the module it is given back into that module's mode, children included: eval.
            torch.onnx.export(_Graph(model).eval(), (ids, mask), plain, input_names=list(INPUTS),
                              output_names=outputs, opset_version=17, dynamo=False,
                              dynamic_axes={name: {0: "batch", 1: "sequence"} for name in [*INPUTS, *outputs]})
            config = encoder.config
            # opt_level=0: only the portable fusions go into the file; the session adds the machine-specific ones.
            fused = optimize_model(str(plain), model_type="bert", num_heads=config.num_attention_heads,
                                   hidden_size=config.hidden_size, opt_level=0)
            fused.save_model_to_file(str(path))
    finally:
        encoder.set_attn_implementation(attention)
        model.train(training)


def _fingerprint(model: EventClaimModel) -> str:
    """A hash of the weights, the encoder config and the exporting versions: the cache key of the ONNX file."""
    import onnxruntime

    digest = hashlib.sha256(json.dumps([FORMAT, torch.__version__, onnxruntime.__version__, model.config.encoder],
                                       sort_keys=True, default=str).encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy())
    return digest.hexdigest()[:16]


def onnx_file(model: EventClaimModel, cache_dir: str | Path | None = None,
              int8_windows: list[list[int]] | None = None) -> Path:
    """The cached fp32 ONNX file of ``model``'s weights, or with ``int8_windows`` (calibration token ids, see
    :func:`inference.runtime.int8.calibration_windows`) its static int8 version; made first when missing or damaged
    (written atomically, so processes sharing the cache never read half a file).

    Example::

        onnx_file(model).name  # -> 'event-claim-3f9c2a7d1b0e4c55.sha256-9b1de0c2a4f7e331.onnx'
    """
    return _graph(model, cache_dir, int8_windows)[0]


def _graph(model: EventClaimModel, cache_dir: str | Path | None,
           int8_windows: list[list[int]] | None) -> tuple[Path, bytes]:
    """:func:`onnx_file`'s path, and the graph's bytes as checked against its digest (what a session loads)."""
    _onnxruntime()
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    fingerprint = _fingerprint(model)
    if int8_windows is None:
        return cached_graph(folder, f"event-claim-{fingerprint}", lambda out: export_onnx(model, out))
    fp32 = onnx_file(model, cache_dir)
    stem = f"event-claim-{fingerprint}-int8-{INT8_RECIPE}-{windows_digest(int8_windows)}"
    return cached_graph(folder, stem, lambda out: quantize_int8(fp32, out, int8_windows))


class OnnxModel:
    """Stands in for :class:`EventClaimModel` in a :class:`Predictor`: ONNX Runtime runs the encoder and the heads
    that need no anchor (on the CPU; fp32, or static int8 with ``int8``), torch the argument and frame heads. Rows
    must be padded on the right, as the predictor pads them: the fused attention reads each row's mask as a length.

    ``int8`` needs the ``tokenizer`` to cut the calibration texts into windows: ``calibration_texts`` (news like what
    the model will read; default: the texts shipped with the package, ``inference/int8_calibration.txt``).

    Example::

        predictor = Predictor(OnnxModel(model), tokenizer, device="cpu")
        int8 = OnnxModel(model, int8=True, tokenizer=tokenizer, calibration_texts=my_news)
    """

    def __init__(self, model: EventClaimModel, cache_dir: str | Path | None = None, threads: int | None = None,
                 int8: bool = False, tokenizer=None, calibration_texts: list[str] | None = None) -> None:
        ort = _onnxruntime()
        if model.dtype != torch.float32:
            raise ValueError(f'the ONNX backends export float32 weights; got {model.dtype}: load the model with '
                             "dtype=torch.float32")
        if int8 and tokenizer is None:
            raise ValueError("int8=True calibrates on text and needs the model's tokenizer: pass tokenizer=")
        self.config = model.config
        windows = None
        if int8:
            texts = default_calibration_texts() if calibration_texts is None else calibration_texts
            windows = calibration_windows(tokenizer, texts, model.config.window)
        self.path, graph = _graph(model.cpu().eval(), cache_dir, windows)
        self.argument_head = model.argument_head.eval()
        self.frame_head = model.frame_head.eval() if model.frame_head is not None else None
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or torch.get_num_threads()  # as many as torch would use
        options.inter_op_num_threads = 1  # the graph is one chain: nothing to run side by side
        # From the bytes checked against the digest, not the path: the file may change after the check.
        self.session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        self.outputs = [output.name for output in self.session.get_outputs()]

    def to(self, device: str | torch.device) -> OnnxModel:
        resolve_device(device, "onnx")  # anything but the CPU is an error
        return self

    def eval(self) -> OnnxModel:
        self.argument_head.eval()
        if self.frame_head is not None:
            self.frame_head.eval()
        return self

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                 return_hidden: bool = False) -> EventClaimOutput:
        feed = {"input_ids": input_ids.cpu().numpy(), "attention_mask": attention_mask.cpu().numpy()}
        arrays = self.session.run(self.outputs, feed)
        out = {name: torch.from_numpy(array) for name, array in zip(self.outputs, arrays, strict=True)}  # no copies
        if not return_hidden:
            out.pop("hidden_states")
        return EventClaimOutput(**out)

    def argument_logits(self, hidden: torch.Tensor, trigger_positions: torch.Tensor) -> torch.Tensor:
        return self.argument_head(hidden, trigger_positions)  # (B, K, T, A)

    def frame_logits(self, hidden: torch.Tensor, cue_positions: torch.Tensor) -> torch.Tensor:
        return self.frame_head(hidden, cue_positions)  # (B, Q, T, F)
