"""ONNX Runtime backend for CPU inference: the encoder and the claim and trigger heads as one ONNX graph, fp32
(``backend="onnx"``) or with int8 weights (``backend="onnx-int8"``).

The argument head stays in torch: it runs once per window that has triggers, on the graph's ``hidden_states``, and is a
few small matmuls. The graph is exported once per set of weights (legacy TorchScript exporter, then ONNX Runtime's
BERT fusions: fused attention, skip-layer-norm and bias-gelu kernels) and cached in
``$XDG_CACHE_HOME/newsextract/onnx`` (``~/.cache/...``) under a hash of the weights, not in the model folder, which may
be read-only or inside the installed package. Exporting the shipped MiniLM-L6 model takes about 5 s (an 86 MB file)
on a 2-core CPU, a tiny test model about 1 s; a cached file is found in the time it takes to hash the weights.

The int8 graph is the fused fp32 one after ONNX Runtime's dynamic quantisation: every MatMul weight (attention
included, embeddings not) stored as int8 with one scale per output channel, activations quantised on the fly. One
scale per channel matters: with one per tensor a previous default model lost 1.2 points of overall test F1 (torch's
``quantize_dynamic`` 2.8); per channel, ``extract`` on the int8 graph gives 1.3-1.6x the words/s of the fp32 graph
on a 2-core CPU (its forward pass alone 1.6-2.0x torch's) within 0.5 point of its F1 (the shipped model: +0.12
test, -0.29 dev; ``benchmarks/speed.py --int8-data`` measures both).

Example:
    >>> predictor = Predictor.from_pretrained("runs/release/model", backend="onnx")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
import warnings
from pathlib import Path

import torch
from torch import nn

from .modeling import EventClaimModel, EventClaimOutput

logger = logging.getLogger(__name__)

BACKENDS = ("torch", "onnx", "onnx-int8")
INPUTS, OUTPUTS = ("input_ids", "attention_mask"), ("claim_logits", "trigger_logits", "hidden_states")
FORMAT = "2"  # bump when the exported graph changes, so older cached files are not used


def check_backend(backend: str) -> None:
    """A ``ValueError`` naming the accepted backends unless ``backend`` is one of them."""
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r}; accepted: {', '.join(map(repr, BACKENDS))}")


def resolve_device(device: str | torch.device | None, backend: str) -> torch.device:
    """The device a predictor runs on: ``device``, else CUDA when present (torch backend only), else the CPU.

    Example:
        >>> resolve_device(None, "onnx")
        device(type='cpu')
    """
    check_backend(backend)
    if device is None:
        return torch.device("cuda" if backend == "torch" and torch.cuda.is_available() else "cpu")
    device = torch.device(device)
    if backend != "torch" and device.type != "cpu":
        raise ValueError(f'backend="{backend}" runs on the CPU only; got device={str(device)!r}: pass device="cpu", '
                         'or backend="torch" for a GPU')
    return device


def _onnxruntime():
    try:
        import onnx  # noqa: F401  (the exporter and the fusion need it)
        import onnxruntime
    except ImportError as error:
        raise ImportError(f'backend="onnx" needs onnxruntime and onnx ({error}); install them with '
                          'pip install -e ".[onnx]"') from error
    return onnxruntime


class _Graph(nn.Module):
    """What the ONNX file holds: encoder, claim head and trigger head (eval mode: the model's dropout is a no-op)."""

    def __init__(self, model: EventClaimModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        hidden = self.model.encode(input_ids, attention_mask)  # (B, T, H)
        return self.model.claim_head(hidden), self.model.trigger_head(hidden), hidden


def export_onnx(model: EventClaimModel, path: str | Path, int8: bool = False) -> None:
    """Write ``model``'s encoder + claim and trigger heads to ``path``, with dynamic batch and sequence axes; with
    ``int8``, its MatMul weights quantised to int8 per output channel."""
    _onnxruntime()
    from onnxruntime.quantization import QuantType, quantize_dynamic
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
    try:
        with torch.no_grad(), warnings.catch_warnings(), tempfile.TemporaryDirectory() as folder:
            warnings.simplefilter("ignore")  # the exporter's deprecation notice and tracer warnings on shape checks
            plain = Path(folder) / "plain.onnx"
            # The exporter puts the module it is given back into that module's mode, children included: eval.
            torch.onnx.export(_Graph(model).eval(), (ids, mask), plain, input_names=list(INPUTS),
                              output_names=list(OUTPUTS), opset_version=17, dynamo=False,
                              dynamic_axes={name: {0: "batch", 1: "sequence"} for name in INPUTS + OUTPUTS})
            config = encoder.config
            # opt_level=0: only the portable fusions go into the file; the session adds the machine-specific ones.
            fused = optimize_model(str(plain), model_type="bert", num_heads=config.num_attention_heads,
                                   hidden_size=config.hidden_size, opt_level=0)
            if not int8:
                fused.save_model_to_file(str(path))
                return
            fused.save_model_to_file(str(plain))
            # The fused graph holds ONNX Runtime's own ops, whose output types shape inference cannot name: they
            # are float32 (DefaultTensorType 1). The embeddings stay fp32: a lookup gains nothing from int8, and
            # quantising them cost an earlier default model 0.7 point of test F1 (0.03 without).
            quantize_dynamic(plain, path, weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul", "Attention"], extra_options={"DefaultTensorType": 1})
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


def default_cache_dir() -> Path:
    """Where exported graphs are kept: ``$XDG_CACHE_HOME/newsextract/onnx``, else ``~/.cache/newsextract/onnx``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsextract" / "onnx"


def onnx_file(model: EventClaimModel, cache_dir: str | Path | None = None, int8: bool = False) -> Path:
    """The cached ONNX file of ``model``'s weights (``int8``: quantised), exported first when missing (written
    atomically, so processes sharing the cache never read half a file)."""
    _onnxruntime()
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = folder / f"event-claim-{_fingerprint(model)}{'-int8' if int8 else ''}.onnx"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            export_onnx(model, partial, int8)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)  # a failed export leaves nothing behind
        logger.info("exported %s in %.1f s", path, time.perf_counter() - start)
    return path


class OnnxModel:
    """Stands in for :class:`EventClaimModel` in a :class:`Predictor`: ONNX Runtime runs the encoder and the claim and
    trigger heads (on the CPU; fp32, or int8 weights with ``int8``), torch the argument head. Rows must be padded on
    the right, as the predictor pads them: the fused attention reads each row's mask as a length.

    Example:
        >>> predictor = Predictor(OnnxModel(model), tokenizer, device="cpu")  # doctest: +SKIP
    """

    def __init__(self, model: EventClaimModel, cache_dir: str | Path | None = None, threads: int | None = None,
                 int8: bool = False) -> None:
        ort = _onnxruntime()
        if model.dtype != torch.float32:
            raise ValueError(f'the ONNX backends export float32 weights; got {model.dtype}: load the model with '
                             "dtype=torch.float32")
        self.config = model.config
        self.path = onnx_file(model.cpu().eval(), cache_dir, int8)
        self.argument_head = model.argument_head.eval()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or torch.get_num_threads()  # as many as torch would use
        options.inter_op_num_threads = 1  # the graph is one chain: nothing to run side by side
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    def to(self, device: str | torch.device) -> OnnxModel:
        resolve_device(device, "onnx")  # anything but the CPU is an error
        return self

    def eval(self) -> OnnxModel:
        self.argument_head.eval()
        return self

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                 return_hidden: bool = False) -> EventClaimOutput:
        feed = {"input_ids": input_ids.cpu().numpy(), "attention_mask": attention_mask.cpu().numpy()}
        claim, trigger, hidden = (torch.from_numpy(a) for a in self.session.run(list(OUTPUTS), feed))  # no copies
        return EventClaimOutput(claim_logits=claim, trigger_logits=trigger,
                                hidden_states=hidden if return_hidden else None)

    def argument_logits(self, hidden: torch.Tensor, trigger_positions: torch.Tensor) -> torch.Tensor:
        return self.argument_head(hidden, trigger_positions)  # (B, K, T, A)
