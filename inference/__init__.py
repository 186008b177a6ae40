"""Events and attributed claims from English news: ``extract(text)``, and what training shares with inference (the
article format, the label schema, alignment, the model and the predictor).

Names are imported on first use (PEP 562), so ``python -m inference --help`` answers without loading torch.

Example:
    >>> from inference import extract
    >>> extract("Police said two people died.").to_dict()  # doctest: +SKIP
"""

from __future__ import annotations

from .lazy_exports import lazy_exports

# public name -> the module that defines it
_EXPORTS = {
    "extract": "api", "load_predictor": "api",
    "Argument": "document", "Article": "document", "Claim": "document", "DataError": "document", "Entity": "document",
    "Event": "document", "Span": "document", "read_jsonl": "document", "write_jsonl": "document",
    "EventClaimConfig": "modeling", "EventClaimModel": "modeling",
    "Predictor": "predictor",
    "ArgumentResult": "results", "ClaimResult": "results", "EntityResult": "results", "EventResult": "results",
    "Extraction": "results", "TextSpan": "results",
    "LabelSchema": "schema",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
