"""Training, evaluation and data import for the news event and claim extractor.

Layout, in the order data flows: ``importers`` (corpora -> articles) -> ``features`` and ``collator`` (articles ->
labelled windows) -> ``config``, ``trainer`` and ``train`` (fine-tuning) -> ``span_metrics``, ``evaluation``,
``report`` and ``evaluate`` (span-level F1). Training imports ``inference``, never the reverse.
"""

from .config import DataConfig, ExperimentConfig, ModelConfig, load_config
from .importers import load_articles
from .span_metrics import flat_metrics, span_scores

__all__ = ["DataConfig", "ExperimentConfig", "ModelConfig", "flat_metrics", "load_articles", "load_config",
           "span_scores"]
