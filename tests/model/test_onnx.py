"""The ONNX backend on tiny random models: the predictions of torch, dynamic shapes, a cached export, errors."""

from __future__ import annotations

import json
import sys

import pytest
import torch

pytest.importorskip("onnxruntime", reason='backend="onnx" is optional: pip install -e ".[onnx]"')
pytest.importorskip("onnx", reason='backend="onnx" is optional: pip install -e ".[onnx]"')

from inference.__main__ import main  # noqa: E402
from inference.interface import api  # noqa: E402
from inference.interface.api import extract, load_predictor  # noqa: E402
from inference.runtime import onnx_backend  # noqa: E402
from inference.runtime.backends import resolve_device  # noqa: E402
from inference.runtime.onnx_backend import OnnxModel  # noqa: E402
from inference.runtime.predictor import Predictor  # noqa: E402
from tests.conftest import make_sharp_model, make_tiny_model, without_scores  # noqa: E402


@pytest.fixture(scope="module")
def sharp_model(tokenizer):
    return make_sharp_model(tokenizer)


@pytest.fixture(scope="module")
def onnx_model(sharp_model, tmp_path_factory):
    return OnnxModel(sharp_model, cache_dir=tmp_path_factory.mktemp("onnx-cache"))


def structure(article):
    """Everything but the scores: event types, triggers, argument roles and spans, claim parts."""
    events = [(e.type, e.trigger, [(a.role, a.span) for a in e.arguments]) for e in article.events]
    return events, [(c.source, c.cue, c.content) for c in article.claims]


def scores(article) -> list[float]:
    return ([e.score for e in article.events] + [a.score for e in article.events for a in e.arguments]
            + [c.score for c in article.claims])


def test_onnx_predicts_what_torch_predicts(sharp_model, onnx_model, tokenizer, articles):
    texts = [a.text for a in articles] + [" ".join(a.text for a in articles) * 3]  # the last one: many windows
    expected = Predictor(sharp_model, tokenizer, batch_size=5, device="cpu").predict(texts)
    got = Predictor(onnx_model, tokenizer, batch_size=5, device="cpu").predict(texts)
    assert sum(len(e.arguments) for p in expected for e in p.events) > 0 and sum(len(p.claims) for p in expected) > 0
    for want, have in zip(expected, got, strict=True):
        assert structure(have) == structure(want)
        assert scores(have) == pytest.approx(scores(want), abs=1e-4)


@pytest.mark.parametrize(("batch", "length"), [(1, 7), (1, 128), (5, 7), (5, 128)])
@torch.inference_mode()  # as the predictor runs them
def test_any_batch_size_and_window_length(sharp_model, onnx_model, batch, length):
    torch.manual_seed(length)
    input_ids = torch.randint(1000, 5000, (batch, length))
    attention_mask = torch.ones_like(input_ids)
    attention_mask[-1, length // 2 :] = 0  # a padded row (the only row when batch is 1)
    want = sharp_model(input_ids, attention_mask, return_hidden=True)
    have = onnx_model(input_ids, attention_mask, return_hidden=True)
    assert list(have.keys()) == list(want.keys())  # every output the model has, a new head's too
    for name in want.keys():
        assert getattr(have, name).shape == getattr(want, name).shape
        # logits are scaled up 30 times by the fixture: compare them at the scale of the encoder's outputs
        scale = 30.0 if name != "hidden_states" else 1.0
        torch.testing.assert_close(getattr(have, name) / scale, getattr(want, name) / scale, rtol=0, atol=1e-4)
    positions = torch.tensor([[1, length - 2]] * batch)
    torch.testing.assert_close(onnx_model.argument_logits(have.hidden_states, positions),
                               sharp_model.argument_logits(want.hidden_states, positions), rtol=0, atol=1e-3)
    assert onnx_model(input_ids, attention_mask).hidden_states is None


def test_export_is_cached_per_weights(tokenizer, tmp_path, monkeypatch):
    model = make_tiny_model(tokenizer, seed=1).eval()
    cache = tmp_path / "cache"
    first = OnnxModel(model, cache_dir=cache)
    assert list(cache.iterdir()) == [first.path]  # no partial file left behind
    assert not any(module.training for module in model.modules())  # the exporter left it as it was: eval
    onnx_backend.export_onnx(model.train(), tmp_path / "again.onnx")
    assert all(module.training for module in model.modules())  # and training stays training

    def fail(*args, **kwargs):
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_backend, "export_onnx", fail)
    assert OnnxModel(make_tiny_model(tokenizer, seed=1), cache_dir=cache).path == first.path
    with pytest.raises(AssertionError, match="exported again"):  # other weights, another file
        OnnxModel(make_tiny_model(tokenizer, seed=2), cache_dir=cache)


