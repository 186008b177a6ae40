"""Training, evaluation and data import for the news event and claim extractor.

The top level holds the commands (``python -m training.prepare_data``, ``train``, ``calibration``, ``evaluate``,
``backend_gate``, ``ship``, ``publish``) and the training stage (``config``, ``trainer``, ``checkpoints``); the stages
before and after it are packages: ``data`` (corpora -> articles -> labelled windows) and ``evaluation`` (span-level
F1 and its reports). Training imports ``inference``, never the reverse.
"""

from .config import DataConfig, ExperimentConfig, ModelConfig, load_config
from .data.importers import load_articles
from .evaluation.span_metrics import flat_metrics, span_scores

__all__ = ["DataConfig", "ExperimentConfig", "ModelConfig", "flat_metrics", "load_articles", "load_config",
           "span_scores"]
