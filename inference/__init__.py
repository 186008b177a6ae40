"""What training and inference share: the article format, the label schema, alignment, the model and the predictor.

Example:
    >>> from inference import Predictor
    >>> articles = Predictor.from_pretrained("runs/release/model").predict(["Police said two people died."])
    ... # doctest: +SKIP
"""

from .document import Argument, Article, Claim, DataError, Event, Span, read_jsonl, write_jsonl
from .modeling import EventClaimConfig, EventClaimModel
from .predictor import Predictor
from .schema import LabelSchema

__all__ = ["Argument", "Article", "Claim", "DataError", "Event", "EventClaimConfig", "EventClaimModel",
           "LabelSchema", "Predictor", "Span", "read_jsonl", "write_jsonl"]
