"""A package's public names imported on first use (PEP 562), so that ``python -m PACKAGE.COMMAND --help`` pays only
for what that command imports, not for torch and transformers."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose ``exports`` (public name -> the module inside the
    package that defines it) are imported when first looked up.

    Example:
        >>> getattr_, dir_ = lazy_exports("inference", {"Span": "core.articles"})
        >>> getattr_("Span").__name__
        'Span'
    """

    def __getattr__(name: str) -> object:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{exports[name]}", package), name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
