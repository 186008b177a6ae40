"""Events and attributed claims from English news: ``extract(text)``, and what training shares with inference (the
article format, the label schema, alignment, the model and the predictor).

``import inference`` registers the model type with transformers' ``AutoConfig``/``AutoModel`` and the
``"event-claim-extraction"`` task with ``pipeline()``. The package's own commands (``python -m inference…``,
``python -m training…``) skip that while they start, and names are imported on first use (PEP 562), so their
``--help`` answers without loading torch; a command registers the model type when it loads a model.

Example::

    from inference import extract
    extract("Police said two people died.").to_dict()
"""

from __future__ import annotations

import sys

from .core.lazy_exports import lazy_exports

# public name -> the module that defines it
_EXPORTS = {
    "extract": "interface.api", "load_predictor": "interface.api",
    **dict.fromkeys(["Argument", "Article", "Claim", "DataError", "Entity", "Event", "Span", "read_jsonl",
                     "write_jsonl"], "core.articles"),
    "EventClaimConfig": "core.modeling", "EventClaimModel": "core.modeling",
    "LabelSchema": "core.schema",
    "DEFAULT_MODEL": "core.model_folder",
    "Predictor": "runtime.predictor",
    **dict.fromkeys(["ArgumentResult", "ClaimResult", "EntityResult", "EventResult", "Extraction", "TextSpan"],
                    "interface.results"),
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


def _starting_a_command() -> bool:
    """Whether this import is the start of one of the package's commands.

    While ``python -m PACKAGE.MODULE`` locates its module, ``sys.argv[0]`` is ``"-m"`` (Python's documented
    behaviour); once it runs, ``__main__`` carries the module's spec. Commands import torch after parsing their
    arguments.
    """
    main_spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return sys.argv[:1] == ["-m"] or getattr(main_spec, "name", "").partition(".")[0] in ("inference", "training")


if not _starting_a_command():
    from .ecosystem import transformers_pipeline  # noqa: F401, E402  the Auto classes and the pipeline task, at once
