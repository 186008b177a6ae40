"""``extract``: output contract, bad input, batching, windows, threads (tiny random models), the shipped model."""

from __future__ import annotations

import json
import threading

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from transformers import BertConfig

from inference import Extraction, Predictor, extract
from inference.core.modeling import EventClaimConfig, EventClaimModel
from inference.interface.api import DEFAULT_MODEL, load_predictor
from tests.conftest import make_tiny_model

FRAGMENTS = ["Police said ", "two people were killed", " in Gaza. ", "“We will win,” he told AFP.", "<p>HTML &amp; "
             "<b>tags</b></p>", "emoji 😀👍🏽 ", "مرحبا بالعالم ", "שלום עולם ", "\x00\x07\x1b ctrl ", "\u200b\u202e ",
             "no punctuation at all just words ", "according to officials ", "\n\n\t", "x" * 150]
TEXTS = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=30)), max_size=12).map("".join)
SETTINGS = settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def predictor(tokenizer) -> Predictor:
    return Predictor(make_tiny_model(tokenizer, window=16, stride=4), tokenizer, device="cpu")


def all_spans(result: dict):
    for event in result["events"]:
        yield event["trigger"]
        yield from event["arguments"]
    for claim in result["claims"]:
        yield from (span for span in (claim["source"], claim["cue"]) if span is not None)
        yield from claim["content"]
    yield from result["entities"]


def test_contract_keys_and_json(predictor):
    text = "Police said two people were killed in Gaza. " * 4
    result = extract(text, model=predictor).to_dict()
    json.dumps(result)
    assert set(result) == {"events", "claims", "entities"}
    assert result["entities"] == [], "a model without an entity head finds no entities"
    assert result["events"] or result["claims"], "a random tiny model tags something on 40 words"
    for event in result["events"]:
        assert set(event) == {"type", "score", "trigger", "arguments", "claim"}
        assert event["claim"] is None or 0 <= event["claim"] < len(result["claims"])
        for argument in event["arguments"]:
            assert set(argument) == {"role", "start", "end", "text", "score"}
    for claim in result["claims"]:
        assert set(claim) == {"score", "source", "cue", "content", "speaker"}
        assert [s["start"] for s in claim["content"]] == sorted(s["start"] for s in claim["content"])
        assert claim["speaker"] is None or claim["source"] is not None, "a claim without a source has no speaker"


@SETTINGS
@given(text=TEXTS)
def test_offsets_always_index_the_input(predictor, text):
    result = extract(text, model=predictor).to_dict()
    for span in all_spans(result):
        assert 0 <= span["start"] < span["end"] <= len(text)
        assert text[span["start"] : span["end"]] == span["text"]


@settings(SETTINGS, max_examples=12)
@given(texts=st.lists(TEXTS, min_size=1, max_size=4))
def test_batch_equals_one_by_one(predictor, texts):
    batched = [r.to_dict() for r in extract(texts, model=predictor, batch_size=4)]
    single = [extract(t, model=predictor, batch_size=1).to_dict() for t in texts]
    assert _structure(batched) == _structure(single)


def _structure(results):
    """Everything but the scores, which may differ in the last float bits with the padding of a batch."""
    return json.loads(json.dumps(results), object_hook=lambda d: {k: v for k, v in d.items() if k != "score"})


def context_free_model(tokenizer) -> EventClaimModel:
    """No attention layers and no position embeddings: each token's tags depend on that token alone."""
    torch.manual_seed(1)
    encoder = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=16, num_hidden_layers=0, num_attention_heads=2,
                         intermediate_size=16, max_position_embeddings=512, hidden_dropout_prob=0.0)
    model = EventClaimModel(EventClaimConfig(encoder=encoder.to_dict(), classifier_dropout=0.0))
    with torch.no_grad():
        model.encoder.embeddings.position_embeddings.weight.zero_()
    return model


@SETTINGS
@given(text=TEXTS, window=st.integers(5, 40), stride=st.integers(0, 2))
def test_results_do_not_depend_on_where_windows_fall(tokenizer, text, window, stride):
    # Whatever the window size, each word is decided once, by one window: no duplicates or gaps at the seams.
    # (Arguments are searched within their trigger's window by design, so they are left out of the comparison.)
    model = context_free_model(tokenizer)
    wide = extract(text, model=Predictor(model, tokenizer, window=512, stride=0, device="cpu")).to_dict()
    narrow = extract(text, model=Predictor(model, tokenizer, window=window, stride=stride, device="cpu")).to_dict()
    for result in (wide, narrow):
        for event in result["events"]:
            event.pop("arguments")
    assert _structure(narrow) == _structure(wide)


@pytest.mark.parametrize("text", ["", "   ", "\n\t \u3000"])
def test_empty_or_blank_text_gives_an_empty_result(text):
    class Untouchable(Predictor):
        def __init__(self):
            pass

        def predict(self, *args, **kwargs):
            raise AssertionError("the model must not run on blank text")

    assert extract(text, model=Untouchable()).to_dict() == {"events": [], "claims": [], "entities": []}


@pytest.mark.parametrize("bad", [None, 42, b"bytes", {"text": "x"}, ["ok", 3]])
def test_non_string_input_is_a_type_error_naming_what_is_accepted(predictor, bad):
    with pytest.raises(TypeError, match="a str or a list/tuple of str"):
        extract(bad, model=predictor)


