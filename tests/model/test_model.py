import pytest
import torch

from inference.core.modeling import EventClaimModel


def batch(labels_value=0, triggers=((1, -1), (2, 3))):
    ids = torch.randint(1000, 2000, (2, 12))  # (B, T)
    positions = torch.tensor(triggers)  # (B, K)
    return {
        "input_ids": ids,
        "attention_mask": torch.ones_like(ids),
        "claim_labels": torch.full_like(ids, labels_value),
        "trigger_labels": torch.full_like(ids, labels_value),
        "trigger_positions": positions,
        "argument_labels": torch.full((2, positions.size(1), 12), labels_value),
    }


def test_shapes_and_loss(tiny_model):
    out = tiny_model(**batch())
    config = tiny_model.config
    assert out.claim_logits.shape == (2, 12, len(config.claim_labels))
    assert out.trigger_logits.shape == (2, 12, len(config.trigger_labels))
    assert out.argument_logits.shape == (2, 2, 12, len(config.argument_labels))
    assert out.loss.ndim == 0 and out.loss.item() > 0


def test_unannotated_layers_add_no_loss(tiny_model):
    unlabelled = batch(labels_value=-100)
    assert tiny_model(**unlabelled).loss.item() == 0.0
    only_claims = batch(labels_value=-100)
    only_claims["claim_labels"][:] = 0
    loss = tiny_model(**only_claims).loss
    loss.backward()
    assert loss.item() > 0
    assert tiny_model.trigger_head.weight.grad.abs().sum() == 0  # no signal reaches an unannotated head
    assert tiny_model.claim_head.weight.grad.abs().sum() > 0


def test_loss_is_mean_of_window_losses(tiny_model):
    """Per-window normalisation: the loss of a batch is the mean of its windows' losses (what makes DDP exact)."""
    full = batch()
    both = tiny_model(**full).loss
    halves = [tiny_model(**{k: v[i : i + 1] for k, v in full.items()}).loss for i in range(2)]
    assert torch.allclose(both, sum(halves) / 2, atol=1e-6)


def test_event_tag_weight_scales_the_loss_of_trigger_and_argument_tags_only(tiny_model):
    tiny_model.eval()  # no dropout: the same logits in every call
    inputs = batch(labels_value=-100)
    inputs["trigger_labels"][0, :4] = torch.tensor([0, 0, 1, 0])  # O O B-<first event type> O
    inputs["argument_labels"][1, 0, :2] = torch.tensor([0, 3])  # O and a role tag
    torch.manual_seed(0)
    inputs["input_ids"] = torch.randint(1000, 2000, (2, 12))

    def loss(weight: float, **labels) -> float:
        tiny_model.config.event_tag_weight = weight
        return tiny_model(**{**inputs, **labels}).loss.item()

    try:
        with torch.no_grad():
            # tag loss: (sum of O losses + w x sum of event tag losses) / tags, so linear in w
            one, two, three = (loss(w) for w in (1.0, 2.0, 3.0))
            assert two - one == pytest.approx(three - two, rel=1e-4) and two > one
            claims = {"claim_labels": torch.tensor([[0, 1, 2] * 4] * 2),  # O B-x I-x ...: claim tags only
                      "trigger_labels": torch.full_like(inputs["trigger_labels"], -100),
                      "argument_labels": torch.full_like(inputs["argument_labels"], -100)}
            assert loss(1.0, **claims) == pytest.approx(loss(3.0, **claims))  # claim tags keep weight 1
    finally:
        tiny_model.config.event_tag_weight = 1.0


def test_save_and_load_give_identical_predictions(tiny_model, tmp_path):
    tiny_model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").is_file()
    loaded = EventClaimModel.from_pretrained(tmp_path).eval()
    tiny_model.eval()
    inputs = batch()
    inputs = {k: inputs[k] for k in ("input_ids", "attention_mask", "trigger_positions")}
    a, b = tiny_model(**inputs), loaded(**inputs)
    assert torch.equal(a.claim_logits, b.claim_logits)
    assert torch.equal(a.argument_logits, b.argument_logits)
    assert loaded.config.trigger_labels == tiny_model.config.trigger_labels
