"""Bringing a trained model back from the GPU machine, whose files come back only as a few files of at most 16 MiB.

There, :func:`pack` writes the model folder with fp16 weights (as ``training.ship`` stores them) into one tar, cut
into parts of ``PART_BYTES``, and returns a manifest: each part's size and sha256, the tar's, and every file's. Here,
:func:`reassemble` (or this module's command) checks each part, joins them, checks the tar and every file it holds,
and writes a normal model folder, which ``training.evaluate`` and ``training.ship`` take like any other.

Usage::

    python -m benchmarks.gpu.bring_back FILES_AT/4_sweep.json --out runs/gpu_best/model [--parts FILES_AT]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

from inference.core.model_folder import WEIGHTS_FILE

# Under the 16 MiB a file from the GPU machine may have; three parts hold 48.8 MB, the ~47 MB of a MiniLM model folder
# with fp16 weights (four parts would leave no room for the four JSON files and the log among the 8 files that return)
PART_BYTES = 31 * 2**19  # 15.5 MiB
TAR_NAME = "best_model.tar"  # parts: best_model.tar.000, .001, ...
MANIFEST_KEY = "bring_back"  # where a stage's JSON holds the manifest


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes, read in 1 MiB blocks.

    Example:
        >>> sha256_file(Path("/dev/null"))[:12]
        'e3b0c44298fc'
    """
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def half_model_folder(model_dir: Path, out: Path) -> Path:
    """``model_dir`` copied into ``out`` with its weights in fp16 (``config.json`` says so; a Predictor loads them
    back as float32), as ``training.ship`` stores the shipped model.

    Example:
        >>> half_model_folder(Path("runs/gpu/model"), Path("/tmp/half"))  # doctest: +SKIP
        PosixPath('/tmp/half')
    """
    from inference.core.modeling import EventClaimModel

    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(model_dir.iterdir()):
        if path.is_file() and path.name != WEIGHTS_FILE:
            shutil.copy2(path, out / path.name)
    EventClaimModel.from_pretrained(model_dir).half().save_pretrained(out)  # weights and config.json
    return out


def pack(model_dir: Path, out_dir: Path, part_bytes: int = PART_BYTES) -> dict:
    """The model folder with fp16 weights as ``TAR_NAME`` parts in ``out_dir``; returns the manifest.

    Example:
        >>> pack(Path("runs/gpu/model"), Path("/tmp/out"))["parts"][0]["name"]  # doctest: +SKIP
        'best_model.tar.000'
    """
    with tempfile.TemporaryDirectory(prefix="bring-back-") as scratch:
        folder = half_model_folder(model_dir, Path(scratch) / "model")
        files = {path.name: sha256_file(path) for path in sorted(folder.iterdir())}
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
            for name in files:  # sorted, owner and time left out: the same folder gives the same tar
                info = archive.gettarinfo(folder / name, arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mtime = 0
                with (folder / name).open("rb") as source:
                    archive.addfile(info, source)
    data = buffer.getvalue()
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = []
    for number, start in enumerate(range(0, len(data), part_bytes)):
        part = out_dir / f"{TAR_NAME}.{number:03d}"
        part.write_bytes(data[start : start + part_bytes])
        parts.append({"name": part.name, "bytes": part.stat().st_size, "sha256": sha256_file(part)})
    return {"source": str(model_dir), "tar_bytes": len(data), "tar_sha256": hashlib.sha256(data).hexdigest(),
            "parts": parts, "files": files, "weights_sha256": files[WEIGHTS_FILE]}


def read_manifest(path: Path) -> dict:
    """The manifest in ``path``: a stage's JSON that holds one under ``MANIFEST_KEY``, or a manifest itself."""
    data = json.loads(path.read_text(encoding="utf-8"))
    manifest = data.get(MANIFEST_KEY, data)
    if not isinstance(manifest, dict) or "parts" not in manifest:
        raise ValueError(f"{path}: no manifest (a 'parts' list, or a '{MANIFEST_KEY}' object holding one); the sweep "
                         "brings a model back only when it beats the shipped one on dev")
    return manifest


def reassemble(manifest: dict, parts_dir: Path, out: Path) -> dict:
    """Check and join the parts in ``parts_dir`` and write the model folder ``out`` (new or empty); returns the
    folder and its weights' sha256. A part, the tar or a file whose sha256 differs from the manifest's is an error
    naming it, and nothing is written.

    Example:
        >>> reassemble(read_manifest(Path("out/4_sweep.json")), Path("out"), Path("runs/gpu/model"))  # doctest: +SKIP
        {'out': 'runs/gpu/model', 'weights_sha256': '5be1...', 'files': 9}
    """
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"--out {out}: the folder has files; name a new or empty one")
    digest, data = hashlib.sha256(), bytearray()
    for part in manifest["parts"]:
        path = parts_dir / part["name"]
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing; the manifest lists {len(manifest['parts'])} parts")
        if (found := sha256_file(path)) != part["sha256"]:
            raise ValueError(f"{path}: sha256 {found}, the manifest says {part['sha256']}: fetch it again")
        data += path.read_bytes()
    digest.update(data)
    if digest.hexdigest() != manifest["tar_sha256"]:
        raise ValueError(f"the joined parts have sha256 {digest.hexdigest()}, the manifest says "
                         f"{manifest['tar_sha256']}: a part is missing or out of order")
    with tempfile.TemporaryDirectory(prefix="bring-back-") as scratch:
        _extract(bytes(data), manifest["files"], Path(scratch))
        out.mkdir(parents=True, exist_ok=True)
        for name in manifest["files"]:
            shutil.move(Path(scratch) / name, out / name)
    return {"out": str(out), "weights_sha256": sha256_file(out / WEIGHTS_FILE), "files": len(manifest["files"])}


def _extract(data: bytes, files: dict[str, str], folder: Path) -> None:
    """Write the tar's members into ``folder``: exactly the manifest's files, each a plain file with the sha256 the
    manifest gives it."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as archive:
        members = archive.getmembers()
        names = sorted(member.name for member in members)
        if names != sorted(files) or not all(member.isfile() for member in members):
            raise ValueError(f"the tar holds {names}; the manifest lists the plain files {sorted(files)}")
        for member in members:
            if Path(member.name).name != member.name:  # no folders, no absolute or '..' paths
                raise ValueError(f"the tar member {member.name!r} is not a plain file name")
            (folder / member.name).write_bytes(archive.extractfile(member).read())
            if (found := sha256_file(folder / member.name)) != files[member.name]:
                raise ValueError(f"{member.name}: sha256 {found}, the manifest says {files[member.name]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path, help="4_sweep.json from the GPU machine (or a manifest of its own).")
    parser.add_argument("--parts", type=Path, default=None,
                        help="Folder of the best_model.tar.NNN parts (default: the manifest's folder).")
    parser.add_argument("--out", type=Path, required=True, help="The model folder to write (new or empty).")
    options = parser.parse_args(argv)
    try:
        result = reassemble(read_manifest(options.manifest), options.parts or options.manifest.parent, options.out)
    except (OSError, ValueError) as error:
        print(f"benchmarks.gpu.bring_back: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
