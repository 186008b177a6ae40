"""A ``Trainer`` whose evaluation is span-level F1 on whole dev articles, so the best checkpoint is the best extractor.

The stock evaluation loop scores token logits of padded windows; ours decodes spans over whole articles (windows
merged, arguments linked to triggers) through the same :class:`~inference.runtime.predictor.Predictor` users call.
Publishing goes through :mod:`training.publish` too: ``push_to_hub`` uploads the saved model folder with this
project's card.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from pathlib import Path

from huggingface_hub import CommitInfo
from transformers import Trainer, TrainingArguments

from inference.core.articles import Article
from inference.core.model_folder import RUN_MODEL_SUBDIR
from inference.core.schema import LabelSchema
from inference.runtime.predictor import Predictor

from .evaluation.scoring import evaluate_articles
from .evaluation.span_metrics import flat_metrics
from .model_card import write_model_card
from .publish import publish

logger = logging.getLogger(__name__)

# Settings the code depends on, whatever a config says: the collator reads feature columns the model's forward does
# not name (the Trainer would drop them), and the tokens/s reported counts the tokens seen without padding.
REQUIRED_ARGUMENTS = {"remove_unused_columns": False, "include_num_input_tokens_seen": "non_padding"}


def enforce_required(args: TrainingArguments) -> TrainingArguments:
    """``args`` with :data:`REQUIRED_ARGUMENTS` in force (as SpanMarker's trainer does); says which it overrode.

    Example:
        >>> enforce_required(TrainingArguments("runs/x", remove_unused_columns=True)).remove_unused_columns
        False
    """
    overridden = {key: getattr(args, key) for key, value in REQUIRED_ARGUMENTS.items() if getattr(args, key) != value}
    if overridden:
        logger.warning("training: %s overridden with %s: the extractor's training depends on them",
                       ", ".join(f"{key}={value!r}" for key, value in overridden.items()),
                       ", ".join(f"{key}={REQUIRED_ARGUMENTS[key]!r}" for key in overridden))
    return dataclasses.replace(args, **REQUIRED_ARGUMENTS)


class ExtractionTrainer(Trainer):
    """``Trainer`` + span-level dev evaluation (metric ``eval_overall_f1`` and one ``eval_<task>_f1`` per task).

    ``eval_dataset`` is a list of gold :class:`~inference.core.articles.Article` objects, not tokenized windows.
    """

    def __init__(self, model=None, args: TrainingArguments | None = None, *, schema: LabelSchema,
                 head_learning_rate: float | None = None, **kwargs) -> None:
        super().__init__(model, enforce_required(args or TrainingArguments("trainer_output")), **kwargs)
        self.schema = schema
        self.head_learning_rate = head_learning_rate

    @property
    def model_dir(self) -> Path:
        """Where ``training.train`` saves the model folder: ``output_dir/model``."""
        return Path(self.args.output_dir) / RUN_MODEL_SUBDIR

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

    def create_model_card(self, model_name: str | None = None, **kwargs) -> None:
        """Render this project's card (:mod:`training.model_card`) into the saved model folder, instead of the
        Trainer's generic summary; ``model_name`` titles it (default: ``hub_model_id``, else the run's name)."""
        if self.is_world_process_zero():
            write_model_card(self.model_dir, model_id=model_name or self.args.hub_model_id)

    def push_to_hub(self, commit_message: str | None = None, blocking: bool = True, token: str | None = None,
                    revision: str | None = None, private: bool | None = None, **kwargs) -> CommitInfo | None:
        """Publish the saved model folder to ``args.hub_model_id`` in one commit, as ``python -m training.publish``
        does: its allow-list of files (no checkpoints, no pickles) and this project's card. The Trainer's own push
        would upload ``output_dir`` with the pickled training arguments. Always blocking; other processes return None.

        Example::

            trainer.push_to_hub(revision="v1")
            # -> CommitInfo(commit_url='https://huggingface.co/org/news-extractor/commit/...', ...)
        """
        if not self.is_world_process_zero():
            return None
        if not self.args.hub_model_id:
            raise ValueError("push_to_hub needs training.hub_model_id (ORG/NAME) in the config; or publish the saved "
                             f"model with python -m training.publish --model {self.model_dir} --repo-id ORG/NAME")
        return publish(self.model_dir, self.args.hub_model_id, token=token or self.args.hub_token,
                       private=self.args.hub_private_repo if private is None else private,
                       revision=revision or self.args.hub_revision, commit_message=commit_message)

    def _push_from_checkpoint(self, checkpoint_folder: str) -> None:
        # With push_to_hub set, the Trainer uploads every checkpoint (optimizer states and pickled arguments
        # included); the model is published once instead, by push_to_hub after training.train has saved it.
        return None
