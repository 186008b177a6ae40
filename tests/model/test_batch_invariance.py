"""An article's result does not depend on the company it keeps: on every backend, ``extract(list)`` gives what
``[extract(t) for t in list]`` gives, at several batch sizes, for a tiny random model.

Same spans, types, roles and links; scores equal up to float rounding (1e-5). Float rounding differs with the
padding and the number of rows of a forward pass, so a tag whose two most probable labels are nearly tied may go
either way: a difference is excused only for an article whose smallest top-two gap, over every tag decided for it
(claim and trigger tags at each real token, argument tags under each event type's role mask), is below
``NEAR_TIE`` in its one-at-a-time run. Dynamic int8 (scales chosen per call) moved scores by ~1e-2 and flipped tags
whose gap was far larger, so this test failed on it.
"""

from __future__ import annotations

import pytest
import torch

from inference.core.schema import LabelSchema
from inference.interface.api import extract
from inference.runtime.predictor import Predictor
from tests.conftest import make_sharp_model, without_scores

NEAR_TIE = 1e-4  # a top-two gap below this may be decided by kernel noise
SCORE_ROUNDING = 1e-5
BATCH_SIZES = (1, 4, 16)  # windows per forward pass

TEXTS = [
    "The health ministry in Gaza said on Monday that 5,791 people have been killed in Israeli strikes.",
    "Israeli jets bombarded the city overnight, witnesses told AFP. " * 3,
    "He said no.",
    "Police arrested three men after the shooting, a spokesman said on Saturday. " * 9,  # several windows
    "Protesters marched through the capital; organisers said 50,000 people took part.",
    "The minister met her counterpart in Berlin to discuss gas prices, her office said. " * 4,
    "",
]


class MarginRecorder:
    """Stands in for the model in a :class:`Predictor` and records the smallest top-two probability gap of every
    tag the predictor decides from its outputs."""

    def __init__(self, model, role_masks: torch.Tensor) -> None:
        self.model, self.config, self.role_masks = model, model.config, role_masks  # role_masks: (types, A)
        self.margin = 1.0

    def to(self, device):
        self.model = self.model.to(device)
        return self

    def eval(self):
        self.model.eval()
        return self

    def __call__(self, input_ids, attention_mask, return_hidden=False):
        out = self.model(input_ids, attention_mask, return_hidden=return_hidden)
        real = attention_mask.bool()
        self._note(out.claim_logits[real])
        self._note(out.trigger_logits[real])
        return out

    def argument_logits(self, hidden, positions):
        logits = self.model.argument_logits(hidden, positions)  # (B, K, T, A)
        for mask in self.role_masks:  # the trigger's type is decided elsewhere: every type's mask, a lower bound
            self._note((logits + mask).flatten(0, -2))
        return logits

    def frame_logits(self, hidden, positions):
        logits = self.model.frame_logits(hidden, positions)  # (B, Q, T, F)
        self._note(logits.flatten(0, -2))
        return logits

    def _note(self, logits: torch.Tensor) -> None:
        if logits.numel():
            top = logits.float().softmax(-1).topk(2, dim=-1).values  # (N, 2)
            self.margin = min(self.margin, (top[:, 0] - top[:, 1]).min().item())


def role_masks(labels: list[str]) -> torch.Tensor:
    """One additive mask per event type allowing O and its roles, as the predictor applies them."""
    masks = []
    for roles in LabelSchema.default().event_roles.values():
        allowed = {"O"} | {f"{p}-{r}" for r in roles for p in "BI"}
        masks.append(torch.tensor([0.0 if label in allowed else float("-inf") for label in labels]))
    return torch.stack(masks)


@pytest.fixture(scope="module")
def sharp_model(tokenizer):
    return make_sharp_model(tokenizer)


def backend_model(backend: str, model, tokenizer, cache_dir):
    if backend == "torch":
        return model
    pytest.importorskip("onnxruntime", reason='backend="onnx" is optional: pip install -e ".[onnx]"')
    from inference.runtime.onnx_backend import OnnxModel

    return OnnxModel(model, cache_dir=cache_dir, int8=backend == "onnx-int8", tokenizer=tokenizer)


def structure(result) -> dict:
    """A result without its scores."""
    return without_scores(result.to_dict())


def scores(result) -> list[float]:
    return ([e.score for e in result.events] + [a.score for e in result.events for a in e.arguments]
            + [c.score for c in result.claims])


@pytest.mark.parametrize("backend", ["torch", "onnx", "onnx-int8"])
def test_an_article_gets_the_same_result_whatever_else_is_in_the_call(backend, sharp_model, tokenizer,
                                                                      tmp_path_factory):
    model = backend_model(backend, sharp_model, tokenizer, tmp_path_factory.mktemp("onnx"))
    recorder = MarginRecorder(model, role_masks(sharp_model.config.argument_labels))
    predictor = Predictor(recorder, tokenizer, device="cpu")
    compared = excused = 0
    for batch_size in BATCH_SIZES:
        alone, margins = [], []
        for text in TEXTS:
            recorder.margin = 1.0
            alone.append(extract(text, model=predictor, batch_size=batch_size))
            margins.append(recorder.margin)
        for texts, order in ((TEXTS, range(len(TEXTS))), (TEXTS[::-1], reversed(range(len(TEXTS))))):
            together = extract(texts, model=predictor, batch_size=batch_size)
            for i, result in zip(order, together, strict=True):
                compared += 1
                if structure(result) != structure(alone[i]) or scores(result) != pytest.approx(
                        scores(alone[i]), abs=SCORE_ROUNDING):
                    assert margins[i] < NEAR_TIE, (
                        f"{backend}, batch_size={batch_size}: text {i} came out differently in a list, and its closest "
                        f"tag decision had a gap of {margins[i]:.2e} (>= {NEAR_TIE}): not a near-tie")
                    excused += 1
    assert sum(len(structure(r)["events"]) + len(structure(r)["claims"]) for r in alone) > 10, "too little to compare"
    assert excused <= compared // 10, f"{excused} of {compared} results excused as near-ties: look again"
