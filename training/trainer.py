"""A ``Trainer`` whose evaluation is span-level F1 on whole dev articles, so the best checkpoint is the best extractor.

The stock evaluation loop scores token logits of padded windows; ours decodes spans over whole articles (windows
merged, arguments linked to triggers) through the same :class:`~inference.predictor.Predictor` users call.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from transformers import Trainer

from inference.document import Article
from inference.predictor import Predictor
from inference.schema import LabelSchema

from .evaluation import evaluate_articles
from .span_metrics import flat_metrics

logger = logging.getLogger(__name__)


class ExtractionTrainer(Trainer):
    """``Trainer`` + span-level dev evaluation (metric ``eval_overall_f1`` and one ``eval_<task>_f1`` per task).

    ``eval_dataset`` is a list of gold :class:`~inference.document.Article` objects, not tokenized windows.
    """

    def __init__(self, *args, schema: LabelSchema, head_learning_rate: float | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.schema = schema
        self.head_learning_rate = head_learning_rate

    def create_optimizer(self, model=None):
        """The stock optimizer, with the heads' parameters in groups of their own at ``head_learning_rate``.

        Runs before the scheduler is made, which then scales every group's rate by the same warmup and decay.
        """
        optimizer = super().create_optimizer(model)
        if self.head_learning_rate is None:
            return optimizer
        extractor = self.accelerator.unwrap_model(model or self.model)
        heads = {id(p) for p in extractor.parameters()} - {id(p) for p in extractor.encoder.parameters()}
        for group in list(optimizer.param_groups):
            head_params = [p for p in group["params"] if id(p) in heads]
            if head_params:
                group["params"] = [p for p in group["params"] if id(p) not in heads]
                optimizer.add_param_group({**group, "params": head_params, "lr": self.head_learning_rate})
        return optimizer

    def evaluate(self, eval_dataset: Sequence[Article] | None = None, ignore_keys=None,
                 metric_key_prefix: str = "eval") -> dict[str, float]:
        # Every process scores the whole (small) dev set: all of them need the metric to agree on the best checkpoint.
        predictor = Predictor(self.model, self.processing_class, self.schema,
                              batch_size=self.args.per_device_eval_batch_size, device=self.args.device)
        scores, _ = evaluate_articles(predictor, eval_dataset if eval_dataset is not None else self.eval_dataset)
        self.model.train()
        metrics = {f"{metric_key_prefix}_{name}": value for name, value in flat_metrics(scores).items()}
        self.log(metrics)
        self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
        return metrics