@torch.inference_mode()
def test_int8_graph_is_static_and_stays_close_to_fp32(sharp_model, onnx_model, tokenizer):
    import onnx

    int8 = OnnxModel(sharp_model, cache_dir=onnx_model.path.parent, int8=True, tokenizer=tokenizer)
    assert int8.path != onnx_model.path and "-int8-" in int8.path.name  # both cached, side by side
    nodes = onnx.load(int8.path).graph.node
    ops = [node.op_type for node in nodes]
    assert {"QLinearMatMul", "QAttention"} <= set(ops)  # attention included
    # Static: every activation scale is a constant of the graph, none computed from the batch at hand.
    assert "DynamicQuantizeLinear" not in ops and "MatMulInteger" not in ops
    assert ops.count("MatMul") == sharp_model.config.encoder["num_hidden_layers"]  # only the ones after the GELU
    assert "EmbedLayerNormalization" in ops and "QEmbedLayerNormalization" not in ops  # the embeddings stay fp32
    assert int8.path.stat().st_size < onnx_model.path.stat().st_size
    other = OnnxModel(sharp_model, cache_dir=onnx_model.path.parent, int8=True, tokenizer=tokenizer,
                      calibration_texts=["The minister said the talks would go on next week in Vienna. " * 20])
    assert other.path != int8.path  # other calibration text, another cached graph
    torch.manual_seed(0)
    input_ids = torch.randint(1000, 5000, (3, 16))
    want, have = (m(input_ids, torch.ones_like(input_ids), return_hidden=True) for m in (onnx_model, int8))
    assert want.hidden_states.std() == pytest.approx(1.0, abs=0.1)  # layer-normed: the error below is relative
    assert (have.hidden_states - want.hidden_states).abs().max() < 0.2
    assert (have.hidden_states - want.hidden_states).abs().max() > 0  # not the fp32 graph under another name
    with pytest.raises(ValueError, match="int8=True calibrates on text and needs the model's tokenizer"):
        OnnxModel(sharp_model, cache_dir=onnx_model.path.parent, int8=True)


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty ONNX file cache under ``tmp_path`` and no predictor loaded yet."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(api, "_predictors", {})
    return tmp_path / "newsextract" / "onnx"


def test_loaded_through_the_api_and_cached_per_backend(tiny_model_dir, fresh_cache):
    onnx = load_predictor(tiny_model_dir, "cpu", backend="onnx")
    assert isinstance(onnx.model, OnnxModel) and onnx is load_predictor(tiny_model_dir, None, backend="onnx")
    assert onnx is not load_predictor(tiny_model_dir, "cpu")
    assert list(fresh_cache.glob("*.onnx")) == [onnx.model.path]
    text = "Police said two people were killed in Gaza. " * 6
    want = extract(text, model=tiny_model_dir, device="cpu").to_dict()
    assert want["events"] or want["claims"], "a random tiny model tags something on 48 words"
    assert without_scores(extract(text, model=onnx).to_dict()) == without_scores(want)


def test_command_line_backend(tiny_model_dir, tmp_path, fresh_cache):
    article = tmp_path / "article.txt"
    article.write_text("The minister said on Monday that troops attacked the town. " * 4, encoding="utf-8")
    lines = {}
    for backend in ("torch", "onnx", "onnx-int8"):
        main([str(article), "--model", str(tiny_model_dir), "--device", "cpu", "--backend", backend,
              "-o", str(tmp_path / f"{backend}.jsonl")])
        lines[backend] = json.loads((tmp_path / f"{backend}.jsonl").read_text(encoding="utf-8"))
    assert len(list(fresh_cache.glob("*.onnx"))) == 2  # the onnx runs did use ONNX Runtime, one graph each
    assert lines["torch"]["events"] or lines["torch"]["claims"]
    assert without_scores(lines["onnx"]) == without_scores(lines["torch"])  # scores: compared unrounded above
    assert lines["onnx-int8"].keys() == lines["torch"].keys()  # int8 may move a near-tied tag: its F1 is benchmarked


def test_errors_say_what_is_accepted(tiny_model_dir, monkeypatch):
    with pytest.raises(ValueError, match="backend='tensorrt'; accepted: 'torch', 'onnx', 'onnx-int8'"):
        Predictor.from_pretrained(tiny_model_dir, backend="tensorrt")
    with pytest.raises(ValueError, match="backend='tensorrt'; accepted"):
        extract("Police said so.", model=Predictor.from_pretrained(tiny_model_dir, device="cpu"), backend="tensorrt")
    for backend in ("onnx", "onnx-int8"):
        with pytest.raises(ValueError, match=f'backend="{backend}" runs on the CPU only; got device=\'cuda:1\''):
            Predictor.from_pretrained(tiny_model_dir, backend=backend, device="cuda:1")
    assert resolve_device(None, "onnx") == torch.device("cpu")  # never CUDA, even where there is one
    with pytest.raises(SystemExit):
        main(["article.txt", "--backend", "tensorrt"])
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r'pip install -e "\.\[onnx\]"'):
        Predictor.from_pretrained(tiny_model_dir, backend="onnx", device="cpu")
