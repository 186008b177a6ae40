"""What a model folder holds: one name for each of its files, which of them loading and publishing require, which are
published and which go along when a model is shipped.

A model folder is what ``python -m training.train`` saves (``OUTPUT_DIR/model``), what ``training.ship`` packages
(``inference/default_model``), what ``training.publish`` uploads and what ``extract`` loads. Adding a file to it
means adding it here; every command reads these lists.

Example:
    >>> TRAINING_RECORD
    ('training_config.yaml', 'training_args.json', 'train_results.json')
    >>> check_model_dir(Path("inference/default_model")).name
    'default_model'
"""

from __future__ import annotations

import hashlib
from pathlib import Path

WEIGHTS_FILE = "model.safetensors"  # safetensors only: a pickle can run code when loaded
CONFIG_FILE = "config.json"  # the transformers config, with the label lists (id2label)
SCHEMA_FILE = "schema.json"  # event types, roles and claim parts: what the model extracts
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
                   "vocab.txt", "merges.txt")
TRAINING_CONFIG_FILE = "training_config.yaml"  # the resolved experiment config, every default filled in
TRAINING_ARGS_FILE = "training_args.json"  # the resolved TrainingArguments (as JSON, not the Trainer's pickle)
TRAIN_RESULTS_FILE = "train_results.json"  # runtime, tokens/s and the corpora trained on
EVAL_RESULTS_FILE = "eval_results.json"  # test scores, every number unrounded, with the sha256 of the weights scored
EVAL_REPORT_FILE = "eval_results.md"  # the same scores as tables
CARD_FILE = "README.md"  # the model card, rendered from the files above
BACKENDS_FILE = "backends.json"  # the backends' F1 gate: which backend extract runs by default
SCORE_MAPS_FILE = "score_maps.json"  # claim and event scores calibrated on dev (inference/core/score_maps.py)
DEFAULT_MODEL = Path(__file__).parents[1] / "default_model"  # the model shipped in the package, extract's default
RUN_MODEL_SUBDIR = "model"  # where training saves the model folder in a run's output_dir, beside its checkpoints

# How the model was made: copied along when a model is shipped (its test scores are measured again on the fp16
# weights, and its gate record measured again or not at all).
TRAINING_RECORD = (TRAINING_CONFIG_FILE, TRAINING_ARGS_FILE, TRAIN_RESULTS_FILE)
SHIPPED_FROM_CANDIDATE = (*TOKENIZER_FILES, SCHEMA_FILE, *TRAINING_RECORD, SCORE_MAPS_FILE)
# What publishing requires; each entry is a set of alternatives (a tokenizer saves tokenizer.json, or vocab.txt).
REQUIRED_TO_PUBLISH = ({WEIGHTS_FILE}, {CONFIG_FILE}, {SCHEMA_FILE}, {"tokenizer_config.json"},
                       {"tokenizer.json", "vocab.txt"}, {TRAINING_CONFIG_FILE}, {TRAIN_RESULTS_FILE},
                       {EVAL_RESULTS_FILE})
# Everything published when present: a fixed allow-list, so checkpoints, optimizer states, predictions and anything
# else in the folder stay local.
PUBLISHED = (WEIGHTS_FILE, CONFIG_FILE, SCHEMA_FILE, *TOKENIZER_FILES, *TRAINING_RECORD, EVAL_RESULTS_FILE,
             EVAL_REPORT_FILE, CARD_FILE, BACKENDS_FILE, SCORE_MAPS_FILE)
# What is fetched of a hub model: the published files and other models' sharded weights and sentencepiece
# tokenizers; never pickles, checkpoints or optimizer states.
HUB_PATTERNS = ("*.safetensors", "*.json", "*.yaml", "*.md", "vocab.txt", "merges.txt", "*.model")


def check_model_dir(folder: Path) -> Path:
    """``folder`` when it holds a config and safetensors weights; else an error saying what is missing. Pickled weights
    (``pytorch_model.bin``) are refused: loading a pickle can run code, so the error says how to convert them.

    Example:
        >>> check_model_dir(DEFAULT_MODEL).name
        'default_model'
    """
    weights = (folder / WEIGHTS_FILE).is_file()  # False for a folder or a symlink loop of that name too
    pickles = sorted(p.name for p in folder.glob("*.bin"))
    shards = sorted(p.name for p in folder.glob("model-*-of-*.safetensors"))
    if not weights and shards:
        raise ValueError(f"model folder {folder} holds sharded weights ({shards[0]}, ...); accepted: one "
                         f"{WEIGHTS_FILE} (save_pretrained(folder, max_shard_size='100GB') writes one)")
    if not weights and ((folder / WEIGHTS_FILE).exists() or (folder / WEIGHTS_FILE).is_symlink()):
        raise FileNotFoundError(f"{folder / WEIGHTS_FILE} is not a readable file (a folder, or a broken or looping "
                                f"symlink); accepted: the safetensors file that save_pretrained writes")
    if not weights and pickles:
        raise ValueError(f"model folder {folder} holds {', '.join(pickles)} (a pickle, which can run code when "
                         f"loaded) and no {WEIGHTS_FILE}; only safetensors weights are loaded. If you trust the "
                         "file, convert it once: python -c \"from inference import EventClaimModel; "
                         f"EventClaimModel.from_pretrained('{folder}', use_safetensors=False).save_pretrained("
                         f"'{folder}')\" (save_pretrained writes {WEIGHTS_FILE})")
    missing = [name for name, there in ((CONFIG_FILE, (folder / CONFIG_FILE).is_file()), (WEIGHTS_FILE, weights))
               if not there]
    if missing:
        raise FileNotFoundError(f"model folder {folder} has no {' and no '.join(missing)}, so it holds no model; "
                                f"accepted: a folder saved by training or training.ship ({CONFIG_FILE}, "
                                f"{WEIGHTS_FILE}, the tokenizer)")
    return folder


def weights_sha256(folder: str | Path) -> str | None:
    """The sha256 of ``model.safetensors`` in ``folder`` (None when there is none): ties a report or a gate record to
    the weights it measured.

    Example:
        >>> len(weights_sha256(DEFAULT_MODEL)), weights_sha256(DEFAULT_MODEL / "no-such-folder")
        (64, None)
    """
    path = Path(folder) / WEIGHTS_FILE
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as file:  # in blocks: hashlib.file_digest needs Python 3.11, the package supports 3.10
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
