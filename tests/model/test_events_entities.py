"""Events from several corpora: WikiEvents' gen-arg train format, masked (unknown or probably unlabelled) triggers,
per-corpus trigger heads, the entity head and arguments chosen among entities (tiny random models)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from inference.core.alignment import IGNORE_INDEX
from inference.core.articles import Article, DataError, Entity, Event, Span, read_jsonl, write_jsonl
from inference.core.decoding import entity_arguments, role_columns
from inference.core.modeling import _window_loss
from inference.core.schema import LabelSchema
from inference.interface.results import Extraction
from inference.runtime.predictor import Predictor
from tests.conftest import make_tiny_model
from tests.model.test_features import windows
from training.data.collator import WindowCollator
from training.data.importers import detect_format, load_articles
from training.data.partial_labels import TriggerLexicon, mask_unlabelled_triggers

ENTITY_LABELS = LabelSchema.default().entity_labels

# ---------------------------------------------------------------- the gen-arg WikiEvents train format

TOKENS = ("Rebels attacked the base in Homs . Officials met in Geneva and two soldiers died there .").split()


def genarg_doc(*mentions: dict, docid: str = "d1") -> dict:
    return {"docid": docid, "tokens": TOKENS, "event_mentions": list(mentions),
            "sentences": ["Rebels attacked the base in Homs ", " Officials met in Geneva and two soldiers died there "]}


def mention(event_type: str, start: int, text: str | None = None, *arguments: tuple[str, str]) -> dict:
    return {"event_type": event_type, "trigger": {"start_idx": start, "end_idx": start + 1,
                                                  "text": TOKENS[start] if text is None else text},
            "arguments": [{"role": role, "text": words} for role, words in arguments]}


def read_genarg(tmp_path, *docs: dict) -> tuple[list[Article], dict]:
    path = tmp_path / "wiki-train.jsonl"
    path.write_text("".join(json.dumps(doc) + "\n" for doc in docs), encoding="utf-8")
    assert detect_format(path) == "wikievents-genarg"
    articles, report = load_articles(path)
    return articles, report.to_dict()


def described(article: Article) -> list[tuple[str, str, list[tuple[str, str]]]]:
    text = article.text
    return [(e.type, e.trigger.text_in(text), [(a.role, a.span.text_in(text)) for a in e.arguments])
            for e in article.events]


def test_genarg_arguments_are_found_in_their_triggers_sentence(tmp_path):
    attack = mention("Conflict.Attack", 1, None, ("Attacker", "Rebels"), ("Target", "base"), ("Place", "Geneva"),
                     ("Place", "Aleppo"))
    [article], report = read_genarg(tmp_path, genarg_doc(attack))
    assert described(article) == [("Conflict:Attack", "attacked", [("Attacker", "Rebels"), ("Target", "base")])]
    assert article.text.startswith("Rebels attacked the base in Homs . Officials")
    assert report == {"wikievents: argument only in another sentence, dropped": 1,  # Geneva
                      "wikievents: argument not found in the text, dropped": 1}  # Aleppo


def test_genarg_trigger_text_mismatch_moves_or_keeps_and_counts(tmp_path):
    moved = mention("Life.Die", 12, "died")  # the indices point at "two", the text is two words on
    kept = mention("Conflict.Attack", 1, "attaked")  # a typo found nowhere: the indices stand
    [article], report = read_genarg(tmp_path, genarg_doc(moved, kept))
    assert [e.trigger.text_in(article.text) for e in article.events] == ["attacked", "died"]
    assert report == {"wikievents: trigger text found near its indices, moved there": 1,
                      "wikievents: trigger text differs from its tokens, indices kept": 1}


def test_genarg_unmapped_unknown_and_repeated_events(tmp_path):
    doc = genarg_doc(mention("Cognitive.IdentifyCategorize", 3),  # not an event of the schema: a "no trigger" word
                     mention("Contact.Contact", 8),  # "met": meeting, letter or broadcast? unknown: masked
                     mention("Life.Die", 14, None, ("Victim", "soldiers")),
                     mention("Life.Die", 14, None, ("Place", "there")))  # the same event again, another argument
    [article], report = read_genarg(tmp_path, doc)
    assert described(article) == [("Life:Die", "died", [("Victim", "soldiers"), ("Place", "there")])]
    assert [s.text_in(article.text) for s in article.masked_triggers] == ["met"]
    assert report == {"wikievents: unmapped event type skipped": 1,
                      "wikievents: event of unknown type, its trigger masked": 1,
                      "wikievents: repeated event mention merged into the first": 1}


def test_genarg_sentences_that_do_not_match_the_tokens_are_an_error(tmp_path):
    doc = genarg_doc()
    doc["sentences"][1] = " Officials met in Paris"
    with pytest.raises(DataError, match=r"wiki-train.jsonl:1: document d1: sentence 1 .* does not match"):
        read_genarg(tmp_path, doc)


# ---------------------------------------------------------------- the article format

def test_entities_and_masked_triggers_round_trip_through_jsonl(tmp_path):
    text = "Rebels attacked Homs."
    article = Article("a", text, [Event("Conflict:Attack", Span(7, 15))], layers=("events", "entities"),
                      entities=[Entity("PER", Span(0, 6)), Entity("GPE", Span(16, 20))], masked_triggers=[Span(0, 6)])
    write_jsonl([article], tmp_path / "a.jsonl")
    row = json.loads((tmp_path / "a.jsonl").read_text())
    assert row["entities"][1] == {"type": "GPE", "start": 16, "end": 20, "text": "Homs"}
    [back] = read_jsonl(tmp_path / "a.jsonl")
    assert back.entities == article.entities and back.masked_triggers == [Span(0, 6)]


# ---------------------------------------------------------------- partial labels

def m2e2_article(article_id: str, text: str, triggers: list[tuple[int, int]]) -> Article:
    return Article(article_id, text, [Event("Conflict:Attack", Span(*t)) for t in triggers], layers=("events",),
                   meta={"corpus": "m2e2"})


def test_lexicon_counts_whole_one_word_triggers_only():
    # "attack" is labelled 2 of 3 times; "to" is labelled once, inside the multi-word trigger "took to the streets"
    articles = [m2e2_article("a", "The attack came. Crowds took to the streets to protest.", [(4, 10), (24, 43)]),
                m2e2_article("b", "Another attack, then a second attack.", [(8, 14)])]
    lexicon = TriggerLexicon.count(articles, min_count=1, min_rate=0.5)
    assert lexicon.words == {"attack"}
    assert lexicon.rates["attack"] == pytest.approx(2 / 3)
    assert [s.text_in(articles[1].text) for s in lexicon.unlabelled_spans(articles[1])] == ["attack"]


def test_masking_applies_to_the_named_corpora_only():
    m2e2 = m2e2_article("a", "The attack. An attack.", [(4, 10)])
    other = Article("w", "An attack.", [], layers=("events",), meta={"corpus": "wikievents"})
    lexicon, masked = mask_unlabelled_triggers([m2e2, m2e2, other], ["m2e2"], min_count=1, min_rate=0.1)
    assert masked == 1 and m2e2.masked_triggers == [Span(15, 21)]  # once, although the list repeats the article
    assert other.masked_triggers == []


def test_a_masked_word_adds_no_trigger_loss(tokenizer, tiny_model):
    text = "Rebels attacked the base and police arrested two men."
    event = Event("Conflict:Attack", Span(7, 15))
    plain = Article("p", text, [event], layers=("events",))
    masked = Article("m", text, [event], layers=("events",), masked_triggers=[Span(36, 44)])  # "arrested"
    [plain_row], _ = windows(plain, tiny_model, tokenizer, max_length=64)
    [masked_row], counts = windows(masked, tiny_model, tokenizer, max_length=64)
    changed = [i for i, (a, b) in enumerate(zip(plain_row["trigger_labels"], masked_row["trigger_labels"],
                                                strict=True)) if a != b]
    assert len(changed) == 1 and masked_row["trigger_labels"][changed[0]] == IGNORE_INDEX
    assert counts["trigger label unknown (masked_triggers), not trained"] == 1
    # whatever the trigger head says at that word, the loss stays; at a labelled word it does not
    labels = torch.tensor([masked_row["trigger_labels"]])  # (1, T)
    logits = torch.randn(1, labels.size(1), len(tiny_model.config.trigger_labels))  # (1, T, C)
    before = _window_loss(logits, labels)
    at_masked, at_labelled = logits.clone(), logits.clone()
    at_masked[0, changed[0], 1] += 10.0  # the head says B-<first type> there, loudly
    at_labelled[0, masked_row["trigger_labels"].index(0), 1] += 10.0  # ... and at a word taught as O
    assert torch.equal(_window_loss(at_masked, labels), before)
    assert not torch.equal(_window_loss(at_labelled, labels), before)


# ---------------------------------------------------------------- per-corpus trigger heads and the entity head

def test_each_window_trains_the_trigger_head_of_its_corpus(tokenizer):
    model = make_tiny_model(tokenizer, event_conventions=["m2e2", "wikievents"], entity_labels=ENTITY_LABELS)
    text = "Rebels attacked the base."
    rows = [windows(Article(c, text, [Event("Conflict:Attack", Span(7, 15))], layers=("events",),
                            meta={"corpus": c}), model, tokenizer, max_length=64)[0][0] for c in ("m2e2", "wikievents")]
    assert [row["convention"] for row in rows] == [0, 1]
    batch = WindowCollator(tokenizer.pad_token_id)(rows)
    model(**batch).loss.backward()
    assert model.trigger_head.weight.grad.abs().sum() > 0
    assert model.extra_trigger_heads[0].weight.grad.abs().sum() > 0
    # one window of each corpus: each head gets the gradient of its own window only
    model.zero_grad()
    model(**{k: v[:1] for k, v in batch.items()}).loss.backward()
    assert model.extra_trigger_heads[0].weight.grad is None or model.extra_trigger_heads[0].weight.grad.abs().sum() == 0
    # inference (no convention given) answers with the first corpus's head
    out = model(batch["input_ids"], batch["attention_mask"])
    assert torch.equal(out.trigger_logits, model.trigger_head(model.encode(batch["input_ids"],
                                                                           batch["attention_mask"])))


def test_entity_labels_train_only_on_entity_annotated_articles(tokenizer):
    model = make_tiny_model(tokenizer, entity_labels=ENTITY_LABELS)
    text = "Rebels attacked Homs."
    with_entities = Article("e", text, layers=("events", "entities"), entities=[Entity("GPE", Span(16, 20))])
    without = Article("n", text, layers=("events",), entities=[Entity("GPE", Span(16, 20))])
    [row], _ = windows(with_entities, model, tokenizer, max_length=64)
    [row_without], _ = windows(without, model, tokenizer, max_length=64)
    tags = [model.config.entity_labels[i] for i in row["entity_labels"] if i != IGNORE_INDEX]
    assert tags == ["O", "O", "B-GPE", "O"]
    assert set(row_without["entity_labels"]) == {IGNORE_INDEX}


@pytest.fixture(scope="module")
def entity_predictor(tokenizer) -> Predictor:
    model = make_tiny_model(tokenizer, window=16, stride=4, entity_labels=ENTITY_LABELS, argument_decoding="entities")
    return Predictor(model, tokenizer, device="cpu", trigger_threshold=0.0)  # every word a trigger: arguments run


def test_results_list_entities_and_arguments_are_whole_entities(entity_predictor):
    text = "Police in Gaza said two people were killed by Israeli jets on Monday. " * 3
    [article] = entity_predictor.predict([text])
    result = Extraction.from_article(article).to_dict()
    assert result["entities"], "a random entity head tags something on 40 words"
    for entity in result["entities"]:
        assert set(entity) == {"type", "start", "end", "text", "score"}
        assert entity["type"] in LabelSchema.default().entity_types
        assert text[entity["start"] : entity["end"]] == entity["text"]
    spans = {(e["start"], e["end"]) for e in result["entities"]}
    arguments = [(a["start"], a["end"]) for event in result["events"] for a in event["arguments"]]
    assert arguments, "with every word a trigger, some entity takes a role"
    assert set(arguments) <= spans


def test_an_entity_takes_the_role_its_words_score_best_or_none(entity_predictor):
    labels = entity_predictor.model.config.argument_labels
    a = len(labels)

    def probs(**mass: float) -> np.ndarray:
        row = np.zeros(a)
        for label, p in mass.items():
            row[labels.index(label.replace("_", "-"))] = p
        return row

    # "Police in Gaza said": words at token positions 1-4
    table = {1: probs(B_Agent=0.7, O=0.3), 2: probs(O=0.9, B_Place=0.1), 3: probs(B_Place=0.3, O=0.7),
             4: probs(I_Agent=0.6, O=0.4)}
    entities = [(Span(0, 6), [1]), (Span(10, 14), [3]), (Span(0, 14), [1, 2, 3])]
    roles = role_columns(labels)
    chosen = entity_arguments(table, entities, roles, entity_predictor.argument_threshold)
    # "Police": Agent (0.7 > O 0.3); "Gaza": O wins (0.7); "Police in Gaza": mean Agent 0.23 < mean O 0.63
    assert chosen == [(Span(0, 6), "Agent", pytest.approx(0.7))]
    assert entity_arguments({}, entities, roles, None) == []  # outside the trigger's window


def test_the_onnx_graph_carries_the_entity_head(tokenizer, tmp_path):
    pytest.importorskip("onnxruntime", reason='backend="onnx" is optional: pip install -e ".[onnx]"')
    from inference.runtime.onnx_backend import OnnxModel

    model = make_tiny_model(tokenizer, seed=3, window=16, stride=4, entity_labels=ENTITY_LABELS,
                            argument_decoding="entities").eval()
    with torch.no_grad():
        model.entity_head.weight.mul_(30.0)  # a sharp random head: many entities, few near-ties
    texts = ["Police in Gaza said two people were killed by Israeli jets on Monday. " * 2]
    want = Predictor(model, tokenizer, device="cpu", trigger_threshold=0.0).predict(texts)[0]
    have = Predictor(OnnxModel(model, cache_dir=tmp_path), tokenizer, device="cpu",
                     trigger_threshold=0.0).predict(texts)[0]
    assert want.entities and [(e.type, e.span) for e in have.entities] == [(e.type, e.span) for e in want.entities]
    assert [[(a.role, a.span) for a in e.arguments] for e in have.events] == \
        [[(a.role, a.span) for a in e.arguments] for e in want.events]
