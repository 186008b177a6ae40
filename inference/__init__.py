"""Events and attributed claims from English news: ``extract(text)``, and what training shares with inference (the
article format, the label schema, alignment, the model and the predictor).

Names are imported on first use (PEP 562), so ``python -m inference --help`` answers without loading torch.

Example::

    from inference import extract
    extract("Police said two people died.").to_dict()
"""

from __future__ import annotations

from .core.lazy_exports import lazy_exports

# public name -> the module that defines it
_EXPORTS = {
    "extract": "interface.api", "load_predictor": "interface.api",
    **dict.fromkeys(["Argument", "Article", "Claim", "DataError", "Entity", "Event", "Span", "read_jsonl",
                     "write_jsonl"], "core.articles"),
    "EventClaimConfig": "core.modeling", "EventClaimModel": "core.modeling",
    "LabelSchema": "core.schema",
    "Predictor": "runtime.predictor",
    **dict.fromkeys(["ArgumentResult", "ClaimResult", "EntityResult", "EventResult", "Extraction", "TextSpan"],
                    "interface.results"),
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
