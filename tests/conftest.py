"""Shared fixtures: the real (offline) MiniLM tokenizer, tiny random extractors, and hand-written articles."""

from __future__ import annotations

import contextlib
import functools
import os
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # any accidental download must fail fast, not hang
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
# No time limit per example: the machines are shared, and a loaded one made 200 ms deadlines fail at random.
settings.register_profile("shared-machines", deadline=None)
settings.load_profile("shared-machines")

from transformers import AutoTokenizer, BertConfig  # noqa: E402

from inference.core.articles import read_jsonl  # noqa: E402
from inference.core.backbone import resolve_backbone  # noqa: E402
from inference.core.modeling import EventClaimConfig, EventClaimModel  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
TIERS = ("unit", "model", "e2e")  # the folders under tests/, each a marker (pytest -m unit): see pyproject's markers


OPT_IN = ("slow", "gpu")  # markers whose tests run only when -m names them


def pytest_collection_modifyitems(config, items):
    """Mark each test with its tier, the folder it is in (a doctest of the package code is a unit test), and leave out
    the slow and gpu tests unless ``-m`` names them: ``-m unit`` is the fast unit tests, ``-m slow`` the slow ones."""
    named = config.getoption("markexpr") or ""
    kept, left_out = [], []
    for item in items:
        parts = item.path.relative_to(ROOT / "tests").parts if item.path.is_relative_to(ROOT / "tests") else ()
        item.add_marker(parts[0] if len(parts) > 1 and parts[0] in TIERS else "unit")
        opted_out = any(item.get_closest_marker(name) and name not in named for name in OPT_IN)
        (left_out if opted_out else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture(autouse=True)
def no_process_left_behind():
    """A test that leaves a process of its own running fails, and the process is killed: a worker left asleep on a
    port can hang the next run (tests/processes.py runs commands so that none is)."""
    import psutil

    before = {p.pid for p in psutil.Process().children(recursive=True)}
    yield
    started = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    _, left = psutil.wait_procs(started, timeout=2)  # a pool's workers may still be on their way out
    if left:
        names = []
        for process in left:
            with contextlib.suppress(psutil.Error):
                names.append(" ".join(process.cmdline()[:4]))
                process.kill()
        pytest.fail(f"the test left {len(left)} process(es) running, now killed: {names}")


@functools.cache
def load_tokenizer():
    """The real MiniLM tokenizer, offline and loaded once: the tests' and the doctests' (conftest.py at the root)."""
    try:
        source = resolve_backbone("all-MiniLM-L6-v2")
    except ImportError:  # a GPU machine with no registry: the 88 MB backbone package cannot travel there
        from inference.core.model_folder import DEFAULT_MODEL

        source = DEFAULT_MODEL  # the shipped model keeps MiniLM's tokenizer, the same vocabulary
    return AutoTokenizer.from_pretrained(source)


@pytest.fixture(scope="session")
def tokenizer():
    return load_tokenizer()


def make_tiny_model(tokenizer, seed: int = 0, window: int = 32, stride: int = 8, **config) -> EventClaimModel:
    """A 2-layer, 32-wide random encoder with the real vocabulary: fast, deterministic, no download. ``config``: more
    ``EventClaimConfig`` values (``entity_labels=...`` adds an entity head)."""
    import torch

    torch.manual_seed(seed)
    encoder = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=128, hidden_dropout_prob=0.0,
                         attention_probs_dropout_prob=0.0)
    return EventClaimModel(EventClaimConfig(encoder=encoder.to_dict(), classifier_dropout=0.0, window=window,
                                            stride=stride, **config))


def make_sharp_model(tokenizer) -> EventClaimModel:
    """A tiny model with its heads scaled up 30 times, so a random model predicts many spans, arguments included."""
    import torch

    model = make_tiny_model(tokenizer, seed=3, window=16, stride=4)
    with torch.no_grad():
        for head in (model.claim_head, model.trigger_head, model.argument_head.out):
            head.weight.mul_(30.0)
    return model.eval()


@pytest.fixture
def tiny_model(tokenizer):
    return make_tiny_model(tokenizer)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tokenizer) -> Path:
    """A tiny random extractor saved with its tokenizer, usable as ``model_name_or_path``."""
    path = tmp_path_factory.mktemp("tiny-model")
    make_tiny_model(tokenizer).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def articles():
    return read_jsonl(FIXTURES / "articles.jsonl")


def without_scores(value):
    """A result dict (``to_dict()``, JSON) with every score left out: what two backends must agree on exactly."""
    if isinstance(value, dict):
        return {key: without_scores(item) for key, item in value.items() if key != "score"}
    return [without_scores(item) for item in value] if isinstance(value, list) else value


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, tokenizer, articles) -> Path:
    """A model folder with every file training writes, made by the same functions (a random tiny model, no training),
    plus a file that must not be published."""
    import json

    from inference.core.schema import LabelSchema
    from inference.runtime.predictor import Predictor
    from training.config import load_config
    from training.evaluation.report import write_report
    from training.evaluation.scoring import evaluate_articles
    from training.model_card import write_model_card

    path = tmp_path_factory.mktemp("tiny-run") / "model"
    model = make_tiny_model(tokenizer)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    LabelSchema.default().save(path)
    config = load_config(ROOT / "configs" / "tiny.yaml")
    config.save(path)
    (path / "training_args.json").write_text(config.training_arguments().to_json_string())
    (path / "train_results.json").write_text(json.dumps({"train_runtime": 61.2, "train_tokens_per_second": 812.4}))
    scores, _ = evaluate_articles(Predictor(model, tokenizer, device="cpu"), articles)
    write_report(scores, path, {"model": str(path), "data": ["tests/fixtures/articles.jsonl"],
                                "articles": len(articles), "device": "cpu"})
    write_model_card(path)
    (path / "predictions.jsonl").write_text("{}\n")  # evaluate --predictions --out MODEL_DIR leaves one here
    return path
