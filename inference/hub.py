"""Where a model lives: a local folder, or a model id on the Hugging Face Hub fetched into the local cache."""

from __future__ import annotations

import logging
from pathlib import Path

from huggingface_hub import snapshot_download
from huggingface_hub.errors import HFValidationError

logger = logging.getLogger(__name__)

# What a saved extractor needs: weights (safetensors only, never pickle), config, schema and reports (json, yaml),
# tokenizer files, the card. Checkpoint folders and optimizer states are never published, so never asked for.
MODEL_FILES = ["*.safetensors", "*.json", "*.yaml", "*.md", "vocab.txt", "merges.txt", "*.model"]


def resolve_model_dir(name_or_path: str | Path, revision: str | None = None) -> Path:
    """A local model folder as it is, or a hub model id downloaded (once, into the Hugging Face cache) as a folder.

    ``revision`` (a branch, tag or commit) applies to hub ids. Private models use the token in ``HF_TOKEN`` or the
    stored login; ``HF_HUB_OFFLINE=1`` serves a model id from the cache only.

    Example:
        >>> resolve_model_dir("runs/release/model")  # doctest: +SKIP
        PosixPath('runs/release/model')
        >>> resolve_model_dir("org/news-extractor")  # doctest: +SKIP
        PosixPath('/root/.cache/huggingface/hub/models--org--news-extractor/snapshots/3f1c...')
    """
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return path
    accepted = "accepted: a folder saved by training (model.safetensors, config.json, ...) or a hub model id ORG/NAME"
    try:
        folder = Path(snapshot_download(str(name_or_path), revision=revision, allow_patterns=MODEL_FILES))
    except HFValidationError as error:
        raise FileNotFoundError(f"model {str(name_or_path)!r} is not a folder and not a valid hub model id "
                                f"({error}); {accepted}") from None
    except OSError as error:  # the hub's HTTP errors, a missing cache entry when offline
        at = f" at revision {revision!r}" if revision else ""
        # The hub's own message (chained below) has the details; this one says what to pass instead.
        raise FileNotFoundError(f"model {str(name_or_path)!r} is not a folder and could not be fetched from the hub"
                                f"{at} ({type(error).__name__}); {accepted} (set HF_TOKEN for a private one)"
                                ) from error
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"hub repo {str(name_or_path)!r} has no config.json, so it holds no model; {accepted}")
    logger.info("model %s%s fetched into %s", name_or_path, f"@{revision}" if revision else "", folder)
    return folder
