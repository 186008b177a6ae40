"""Where a model lives: a local folder, or a model id on the Hugging Face Hub fetched into the local cache."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from huggingface_hub import snapshot_download
from huggingface_hub.errors import HFValidationError

from ..core.model_folder import CONFIG_FILE, HUB_PATTERNS, check_model_dir

logger = logging.getLogger(__name__)


def resolve_model_dir(name_or_path: str | Path, revision: str | None = None) -> Path:
    """A local model folder as it is, or a hub model id downloaded (once, into the Hugging Face cache) as a folder.

    ``revision`` (a branch, tag or commit) applies to hub ids. Private models use the token in ``HF_TOKEN`` or the
    stored login; ``HF_HUB_OFFLINE=1`` serves a model id from the cache only.

    Example::

        resolve_model_dir("runs/release/model")  # -> PosixPath('runs/release/model')
        resolve_model_dir("org/news-extractor")
        # -> PosixPath('/root/.cache/huggingface/hub/models--org--news-extractor/snapshots/3f1c...')
    """
    accepted = "accepted: a folder saved by training (model.safetensors, config.json, ...) or a hub model id ORG/NAME"
    if not isinstance(name_or_path, (str, Path)):
        raise TypeError(f"model={name_or_path!r} ({type(name_or_path).__name__}); {accepted}, a Path, or a Predictor")
    if not str(name_or_path).strip():  # Path("") is the working directory: never load whatever folder that is
        raise ValueError(f"model={name_or_path!r} is empty; {accepted}, or None for the shipped model")
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return check_model_dir(path)
    try:
        folder = Path(snapshot_download(str(name_or_path), revision=revision, allow_patterns=list(HUB_PATTERNS)))
    except HFValidationError as error:
        raise FileNotFoundError(f"model {str(name_or_path)!r} is not a folder and not a valid hub model id "
                                f"({error}); {accepted}") from None
    except OSError as error:  # the hub's HTTP errors, a missing cache entry when offline
        at = f" at revision {revision!r}" if revision else ""
        # The hub's own message (chained below) has the details; this one says what to pass instead.
        raise FileNotFoundError(f"model {str(name_or_path)!r} is not a folder and could not be fetched from the hub"
                                f"{at} ({type(error).__name__}); {accepted} (set HF_TOKEN for a private one)"
                                ) from error
    if not (folder / CONFIG_FILE).is_file():
        raise FileNotFoundError(f"hub repo {str(name_or_path)!r} has no {CONFIG_FILE}, so it holds no model; "
                                f"{accepted}")
    logger.info("model %s%s fetched into %s", name_or_path, f"@{revision}" if revision else "", folder)
    return check_model_dir(folder)


@contextmanager
def quiet_weight_loading() -> Iterator[None]:
    """Hide transformers' progress bars (the "Loading weights" bar of every ``from_pretrained``) inside the block,
    then set them back as they were: a library call the user did not ask to watch prints nothing.

    Example::

        with quiet_weight_loading():
            model = EventClaimModel.from_pretrained(folder)
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
