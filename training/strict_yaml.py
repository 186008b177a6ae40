"""Reading YAML mappings strictly: an unknown key, or a value of the wrong type, is an error naming where it is and
what is accepted (dataclasses check neither). Used by the experiment config and the event mapping config.

Example:
    >>> @dataclasses.dataclass
    ... class Point:
    ...     x: int
    ...     y: float = 0.0
    >>> build(Point, {"x": 1, "y": 2}, "p")
    Point(x=1, y=2)
    >>> build(Point, {"x": "1"}, "p")
    Traceback (most recent call last):
    training.strict_yaml.ConfigError: p.x: got '1' (str); accepted: int
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A config that cannot be used as written; the message names the file, the key and what is accepted."""


def read_yaml(path: str | Path) -> Any:
    """The YAML document in ``path`` (None for an empty file); a missing file or invalid YAML is an error naming
    the file (and the line), where yaml's own message names neither.

    Example:
        >>> read_yaml("configs/missing.yaml")
        Traceback (most recent call last):
        FileNotFoundError: configs/missing.yaml: no such file; accepted: a YAML config file (see configs/)
    """
    if not Path(path).is_file():
        what = "is a folder" if Path(path).is_dir() else "no such file"
        raise FileNotFoundError(f"{path}: {what}; accepted: a YAML config file (see configs/)")
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: invalid YAML: {getattr(error, 'problem', None) or error}") from None


def check_keys(values: Any, accepted: Collection[str] | None, where: str) -> None:
    """A :class:`ConfigError` naming ``where`` unless ``values`` is a mapping whose keys are all ``accepted`` (any
    keys when that is None); the message lists the unknown keys and the accepted ones.

    Example:
        >>> check_keys({"train": 1, "dve": 2}, ("train", "dev"), "data")
        Traceback (most recent call last):
        training.strict_yaml.ConfigError: data: unknown key(s) ['dve']; accepted: train, dev
    """
    if not isinstance(values, dict):
        raise ConfigError(f"{where}: expected a mapping of keys to values, got {type(values).__name__}")
    unknown = [key for key in values if accepted is not None and key not in accepted]
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; accepted: {', '.join(accepted)}")


def build(cls: type, values: Any, where: str):
    check_fields(cls, values, where)
    try:
        return cls(**values)
    except TypeError as error:  # a required field is missing
        raise ConfigError(f"{where}: {error}") from None


def check_fields(cls: type, values: Any, where: str) -> None:
    """Unknown keys and values of the wrong type are errors (dataclasses do not check types themselves)."""
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    check_keys(values, fields, where)
    hints = typing.get_type_hints(cls)
    for key, value in values.items():
        accepted = _accepted_types(hints[key])
        wrong_bool = isinstance(value, bool) and bool not in accepted  # bool is an int subclass
        if accepted and (not isinstance(value, accepted) or wrong_bool):
            names = ", ".join(sorted({t.__name__ for t in accepted}))
            raise ConfigError(f"{where}.{key}: got {value!r} ({type(value).__name__}); accepted: {names}")
        item_types = _accepted_types(_item_hint(hints[key])) if isinstance(value, list) else ()
        wrong = [item for item in value if not isinstance(item, item_types)] if item_types else []
        if wrong:  # e.g. train: [1, 2], which would otherwise fail later, inside training
            names = " or ".join(sorted({t.__name__ for t in item_types}))
            raise ConfigError(f"{where}.{key}: got {value!r}; accepted: a list of {names} ({wrong[0]!r} is "
                             f"{type(wrong[0]).__name__})")


def _item_hint(hint: Any) -> Any:
    """The item type of a list-valued hint (``list[str]``, ``list[str] | None``); None when there is none to check.

    Example:
        >>> _item_hint(list[str] | None), _item_hint(int)
        (<class 'str'>, None)
    """
    if typing.get_origin(hint) is list:
        return (typing.get_args(hint) or (None,))[0]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return next((_item_hint(arg) for arg in typing.get_args(hint) if typing.get_origin(arg) is list), None)
    return None


def _accepted_types(hint: Any) -> tuple[type, ...]:
    """Plain runtime types a YAML value may have for a type hint; empty when the hint is too rich to check."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        parts = [_accepted_types(arg) for arg in typing.get_args(hint)]
        return () if any(not p for p in parts) else tuple(t for p in parts for t in p)
    if origin in (list, tuple):
        return (list,)
    if origin is dict:
        return (dict,)
    if hint is type(None):
        return (type(None),)
    if hint is float:
        return (float, int)  # an integer is a fine float
    if hint in (int, str, bool):
        return (hint,)
    if isinstance(hint, type) and issubclass(hint, str):  # str-valued enums such as IntervalStrategy
        return (str,)
    return ()
