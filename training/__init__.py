"""Training, evaluation and data import for the news event and claim extractor.

The top level holds the commands (``python -m training.prepare_data``, ``train``, ``calibration``, ``evaluate``,
``backend_gate``, ``ship``, ``publish``) and the training stage (``config``, ``trainer``, ``checkpoints``); the stages
before and after it are packages: ``data`` (corpora -> articles -> labelled windows) and ``evaluation`` (span-level
F1 and its reports). Training imports ``inference``, never the reverse.
"""

from __future__ import annotations

from inference.core.lazy_exports import lazy_exports

# public name -> the module that defines it; imported on first use (PEP 562), as in ``inference``: every
# ``python -m training.X`` imports this package first, and should pay only for what X needs.
_EXPORTS = {
    "DataConfig": "config", "ExperimentConfig": "config", "ModelConfig": "config", "load_config": "config",
    "load_articles": "data.importers",
    "flat_metrics": "evaluation.span_metrics", "span_scores": "evaluation.span_metrics",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
