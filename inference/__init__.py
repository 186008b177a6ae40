"""Events and attributed claims from English news: ``extract(text)``, and what training shares with inference (the
article format, the label schema, alignment, the model and the predictor).

Example:
    >>> from inference import extract
    >>> extract("Police said two people died.").to_dict()  # doctest: +SKIP
"""

from .api import extract, load_predictor
from .document import Argument, Article, Claim, DataError, Event, Span, read_jsonl, write_jsonl
from .modeling import EventClaimConfig, EventClaimModel
from .predictor import Predictor
from .results import ArgumentResult, ClaimResult, EventResult, Extraction, TextSpan
from .schema import LabelSchema

__all__ = ["Argument", "ArgumentResult", "Article", "Claim", "ClaimResult", "DataError", "Event", "EventClaimConfig",
           "EventClaimModel", "EventResult", "Extraction", "LabelSchema", "Predictor", "Span", "TextSpan", "extract",
           "load_predictor", "read_jsonl", "write_jsonl"]
