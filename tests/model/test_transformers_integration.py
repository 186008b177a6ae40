"""transformers as the model card says: the Auto classes, the dtype a stored model loads in, and
``pipeline("event-claim-extraction")`` giving what ``extract`` gives."""

from __future__ import annotations

import collections

import pytest
import torch
from safetensors import safe_open
from transformers import AutoConfig, AutoModel, AutoTokenizer, pipeline

from inference import EventClaimModel, extract
from inference.core.model_folder import DEFAULT_MODEL, WEIGHTS_FILE
from inference.ecosystem.transformers_pipeline import TASK, EventClaimExtractionPipeline
from tests.processes import run_command

TEXTS = ["Police said two people were killed in Paris on Monday.",
         "The minister met the president in Kyiv, officials said. \"We agreed,\" she told reporters.",
         "",
         "Rebels bombarded the town overnight."]


def dtypes(model: torch.nn.Module) -> collections.Counter:
    return collections.Counter(str(tensor.dtype) for tensor in model.state_dict().values())


def test_import_inference_registers_the_auto_classes_and_the_task_in_a_new_interpreter():
    code = ("import inference, transformers\n"
            "from transformers.pipelines import PIPELINE_REGISTRY\n"
            "config = transformers.AutoConfig.for_model('event-claim-extractor')\n"
            "print(type(config).__name__, 'event-claim-extraction' in PIPELINE_REGISTRY.get_supported_tasks())")
    assert run_command("python", "-c", code).stdout.split() == ["EventClaimConfig", "True"]


def test_shipped_float16_weights_load_in_the_dtype_asked_for():
    with safe_open(DEFAULT_MODEL / WEIGHTS_FILE, "pt") as weights:
        assert {weights.get_slice(name).get_dtype() for name in weights.keys()} == {"F16"}  # stored half size
    tokenizer = AutoTokenizer.from_pretrained(DEFAULT_MODEL)
    batch = tokenizer(TEXTS[0], return_tensors="pt")
    for asked, expected in [(None, torch.float32), ("auto", torch.float32), (torch.float16, torch.float16),
                            (torch.bfloat16, torch.bfloat16)]:
        model = AutoModel.from_pretrained(DEFAULT_MODEL, **({} if asked is None else {"dtype": asked}))
        assert isinstance(model, EventClaimModel)
        assert dtypes(model) == {str(expected): len(model.state_dict())}, asked  # one dtype, never a mix
        output = model(batch["input_ids"], batch["attention_mask"])  # a mix failed here: "mat1 and mat2 ..."
        assert output.claim_logits.dtype == expected and output.claim_logits.shape[:2] == batch["input_ids"].shape
    assert isinstance(AutoConfig.from_pretrained(DEFAULT_MODEL), EventClaimModel.config_class)


@pytest.fixture(scope="module")
def extractor(tiny_model_dir):
    return pipeline(TASK, model=str(tiny_model_dir), device="cpu")


def test_pipeline_gives_extracts_dict_for_each_text(extractor, tiny_model_dir):
    expected = [result.to_dict() for result in extract(TEXTS, model=tiny_model_dir, backend="torch")]
    assert any(result["claims"] or result["events"] for result in expected)  # not vacuous on the random model
    assert isinstance(extractor, EventClaimExtractionPipeline)
    assert extractor(TEXTS[1]) == expected[1]
    assert extractor(TEXTS) == expected
    assert extractor(TEXTS, batch_size=3) == expected  # the last batch holds one text
    assert list(extractor((text for text in TEXTS), batch_size=2)) == expected  # a generator streams


def test_pipeline_threshold_is_extracts(extractor, tiny_model_dir):
    expected = extract(TEXTS[1], model=tiny_model_dir, backend="torch", threshold=0.5).to_dict()
    assert extractor(TEXTS[1], threshold=0.5) == expected
    assert expected != extractor(TEXTS[1])


def test_pipeline_device_and_dtype(tiny_model_dir):
    half = pipeline(TASK, model=str(tiny_model_dir), device=-1, dtype=torch.bfloat16)
    assert half.device == torch.device("cpu") and half.model.dtype == torch.bfloat16
    assert set(half(TEXTS[0])) == {"events", "claims", "entities"}


def test_pipeline_without_a_model_is_the_shipped_one():
    assert pipeline(TASK, device="cpu")(TEXTS[0]) == extract(TEXTS[0], backend="torch").to_dict()


@pytest.mark.parametrize(("call", "message"), [
    (lambda run: run(5), r"event-claim-extraction: got int 5; accepted: a str, or a list, generator or dataset of str"),
    (lambda run: run(["a text", None]), r"got NoneType None; accepted: a str, or a list, generator or dataset of str"),
    (lambda run: run("a text", top_k=3), r"unknown option\(s\) top_k; accepted: threshold"),
    (lambda run: run("a text", threshold=2.0), r"threshold=2.0; accepted: a number between 0 and 1"),
])
def test_pipeline_bad_input_names_what_is_accepted(extractor, call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call(extractor)
