"""Publish a trained model folder to the Hugging Face Hub in one commit.

Usage::

    python -m training.publish --model runs/release/model --repo-id ORG/NAME [--private] [--revision BRANCH]
        [--commit-message TEXT] [--dry-run]

Uploads the safetensors weights, the tokenizer, ``config.json`` (with ``id2label``), ``schema.json``, the training
and evaluation reports and the model card, rendered again with ``ORG/NAME`` as the model id. The token comes from
``HF_TOKEN`` or the stored login (``hf auth login``); it is never logged, and no file holding it is uploaded.
``--dry-run`` lists exactly what would be uploaded, needs no token and sends nothing. ``HF_ENDPOINT`` points at
another hub.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import CommitInfo, CommitOperationAdd, HfApi, get_token
from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

from inference.core.model_folder import CARD_FILE, CONFIG_FILE, PUBLISHED, REQUIRED_TO_PUBLISH

from .cli import CommandError, command_parser, run_command, setup_logging

# The model code (torch, transformers) loads in collect_uploads, which needs it: --help answers at once.

logger = logging.getLogger("training.publish")

# Pickle-based weight and state formats run code when loaded: a folder holding one is not published.
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")


class PublishError(CommandError):
    """The model folder cannot be published as it is; the message names the file and what is accepted."""


@dataclass(frozen=True)
class Upload:
    """One file of the commit: its path in the repo and its bytes (the card is rendered, not read from disk)."""

    path: str
    content: bytes


def collect_uploads(model_dir: str | Path, repo_id: str) -> list[Upload]:
    """Check ``model_dir`` and return the files to upload, sorted by path, with the card rendered for ``repo_id``.

    Example::

        [u.path for u in collect_uploads("runs/release/model", "org/news-extractor")][:3]
        # -> ['README.md', 'config.json', 'eval_results.json']
    """
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise PublishError(f"--model {model_dir}: no such folder; accepted: a model folder saved by training "
                           "(OUTPUT_DIR/model)")
    pickles = sorted(p.name for p in model_dir.iterdir() if p.suffix in PICKLE_SUFFIXES)
    if pickles:
        raise PublishError(f"{model_dir / pickles[0]} is a pickle file ({', '.join(pickles)} in {model_dir}); only "
                           f"safetensors weights are published: delete it, or save the model again with "
                           "save_pretrained (safetensors)")
    missing = [" or ".join(sorted(names)) for names in REQUIRED_TO_PUBLISH
               if not any((model_dir / n).is_file() for n in names)]
    if missing:
        raise PublishError(f"{model_dir} lacks {', '.join(missing)}; accepted: a folder written by "
                           "`python -m training.train` (eval_results.json comes from its test data or from "
                           "`python -m training.evaluate --model DIR --data TEST`)")

    try:
        validate_repo_id(repo_id)
    except HFValidationError as error:
        raise PublishError(f"--repo-id {repo_id!r} is not a hub model id ({error}); accepted: ORG/NAME or USER/NAME"
                           ) from None
    from inference.core.modeling import EventClaimConfig  # here: a folder refused above loads no model code

    from .model_card import render_model_card

    uploads = {name: Upload(name, (model_dir / name).read_bytes())
               for name in PUBLISHED if (model_dir / name).is_file()}
    raw_config = json.loads(uploads[CONFIG_FILE].content)
    if raw_config.get("model_type") != EventClaimConfig.model_type:
        raise PublishError(f"{model_dir / CONFIG_FILE} has model_type {raw_config.get('model_type')!r}; accepted: "
                           f"{EventClaimConfig.model_type!r} (a folder saved by training)")
    if "id2label" not in raw_config:
        # Saved before configs named their labels: the reloaded config fills id2label in, nothing else changes.
        config = EventClaimConfig.from_pretrained(model_dir)
        uploads[CONFIG_FILE] = Upload(CONFIG_FILE, config.to_json_string().encode())
    uploads[CARD_FILE] = Upload(CARD_FILE, str(render_model_card(model_dir, model_id=repo_id)).encode())
    left_out = sorted(p.name for p in model_dir.iterdir() if p.name not in uploads)
    if left_out:
        logger.info("not uploaded (not on the allow-list): %s", ", ".join(left_out))
    return sorted(uploads.values(), key=lambda u: u.path)


def check_no_token(uploads: list[Upload], token: str | None) -> None:
    """Refuse to upload any file that holds the token (by name of the file, never showing the token)."""
    if not token:
        return
    for upload in uploads:
        if token.encode() in upload.content:
            raise PublishError(f"{upload.path} contains your Hugging Face token; remove it from the file before "
                               "publishing")


def describe(uploads: list[Upload], repo_id: str, revision: str) -> str:
    """The upload list as the CLI prints it: the count and total size, then one line per file with its bytes."""
    total = sum(len(u.content) for u in uploads)
    width = max(len(f"{len(u.content):,}") for u in uploads)
    lines = [f"{len(uploads)} files, {total:,} bytes, to {repo_id} (revision {revision}):"]
    lines += [f"  {len(u.content):>{width},}  {u.path}" for u in uploads]
    return "\n".join(lines)


def push(uploads: list[Upload], repo_id: str, *, private: bool = False, revision: str | None = None,
         commit_message: str | None = None, token: str | None = None) -> CommitInfo:
    """Upload ``uploads`` to ``repo_id`` in one commit, creating the repo (and the branch ``revision``) if needed.
    ``token`` defaults to ``HF_TOKEN`` or the stored login."""
    token = token or get_token()  # only ever handed to the scan below and to HfApi, never logged
    if token is None:
        raise PublishError("no Hugging Face token: set HF_TOKEN or run `hf auth login` (or use --dry-run)")
    check_no_token(uploads, token)
    target = revision or "main"
    api = HfApi(token=token)
    # private=None leaves a new repo to the namespace's default (public for a user, an org may make it private).
    repo = api.create_repo(repo_id, private=True if private else None, exist_ok=True)
    logger.info("repository %s ready", repo)
    if target != "main":
        api.create_branch(repo_id, branch=target, exist_ok=True)
    operations = [CommitOperationAdd(path_in_repo=u.path, path_or_fileobj=u.content) for u in uploads]
    message = commit_message or f"Upload event and claim extractor ({len(uploads)} files, training.publish)"
    commit = api.create_commit(repo_id, operations, commit_message=message, revision=target)
    logger.info("published %d files to %s@%s: %s", len(uploads), repo_id, target, commit.commit_url)
    return commit


def publish(model_dir: str | Path, repo_id: str, *, private: bool = False, revision: str | None = None,
            commit_message: str | None = None, token: str | None = None) -> CommitInfo:
    """Check a trained model folder and upload it to ``repo_id`` in one commit.

    Example::

        publish("runs/release/model", "org/news-extractor", revision="v1")
        # -> CommitInfo(commit_url='https://huggingface.co/org/news-extractor/commit/...', ...)
    """
    return push(collect_uploads(model_dir, repo_id), repo_id, private=private, revision=revision,
                commit_message=commit_message, token=token)


def main(argv: list[str] | None = None) -> CommitInfo | None:
    parser = command_parser("training.publish", __doc__)
    parser.add_argument("--model", required=True, help="Trained model folder (OUTPUT_DIR/model).")
    parser.add_argument("--repo-id", required=True, help="Hub model id ORG/NAME (or USER/NAME); created if needed.")
    parser.add_argument("--private", action="store_true",
                        help="Create the repository as private (default: the namespace's default).")
    parser.add_argument("--revision", default=None, help="Branch to commit to (default: main); created if needed.")
    parser.add_argument("--commit-message", default=None, help="Commit message.")
    parser.add_argument("--dry-run", action="store_true", help="List what would be uploaded; send nothing.")
    options = parser.parse_args(argv)
    setup_logging()

    uploads = collect_uploads(options.model, options.repo_id)
    check_no_token(uploads, get_token())
    print(("Would upload " if options.dry_run else "Uploading ")
          + describe(uploads, options.repo_id, options.revision or "main"), flush=True)
    if options.dry_run:
        return None
    commit = push(uploads, options.repo_id, private=options.private, revision=options.revision,
                  commit_message=options.commit_message)
    print(f"Committed {commit.oid}: {commit.commit_url}")
    return commit


if __name__ == "__main__":
    run_command(main, "training.publish")