def test_bad_options_are_errors(predictor):
    with pytest.raises(ValueError, match="threshold"):
        extract("x", model=predictor, threshold=2)
    with pytest.raises(ValueError, match="batch_size"):
        extract("x", model=predictor, batch_size=0)


def test_a_list_in_gives_a_list_out(predictor):
    results = extract(("He said so.", ""), model=predictor)
    assert isinstance(results, list) and len(results) == 2 and all(isinstance(r, Extraction) for r in results)
    assert results[1].to_dict() == {"events": [], "claims": [], "entities": []}


def test_threshold_leaves_out_whole_results_by_their_score(predictor):
    text = "Police said two people were killed in Gaza. " * 3
    everything = extract(text, model=predictor)
    scores = sorted({item.score for item in [*everything.claims, *everything.events, *everything.entities]})
    middle = len(scores) // 2
    threshold = (scores[middle - 1] + scores[middle]) / 2  # some results score above it, some below (4 decimals shown)
    confident = extract(text, model=predictor, threshold=threshold)

    def kept(items):
        return [item.to_dict() for item in items if item.score >= threshold]

    # The same claims and entities as without a threshold, less those scoring lower: nothing else changes.
    assert [c.to_dict() for c in confident.claims] == kept(everything.claims)
    assert [e.to_dict() for e in confident.entities] == kept(everything.entities)
    assert [(e.trigger, e.type) for e in confident.events] == [
        (e.trigger, e.type) for e in everything.events if e.score >= threshold]
    assert all(a.score >= threshold for e in confident.events for a in e.arguments)
    assert len(kept(everything.claims)) < len(everything.claims) or len(kept(everything.events)) < len(
        everything.events) or len(kept(everything.entities)) < len(everything.entities)


def test_threads_share_one_model_and_agree(predictor):
    texts = [f"Officials in town {i} said {i} people were killed." * 3 for i in range(8)]
    expected = [r.to_dict() for r in extract(texts, model=predictor)]
    results: dict[int, dict] = {}

    def work(i: int) -> None:
        results[i] = extract(texts[i], model=predictor).to_dict()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _structure([results[i] for i in range(len(texts))]) == _structure(expected)


def test_a_million_characters(tokenizer):
    model = make_tiny_model(tokenizer, window=128, stride=16)
    with torch.no_grad():  # a random trigger head tags nearly every word; a trained one tags a few in a hundred
        model.trigger_head.bias[0] += 0.5
    predictor = Predictor(model, tokenizer, batch_size=64, device="cpu")
    text = ("Officials said the army bombarded the city, killing 12 people. " * 16_000)[:1_000_000]
    result = extract(text, model=predictor).to_dict()
    assert result["claims"] and result["events"] and any(e["arguments"] for e in result["events"])
    for span in all_spans(result):
        assert text[span["start"] : span["end"]] == span["text"]


def test_model_folders_are_loaded_once(tiny_model_dir):
    assert load_predictor(tiny_model_dir, "cpu") is load_predictor(str(tiny_model_dir), "cpu")


@pytest.mark.skipif(not (DEFAULT_MODEL / "model.safetensors").is_file(), reason="no default model in this checkout")
def test_shipped_default_model_works_offline():
    text = "The health ministry in Gaza said on Monday that 5,791 people have been killed in Israeli strikes."
    result = extract(text, device="cpu")
    claim = result.claims[0]
    assert claim.cue.text == "said" and "ministry" in claim.source.text and "killed" in claim.content[0].text
    killed = [e for e in result.events if e.trigger.text == "killed"]
    assert killed and killed[0].type == "Life:Die" and killed[0].claim == 0


def test_windows_too_small_for_their_overlap_are_refused(tokenizer):
    with pytest.raises(ValueError, match="stride"):
        Predictor(make_tiny_model(tokenizer), tokenizer, window=10, stride=8)


def test_arguments_stay_in_their_triggers_sentence(predictor):
    # The tiny window (16 tokens) spans sentence ends, and a random argument head tags words on both sides of them.
    text = "Police said two people were killed in Gaza. Jets bombarded the city at dawn! Officials met in Cairo."
    ends = [text.index(". ") + 1, text.index("! ") + 1]

    def sentence(offset: int) -> int:
        return sum(offset > end for end in ends)

    events = extract(text, model=predictor).events
    arguments = [(event, argument) for event in events for argument in event.arguments]
    assert arguments, "the random model tags arguments: the check below is not vacuous"
    for event, argument in arguments:
        assert sentence(argument.start) == sentence(event.trigger.start), (event.trigger.text, argument.text)


def test_score_maps_calibrate_claims_events_and_arguments_and_threshold_reads_them(tokenizer):
    from inference.core.score_maps import ScoreMaps

    flat = ([0.0, 1.0], [0.42, 0.42])  # every raw score maps to 0.42
    predictor = Predictor(make_tiny_model(tokenizer, window=16, stride=4), tokenizer, device="cpu",
                          score_maps=ScoreMaps({"claim": flat, "event": flat, "argument": flat}))
    text = "Police said two people were killed in Gaza on Monday, officials told reporters. " * 3
    result = extract(text, model=predictor)
    arguments = [a for e in result.events for a in e.arguments]
    assert result.claims and result.events and arguments
    assert {item.score for item in [*result.claims, *result.events, *arguments]} == {0.42}
    strict = extract(text, model=predictor, threshold=0.5)
    assert not strict.claims and not strict.events
