"""The Trainer subclass: optimizer groups for the heads' own learning rate."""

from __future__ import annotations

from transformers import TrainingArguments

from inference.core.schema import LabelSchema
from training.trainer import ExtractionTrainer


def make_trainer(model, tmp_path, head_learning_rate):
    args = TrainingArguments(output_dir=str(tmp_path), learning_rate=1.0e-4, weight_decay=0.01, use_cpu=True,
                             report_to="none")
    return ExtractionTrainer(model=model, args=args, schema=LabelSchema.default(),
                             head_learning_rate=head_learning_rate)


def test_heads_get_their_own_learning_rate(tiny_model, tmp_path):
    optimizer = make_trainer(tiny_model, tmp_path, head_learning_rate=1.0e-3).create_optimizer()
    rate_of = {id(p): (group["lr"], group["weight_decay"]) for group in optimizer.param_groups for p in group["params"]}
    assert len(rate_of) == len(list(tiny_model.parameters())), "every parameter is optimised exactly once"
    for name, parameter in tiny_model.named_parameters():
        expected = 1.0e-4 if name.startswith("encoder.") else 1.0e-3
        assert rate_of[id(parameter)][0] == expected, name
    # Weight decay is kept as the stock optimizer sets it: none on biases and LayerNorm weights.
    assert rate_of[id(tiny_model.claim_head.bias)][1] == 0.0
    assert rate_of[id(tiny_model.claim_head.weight)][1] == 0.01


def test_without_head_rate_one_rate_for_all(tiny_model, tmp_path):
    optimizer = make_trainer(tiny_model, tmp_path, head_learning_rate=None).create_optimizer()
    assert {group["lr"] for group in optimizer.param_groups} == {1.0e-4}
