"""extract(text, triggers=...): arguments for the triggers a user gives (event argument extraction)."""

from __future__ import annotations

import pytest

from inference import Predictor, extract
from tests.conftest import make_tiny_model

ENTITY_LABELS = ["O", *(f"{p}-{t}" for t in ("PER", "ORG", "GPE", "LOC", "FAC", "VEH", "WEA") for p in "BI")]
TEXT = "Police in Gaza said two people were killed by Israeli jets on Monday. Troops arrived in the city."


@pytest.fixture(scope="module", params=["tags", "entities"])
def predictor(request, tokenizer) -> Predictor:
    entities = request.param == "entities"
    model = make_tiny_model(tokenizer, window=16, stride=4, argument_decoding=request.param,
                            entity_labels=ENTITY_LABELS if entities else [])
    return Predictor(model, tokenizer, device="cpu", argument_threshold=0.0)  # every candidate an argument


def given(text: str, word: str, event_type: str, occurrence: int = 0) -> dict:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(word, start + 1)
    return {"start": start, "end": start + len(word), "type": event_type}


def test_events_are_exactly_the_given_triggers_in_their_order(predictor):
    triggers = [given(TEXT, "arrived", "Movement:Transport"), given(TEXT, "killed", "Life:Die"),
                given(TEXT, "killed", "Conflict:Attack")]  # two events on one word, out of text order
    result = extract(TEXT, model=predictor, triggers=triggers)
    assert [(e.trigger.start, e.trigger.end, e.type) for e in result.events] == [
        (t["start"], t["end"], t["type"]) for t in triggers]
    assert all(e.score == 1.0 for e in result.events)
    roles = {"Movement:Transport": set(predictor.schema.event_roles["Movement:Transport"]),
             "Life:Die": set(predictor.schema.event_roles["Life:Die"]),
             "Conflict:Attack": set(predictor.schema.event_roles["Conflict:Attack"])}
    arguments = [(e.type, a) for e in result.events for a in e.arguments]
    assert arguments, "every candidate is an argument at threshold 0: the given triggers were read"
    for event_type, argument in arguments:
        assert argument.role in roles[event_type]
        assert TEXT[argument.start : argument.end] == argument.text


def test_a_trigger_mid_word_or_over_several_words_keeps_its_offsets(predictor):
    triggers = [{"start": 36, "end": 39, "type": "Life:Die"}, given(TEXT, "arrived in", "Movement:Transport")]
    result = extract(TEXT, model=predictor, triggers=triggers)
    assert [(e.trigger.start, e.trigger.end) for e in result.events] == [(36, 39), (triggers[1]["start"],
                                                                                     triggers[1]["end"])]


def test_no_triggers_means_no_events_and_claims_are_still_found(predictor):
    with_none = extract(TEXT, model=predictor, triggers=[])
    found = extract(TEXT, model=predictor)
    assert with_none.events == []
    assert with_none.claims == found.claims and with_none.entities == found.entities


def test_a_list_of_texts_takes_a_list_of_lists(predictor):
    second = "Protesters marched in Paris."
    triggers = [[given(TEXT, "killed", "Life:Die")], [given(second, "marched", "Conflict:Demonstrate")]]
    results = extract([TEXT, second], model=predictor, triggers=triggers)
    assert [[e.trigger.text for e in r.events] for r in results] == [["killed"], ["marched"]]
    alone = extract(second, model=predictor, triggers=[given(second, "marched", "Conflict:Demonstrate")])
    assert alone == results[1]


@pytest.mark.parametrize("triggers, error, message", [
    ([{"start": 90, "end": 200, "type": "Life:Die"}], ValueError, r"triggers\[0\]: offsets 90-200 do not fit"),
    ([{"start": 5, "end": 5, "type": "Life:Die"}], ValueError, "accepted: integers with 0 <= start < end"),
    ([{"start": 6, "end": 7, "type": "Life:Die"}], ValueError, "around a word"),  # a space
    ([{"start": 0, "end": 6, "type": "Attack"}], ValueError, r"type 'Attack' is not an event type.*Conflict:Attack"),
    ([{"start": 0, "end": 6}], TypeError, "accepted"),
    ({"start": 0, "end": 6, "type": "Life:Die"}, TypeError, "for one text"),
    ([{"start": "0", "end": 6, "type": "Life:Die"}], ValueError, "integers"),
])
def test_bad_triggers_are_errors_naming_them(predictor, triggers, error, message):
    with pytest.raises(error, match=message):
        extract(TEXT, model=predictor, triggers=triggers)


def test_a_list_of_texts_needs_one_list_per_text(predictor):
    with pytest.raises(TypeError, match="a list of 2 lists"):
        extract([TEXT, TEXT], model=predictor, triggers=[given(TEXT, "killed", "Life:Die")])
