"""Where a model lives: a local folder, or a model id on the Hugging Face Hub fetched into the local cache."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
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
    accepted = "accepted: a folder saved by training (model.safetensors, config.json, ...) or a hub model id ORG/NAME"
    if not isinstance(name_or_path, (str, Path)):
        raise TypeError(f"model={name_or_path!r} ({type(name_or_path).__name__}); {accepted}, a Path, or a Predictor")
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return check_model_dir(path)
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
    return check_model_dir(folder)


def check_model_dir(folder: Path) -> Path:
    """``folder`` when it holds a config and safetensors weights; else an error saying what is missing. Pickled weights
    (``pytorch_model.bin``) are refused: loading a pickle can run code, so the error says how to convert them.

    Example:
        >>> check_model_dir(Path("inference/default_model"))  # doctest: +SKIP
        PosixPath('inference/default_model')
    """
    weights = any(folder.glob("model*.safetensors"))
    pickles = sorted(p.name for p in folder.glob("*.bin"))
    if not weights and pickles:
        raise ValueError(f"model folder {folder} holds {', '.join(pickles)} (a pickle, which can run code when "
                         "loaded) and no model.safetensors; only safetensors weights are loaded. If you trust the "
                         "file, convert it once: python -c \"from inference import EventClaimModel; "
                         f"EventClaimModel.from_pretrained('{folder}', use_safetensors=False).save_pretrained("
                         f"'{folder}')\" (save_pretrained writes model.safetensors)")
    missing = [name for name, there in (("config.json", (folder / "config.json").is_file()),
                                        ("model.safetensors", weights)) if not there]
    if missing:
        raise FileNotFoundError(f"model folder {folder} has no {' and no '.join(missing)}, so it holds no model; "
                                "accepted: a folder saved by training or training.ship (config.json, "
                                "model.safetensors, the tokenizer)")
    return folder


@contextmanager
def quiet_weight_loading() -> Iterator[None]:
    """Hide transformers' progress bars (the "Loading weights" bar of every ``from_pretrained``) inside the block,
    then set them back as they were: a library call the user did not ask to watch prints nothing.

    Example:
        >>> with quiet_weight_loading():  # doctest: +SKIP
        ...     model = EventClaimModel.from_pretrained(folder)
    """
    from huggingface_hub import utils as hub_utils
    from transformers.utils import logging as transformers_logging

    # transformers' switch turns the hub's bars off too: remember both
    shown, hub_hidden = transformers_logging.is_progress_bar_enabled(), hub_utils.are_progress_bars_disabled()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if shown:
            transformers_logging.enable_progress_bar()
        if hub_hidden:
            hub_utils.disable_progress_bars()
        else:
            hub_utils.enable_progress_bars()
