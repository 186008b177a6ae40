"""What travels to the GPU machine besides the tracked tree, and the 64 MiB that everything travelling must fit in.

The machine takes at most 64 MiB of files (tracked, untracked-not-ignored and carried) and reaches no registry. The
tracked tree is ~48 MB, 46 of them the shipped model's weights, which stay behind for the call (docs/gpu.md says how);
``prepare`` fills the bundle folder (default ``.gpu/``, git-ignored, named in the call's ``carry``) with:

- ``wheels/``: the packages the machine's image lacks or has at another version than datasets accepts
  (``GPU_MACHINE_LACKS``, ``BUILT_HERE``), at the versions here;
- ``backbone/``: the config's backbone with fp16 weights (half of fp32's 90 MB) and its tokenizer; ``unpack`` writes
  them back as fp32 there, so training starts from the fp16-rounded pretrained weights;
- ``data.tar.xz``: the config's train, dev and test files, xz-compressed;
- ``bundle.json``: the config, what was packed (sizes, sha256) and the shipped model's dev and test scores, measured
  here (its weights stay behind), for the comparisons there.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from inference.core.model_folder import DEFAULT_MODEL, EVAL_RESULTS_FILE, WEIGHTS_FILE

from .bring_back import sha256_file

ROOT = Path(__file__).resolve().parents[2]
LIMIT_MIB = 64
BUNDLE_FILE = "bundle.json"
DATA_ARCHIVE = "data.tar.xz"
# Packages the GPU machines' image lacks (/work/.library/device/KINDS.md), carried as wheels of the versions installed
# here, and fsspec, which datasets caps at a version the image's may pass; seqeval publishes only a source archive, so
# it is built into a wheel here.
GPU_MACHINE_LACKS = ("datasets", "evaluate", "dill", "multiprocess", "fsspec")
BUILT_HERE = ("seqeval",)
GPU_MACHINE_PYTHON = "3.12"
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")
# What from_pretrained needs of a backbone folder: its config, weights and tokenizer (not sentence-transformers'
# pooling files or the model card).
BACKBONE_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def prepare(folder: Path, config_path: str, backbone: str | None = None,
            reference_model: Path | None = DEFAULT_MODEL, wheels: bool = True) -> dict:
    """Fill ``folder`` with what the GPU run of ``config_path`` needs there (module docstring); returns its
    ``bundle.json``. The shipped model's dev scores are measured here once per weights and dev data (minutes on a
    CPU), and kept while neither changes; without ``reference_model`` there are none (the run then compares nothing
    and brings nothing back unless told to).

    Example:
        >>> prepare(Path(".gpu"), "configs/gpu_minilm.yaml")["backbone"]["source"]  # doctest: +SKIP
        'all-MiniLM-L6-v2'
    """
    from inference.core.backbone import resolve_backbone
    from training.config import load_config

    config = load_config(config_path)
    folder.mkdir(parents=True, exist_ok=True)
    ignore_in_git(folder)
    old = read_bundle(folder) if (folder / BUNDLE_FILE).is_file() else {}
    source = backbone or config.model.model_name_or_path
    bundle = {"config": _shown(Path(config_path)), "commit": _git("rev-parse", "HEAD"),
              "wheels": fetch_wheels(folder / "wheels") if wheels else [],
              "backbone": {"source": source, **pack_backbone(Path(resolve_backbone(source)), folder / "backbone")},
              "data": pack_data([*config.data.train, *config.data.dev, *config.data.test], folder / DATA_ARCHIVE)}
    bundle["reference"] = reference_model and reference_scores(reference_model, config.data.dev, old.get("reference"))
    (folder / BUNDLE_FILE).write_text(json.dumps(bundle, indent=2) + "\n", encoding="utf-8")
    return bundle


def read_bundle(folder: Path) -> dict:
    """The ``bundle.json`` of a prepared folder; an error saying how to make one when there is none.

    Example:
        >>> read_bundle(Path(".gpu"))["config"]  # doctest: +SKIP
        'configs/gpu_minilm.yaml'
    """
    path = folder / BUNDLE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"--bundle {folder}: no {BUNDLE_FILE}; make the bundle first, on a machine that "
                                f"reaches PyPI: python -m benchmarks.gpu_check --prepare {folder}")
    return json.loads(path.read_text(encoding="utf-8"))


def ignore_in_git(folder: Path) -> None:
    """Have git ignore ``folder`` (in ``.git/info/exclude``, this checkout only) unless it already does: the device
    tool carries ignored folders named in ``carry``, and nothing in it belongs in a commit."""
    path = folder.resolve()
    if not path.is_relative_to(ROOT) or _git("check-ignore", "-q", str(path), check=False) is not None:
        return
    exclude = ROOT / _git("rev-parse", "--git-path", "info/exclude")
    exclude.parent.mkdir(parents=True, exist_ok=True)
    with exclude.open("a", encoding="utf-8") as sink:
        sink.write(f"/{path.relative_to(ROOT).as_posix()}/\n")


def fetch_wheels(folder: Path) -> list[str]:
    """Wheels of ``GPU_MACHINE_LACKS`` (downloaded for the machine's Python) and ``BUILT_HERE`` (built here), at the
    versions installed here, into ``folder``; their names."""
    from importlib.metadata import version

    shutil.rmtree(folder, ignore_errors=True)
    platforms = [option for name in PLATFORMS for option in ("--platform", name)]
    _run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "--python-version",
          GPU_MACHINE_PYTHON, "--implementation", "cp", *platforms, "-d", str(folder),
          *(f"{name}=={version(name)}" for name in GPU_MACHINE_LACKS)])
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder),
          *(f"{name}=={version(name)}" for name in BUILT_HERE)])
    return sorted(path.name for path in folder.glob("*.whl"))


def pack_backbone(source: Path, out: Path) -> dict:
    """``source``'s config and tokenizer files, and its weights in fp16, into ``out``: sizes and the weights'
    sha256.

    Example:
        >>> source = Path(resolve_backbone("all-MiniLM-L6-v2"))  # doctest: +SKIP
        >>> pack_backbone(source, Path(".gpu/backbone"))["fp16_bytes"]  # doctest: +SKIP
        45441944
    """
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for name in BACKBONE_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, out / name)
    with safe_open(source / WEIGHTS_FILE, "pt") as weights:
        tensors = {key: _cast(weights.get_tensor(key), torch.float16) for key in weights.keys()}
        save_file(tensors, out / WEIGHTS_FILE, metadata=weights.metadata() or {"format": "pt"})
    return {"fp32_bytes": (source / WEIGHTS_FILE).stat().st_size, "fp16_bytes": (out / WEIGHTS_FILE).stat().st_size,
            "fp16_sha256": sha256_file(out / WEIGHTS_FILE)}


def pack_data(paths: list[str], archive: Path) -> dict:
    """The distinct files of ``paths`` in one xz-compressed tar, each under its file name; their sizes and sha256.

    Example:
        >>> packed = pack_data(["data/release/dev.jsonl"], Path("/tmp/dev.tar.xz"))  # doctest: +SKIP
        >>> packed["files"]["dev.jsonl"]["bytes"]  # doctest: +SKIP
        772272
    """
    files = {Path(path).name: Path(path) for path in dict.fromkeys(paths)}
    if len(files) != len(dict.fromkeys(paths)):
        raise ValueError(f"data files {paths}: two share a file name; the bundle keeps one folder of them")
    with tarfile.open(archive, "w:xz", preset=6) as sink:
        for name, path in files.items():
            sink.add(path, arcname=name, recursive=False)
    return {"archive_bytes": archive.stat().st_size, "files": {
        name: {"bytes": path.stat().st_size, "sha256": sha256_file(path)} for name, path in files.items()}}


def reference_scores(model: Path, dev: list[str], cached: dict | None) -> dict:
    """The shipped model's flat scores: on ``dev`` (measured here, on the CPU, unless ``cached`` holds them for the
    same weights and dev files) and on its test data (from its ``eval_results.json``).

    Example:
        >>> found = reference_scores(DEFAULT_MODEL, ["data/release/dev.jsonl"], None)  # doctest: +SKIP
        >>> found["dev_scores"]["overall_f1"]  # doctest: +SKIP
        0.58
    """
    from training.evaluate import evaluate_model
    from training.evaluation.span_metrics import flat_metrics

    if not (model / WEIGHTS_FILE).is_file():
        raise FileNotFoundError(f"{model / WEIGHTS_FILE}: missing; the shipped model's dev scores are measured here, "
                                "before the call: put its weights back first (docs/gpu.md)")
    key = {"weights_sha256": sha256_file(model / WEIGHTS_FILE), "dev": {Path(p).name: sha256_file(Path(p))
                                                                       for p in dev}}
    if cached and {k: cached.get(k) for k in key} == key:
        return cached
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gpu-reference-") as reports:
        scores = evaluate_model(model, dev, reports, device="cpu")
    test = json.loads((model / EVAL_RESULTS_FILE).read_text(encoding="utf-8"))
    return {**key, "model": str(model), "dev_scores": _f1s(flat_metrics(scores)),
            "dev_seconds": time.perf_counter() - start, "test_data": test["meta"]["data"],
            "test_scores": _f1s(flat_metrics(test["scores"]))}


def unpack(folder: Path, out: Path) -> dict:
    """On the GPU machine: ``folder``'s backbone with fp32 weights into ``out/backbone`` and its data files into
    ``out/data``; their paths, and the bundle's ``bundle.json``.

    Example:
        >>> unpack(Path(".gpu"), Path("/tmp/gpu-check"))["backbone"]  # doctest: +SKIP
        '/tmp/gpu-check/backbone'
    """
    bundle = read_bundle(folder)
    backbone, data = out / "backbone", out / "data"
    shutil.copytree(folder / "backbone", backbone, ignore=shutil.ignore_patterns(WEIGHTS_FILE), dirs_exist_ok=True)
    with safe_open(folder / "backbone" / WEIGHTS_FILE, "pt") as weights:
        tensors = {key: _cast(weights.get_tensor(key), torch.float32) for key in weights.keys()}
        save_file(tensors, backbone / WEIGHTS_FILE, metadata=weights.metadata() or {"format": "pt"})
    data.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / DATA_ARCHIVE, "r:xz") as archive:
        for member in archive.getmembers():
            if not member.isfile() or Path(member.name).name != member.name:
                raise ValueError(f"{folder / DATA_ARCHIVE}: member {member.name!r} is not a plain file name")
            (data / member.name).write_bytes(archive.extractfile(member).read())
    return {"backbone": str(backbone), "data": str(data), "bundle": bundle}


@dataclasses.dataclass
class Item:
    """One line of the budget: what, its MiB, its files, and whether it travels."""

    item: str
    mib: float
    files: int
    travels: bool = True


def budget(bundle: Path, leave_behind: tuple[Path, ...] = (DEFAULT_MODEL / WEIGHTS_FILE,)) -> dict:
    """What a call with ``carry: [bundle]`` sends, measured on the files as they are now: the tracked files (less
    ``leave_behind``, moved out for the call), the untracked ones git does not ignore, and each part of the bundle.

    Example:
        >>> budget(Path(".gpu"))["total_mib"] < LIMIT_MIB  # doctest: +SKIP
        True
    """
    behind = {path.resolve() for path in leave_behind}
    tracked = [ROOT / name for name in _git("ls-files", "-z").split("\0") if name]
    untracked = [ROOT / name for name in _git("ls-files", "-z", "--others", "--exclude-standard").split("\0") if name]
    items = [_item("tracked files", [p for p in tracked if p.resolve() not in behind]),
             *(_item(f"{p.relative_to(ROOT)} (left behind)", [p], travels=False) for p in sorted(behind)),
             _item("untracked files git does not ignore", untracked)]
    if bundle.is_dir():
        items += [_item(f"{bundle.name}/{part.name}", [part] if part.is_file() else list(part.rglob("*")))
                  for part in sorted(bundle.iterdir())]
    total = sum(item.mib for item in items if item.travels)
    return {"limit_mib": LIMIT_MIB, "items": [dataclasses.asdict(item) for item in items], "total_mib": total,
            "margin_mib": LIMIT_MIB - total, "bundle_prepared": (bundle / BUNDLE_FILE).is_file()}


def format_budget(measured: dict) -> str:
    """The budget as a Markdown table (MiB, two decimals), its total and margin, and a warning for each file that
    should be left behind but is still in the checkout.

    Example:
        >>> print(format_budget(budget(Path(".gpu"))))  # doctest: +SKIP
        | what | MiB | files | travels |
        ...
    """
    lines = ["| what | MiB | files | travels |", "|---|---:|---:|---|"]
    lines += [f"| {i['item']} | {i['mib']:.2f} | {i['files']} | {'yes' if i['travels'] else 'no'} |"
              for i in measured["items"]]
    lines.append(f"| **total that travels** | **{measured['total_mib']:.2f}** | | limit {measured['limit_mib']} MiB, "
                 f"margin {measured['margin_mib']:.2f} |")
    for item in measured["items"]:
        if not item["travels"] and item["files"]:
            lines.append(f"\n{item['item'].removesuffix(' (left behind)')} is still in the checkout: take it out of "
                         "git's index and the folder for the call (docs/gpu.md), or the call sends "
                         f"{measured['total_mib'] + item['mib']:.2f} MiB.")
    if not measured["bundle_prepared"]:
        lines.append("\nThe bundle is not prepared yet: python -m benchmarks.gpu_check --prepare .gpu")
    return "\n".join(lines)


def _item(name: str, paths: list[Path], travels: bool = True) -> Item:
    files = [path for path in paths if path.is_file()]
    return Item(name, sum(path.stat().st_size for path in files) / 2**20, len(files), travels)


def _shown(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _f1s(flat: dict[str, float]) -> dict[str, float]:
    return {key: value for key, value in flat.items() if key.endswith("_f1")}


def _cast(tensor: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return tensor.to(dtype).contiguous() if tensor.is_floating_point() else tensor


def _git(*args: str, check: bool = True) -> str | None:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    if result.returncode and check:
        raise RuntimeError(f"git {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return None if result.returncode else result.stdout.strip()


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"{' '.join(command[:6])} ... failed ({result.returncode}):\n{result.stderr[-3000:]}")
