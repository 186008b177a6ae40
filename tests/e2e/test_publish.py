"""Publishing and loading by hub id, against a loopback stand-in for the Hugging Face Hub (``tests/fake_hub.py``)."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from huggingface_hub import ModelCard, constants
from safetensors.torch import load_file
from transformers import TrainingArguments

from inference import Predictor, extract
from inference.core.schema import LabelSchema
from inference.runtime.hub import resolve_model_dir
from tests.conftest import ROOT, make_tiny_model
from tests.fake_hub import FakeHub
from tests.processes import run_command
from training.config import load_config
from training.publish import PublishError, collect_uploads, main, publish
from training.train import build_model
from training.trainer import ExtractionTrainer

TOKEN = "hf_FakeTokenForLoopbackTests0123456789"
REPO = "acme/news-extractor"
UPLOADED = {"README.md", "config.json", "eval_results.json", "eval_results.md", "model.safetensors", "schema.json",
            "tokenizer.json", "tokenizer_config.json", "train_results.json", "training_args.json",
            "training_config.yaml"}
ROWS = ("trigger_identification", "trigger_classification", "argument_classification", "arguments_gold_triggers",
        "claim_source", "claim_cue", "claim_content", "linked_claims")


@pytest.fixture(scope="module")
def hub():
    fake = FakeHub()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def hub_env(hub, monkeypatch, tmp_path):
    """This process talks to the fake hub: endpoint, token, online, and a fresh download cache."""
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", hub.url + "/{repo_id}/resolve/{revision}/{filename}")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # conftest sets HF_HUB_OFFLINE=1 before the import
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    return hub


@pytest.fixture(scope="module")
def published(hub, model_dir) -> subprocess.CompletedProcess:
    """The CLI run as a user runs it: HF_ENDPOINT and HF_TOKEN in the environment."""
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, "HF_HUB_OFFLINE": "0",
           "HF_HUB_DISABLE_TELEMETRY": "1", "PYTHONPATH": str(ROOT)}
    return run_command(sys.executable, "-m", "training.publish", "--model", str(model_dir), "--repo-id", REPO,
                       "--private", env=env)


def sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def run_card_code(card: str, cwd: Path, env: dict[str, str]) -> int:
    """Run each Python block of a rendered card, as printed, in a fresh interpreter of its own (a block that only
    works after another one's imports fails here); returns how many ran."""
    blocks = re.findall(r"```python\n(.*?)```", card, re.DOTALL)
    for block in blocks:
        run_command(sys.executable, "-c", block, cwd=cwd, env=env, timeout=180)
    return len(blocks)


# --- publishing -------------------------------------------------------------------------------------------------

def test_publish_uploads_exactly_the_model_in_one_commit(hub, published, model_dir):
    commits = [c for c in hub.commits if c["repo"] == REPO]
    assert len(commits) == 1 and commits[0]["revision"] == "main"
    files = commits[0]["files"]
    assert set(files) == UPLOADED  # no predictions.jsonl, no pickle, nothing outside the allow-list
    for name in UPLOADED - {"README.md"}:
        assert files[name] == (model_dir / name).read_bytes(), name
    assert hub.repos[REPO]["private"] is True
    config = json.loads(files["config.json"])
    assert config["id2label"] == {str(i): label for i, label in enumerate(LabelSchema.default().claim_labels)}

    card = ModelCard(files["README.md"].decode())  # rendered again, with the repo id
    assert card.data.model_name == REPO and f"\n# {REPO}\n" in card.text
    assert f'model="{REPO}"' in card.text
    scores = json.loads(files["eval_results.json"])["scores"]
    reported = {r.metric_name: r.metric_value for r in card.data.eval_results}
    assert reported["Claim source exact F1"] == round(100 * scores["claim_source"]["exact"]["f1"], 1)

    listed = re.findall(r"^\s+[\d,]+  (\S+)$", published.stdout, re.MULTILINE)
    assert set(listed) == UPLOADED and "Committed " in published.stdout
    assert not hub.unhandled


def test_token_is_sent_only_as_authorization(hub, published):
    posts = [r for r in hub.requests if r.method == "POST"]
    kinds = {re.sub(rf"^/api/models/{REPO}/(\w+)/.*", r"\1", r.path) for r in posts}
    assert {"/api/repos/create", "/api/validate-yaml", "preupload", "commit"} <= kinds
    assert all(r.authorization == f"Bearer {TOKEN}" for r in posts)  # HF_TOKEN was picked up, as a header only
    for request in hub.requests:
        assert TOKEN.encode() not in request.body, request.path
    for commit in hub.commits:
        assert all(TOKEN.encode() not in content for content in commit["files"].values())
    assert TOKEN not in published.stdout and TOKEN not in published.stderr


def test_dry_run_lists_the_same_files_and_sends_nothing(hub_env, model_dir, capsys, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(model_dir / "no-stored-login"))
    before = len(hub_env.requests)
    assert main(["--model", str(model_dir), "--repo-id", "acme/dry", "--dry-run"]) is None
    out = capsys.readouterr().out
    assert out.startswith(f"Would upload {len(UPLOADED)} files, ")
    sizes = dict((name, int(size.replace(",", ""))) for size, name in re.findall(r"^\s+([\d,]+)  (\S+)$", out, re.M))
    assert set(sizes) == UPLOADED
    assert sizes["model.safetensors"] == (model_dir / "model.safetensors").stat().st_size
    assert len(hub_env.requests) == before and "acme/dry" not in hub_env.repos


def test_publish_to_a_new_branch(hub_env, published, model_dir):
    main_before = hub_env.repos[REPO]["branches"]["main"]
    commit = publish(model_dir, REPO, revision="v1", commit_message="release v1")
    assert hub_env.repos[REPO]["branches"]["main"] == main_before  # the existing repo and main are left alone
    assert hub_env.repos[REPO]["branches"]["v1"] == commit.oid
    assert hub_env.commits[-1]["revision"] == "v1" and hub_env.commits[-1]["summary"] == "release v1"
    assert set(hub_env.commits[-1]["files"]) == UPLOADED


def test_trainer_push_to_hub_publishes_the_model_folder_with_this_projects_card(hub_env, model_dir, tmp_path,
                                                                              tokenizer):
    run = tmp_path / "run"
    shutil.copytree(model_dir, run / "model")  # where training.train saves the model: ExtractionTrainer.model_dir
    args = TrainingArguments(str(run), hub_model_id="acme/pushed", report_to="none", use_cpu=True)
    trainer = ExtractionTrainer(model=make_tiny_model(tokenizer), args=args, schema=LabelSchema.default(),
                                processing_class=tokenizer)
    commit = trainer.push_to_hub(commit_message="from the trainer")
    last = hub_env.commits[-1]
    assert last["repo"] == "acme/pushed" and last["summary"] == "from the trainer" and commit.oid
    assert set(last["files"]) == UPLOADED  # the allow-list: no training_args.bin, no checkpoints, no predictions
    card = ModelCard(last["files"]["README.md"].decode())
    assert card.data.model_name == "acme/pushed" and "## Training procedure" in card.text  # ours, not the Trainer's

    trainer.create_model_card()  # what Trainer.push_to_hub would call: our card, into the model folder
    assert ModelCard.load(run / "model" / "README.md").data.model_name == "acme/pushed"
    assert not (run / "README.md").exists()


def test_trainer_enforces_the_arguments_the_code_depends_on(tokenizer, tmp_path, caplog):
    args = TrainingArguments(str(tmp_path), remove_unused_columns=True, report_to="none", use_cpu=True)
    with caplog.at_level(logging.WARNING, logger="training.trainer"):
        trainer = ExtractionTrainer(model=make_tiny_model(tokenizer), args=args, schema=LabelSchema.default())
    assert trainer.args.remove_unused_columns is False and trainer.args.include_num_input_tokens_seen == "non_padding"
    assert "remove_unused_columns=True" in caplog.text and "overridden with remove_unused_columns=False" in caplog.text
    assert args.remove_unused_columns is True  # the caller's arguments are left as they were


def _break(folder: Path, case: str) -> tuple[str, str]:
    """Spoil a copy of the model folder one way; returns (repo id to publish to, what the error must name)."""
    if case == "pickle":
        torch.save({"x": torch.zeros(1)}, folder / "pytorch_model.bin")
        return REPO, "pytorch_model.bin"
    if case == "no-safetensors":
        (folder / "model.safetensors").unlink()
        return REPO, "model.safetensors"
    if case == "no-eval":
        (folder / "eval_results.json").unlink()
        return REPO, "eval_results.json"
    if case == "foreign-config":
        (folder / "config.json").write_text(json.dumps({"model_type": "bert"}))
        return REPO, "config.json has model_type 'bert'"
    if case == "bad-repo-id":
        return "acme/news/extractor", "--repo-id 'acme/news/extractor'"
    (folder / "training_args.json").write_text(json.dumps({"hub_token": TOKEN}))  # token-in-file
    return REPO, "training_args.json contains your Hugging Face token"


@pytest.mark.parametrize("case", ["pickle", "no-safetensors", "no-eval", "foreign-config", "bad-repo-id",
                                  "token-in-file"])
def test_unpublishable_folders_are_refused_by_name(model_dir, tmp_path, monkeypatch, case):
    folder = tmp_path / "model"
    folder.mkdir()
    for file in model_dir.iterdir():
        (folder / file.name).write_bytes(file.read_bytes())
    repo_id, expected = _break(folder, case)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    with pytest.raises(PublishError, match=re.escape(expected)) as error:
        publish(folder, repo_id)  # refused before anything is sent (HF_HUB_OFFLINE=1 would fail any request)
    assert TOKEN not in str(error.value)
    with pytest.raises(PublishError, match=re.escape(expected)):  # python -m: one line, exit status 2 (run_command)
        main(["--model", str(folder), "--repo-id", repo_id, "--dry-run"])


def test_old_config_gets_id2label_on_upload(model_dir, tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    for file in model_dir.iterdir():
        (folder / file.name).write_bytes(file.read_bytes())
    config = json.loads((folder / "config.json").read_text())
    del config["id2label"], config["label2id"]
    (folder / "config.json").write_text(json.dumps(config))
    uploaded = {u.path: u.content for u in collect_uploads(folder, REPO)}
    assert json.loads(uploaded["config.json"])["id2label"]["1"] == "B-source"


# --- loading a published model by id ---------------------------------------------------------------------------

def test_round_trip_predicts_identically(hub_env, published, model_dir, articles):
    folder = resolve_model_dir(REPO)
    assert folder.is_relative_to(constants.HF_HUB_CACHE)
    assert {p.name for p in folder.iterdir()} == UPLOADED
    texts = [a.text for a in articles]
    local = Predictor.from_pretrained(model_dir, device="cpu").predict(texts)
    remote = Predictor.from_pretrained(REPO, device="cpu").predict(texts)
    assert any(a.claims or a.events for a in local)  # a random model tags plenty: the comparison is not vacuous
    assert [a.to_dict() for a in remote] == [a.to_dict() for a in local]
    assert extract(texts[0], model=REPO, device="cpu").to_dict() == \
        extract(texts[0], model=str(model_dir), device="cpu").to_dict()


def test_published_cards_code_runs_as_printed(hub, published, tmp_path):
    """The card's "How to use", copied from the hub as a user copies it: the pipeline, extract and AutoModel, each
    loading the model by its repo id in a new interpreter (where ``import inference`` alone must register it)."""
    card = hub.trees[hub.resolve(REPO, "main")]["README.md"].decode()
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, "HF_HUB_OFFLINE": "0",
           "HF_HOME": str(tmp_path / "hf-home"), "OMP_NUM_THREADS": "1"}
    assert f'model="{REPO}"' in card
    assert run_card_code(card, tmp_path, env) == 3


def test_training_continues_from_a_hub_id(hub_env, published, model_dir, tokenizer):
    reference_tokenizer = tokenizer
    config = load_config(ROOT / "configs" / "tiny.yaml")
    config = dataclasses.replace(config, model=dataclasses.replace(config.model, model_name_or_path=REPO))
    model, tokenizer = build_model(config, LabelSchema.default())
    expected = load_file(model_dir / "model.safetensors")
    state = model.state_dict()
    assert all(torch.equal(state[name], tensor) for name, tensor in expected.items())
    assert tokenizer("Police said so.")["input_ids"] == reference_tokenizer("Police said so.")["input_ids"]


def test_unknown_model_id_is_a_clear_error(hub_env):
    with pytest.raises(FileNotFoundError, match=r"'acme/missing' is not a folder.*hub model id ORG/NAME"):
        resolve_model_dir("acme/missing")
    with pytest.raises(FileNotFoundError, match=r"'runs/no/such/model' is not a folder and not a valid hub model id"):
        Predictor.from_pretrained("runs/no/such/model")

