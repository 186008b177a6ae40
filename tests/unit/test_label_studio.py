"""Label Studio: the importer on a hand-written export, its errors, the labeling config, and articles drawn as tasks
and read back (no model: tests/e2e/test_label_studio_cli.py round-trips the shipped model's predictions)."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from inference.core.articles import Argument, Article, Claim, DataError, Entity, Event, Span
from inference.core.schema import LabelSchema
from inference.ecosystem.label_studio import label_config, parse_tasks, region_kinds, to_task
from tests.conftest import FIXTURES, ROOT
from tests.unit.test_importers_formats import write_m2e2
from training.data.importers import detect_format, load_articles, read_label_studio

EXPORT = FIXTURES / "label_studio_export.json"


def spans(article: Article, items: list[Span]) -> list[str]:
    return [span.text_in(article.text) for span in items]


def key(article: Article) -> tuple:
    """What an article says, in text order and without scores: spans, types, roles and links."""
    return (article.id, article.text,
            sorted((e.type, e.trigger, sorted((a.role, a.span) for a in e.arguments)) for e in article.events),
            sorted((c.source, c.cue, c.content) for c in article.claims),
            sorted((e.type, e.span) for e in article.entities))


def test_the_fixture_export_reads_into_claims_events_and_entities():
    articles, report = load_articles(EXPORT)
    first, second = articles
    assert [a.id for a in articles] == ["reuters-1", "2"]  # data.id, else Label Studio's task id
    assert [(spans(first, c.source), spans(first, c.cue), spans(first, c.content)) for c in first.claims] == [
        (["President Smith"], ["said"], ["We will talk about trade", "and about security"]),  # content in 2 fragments
        (["the ministry"], ["said"], ["Police arrested two protesters in Paris"])]
    (event,) = first.events
    assert (event.type, event.trigger.text_in(first.text)) == ("Justice:Arrest-Jail", "arrested")
    assert [(a.role, a.span.text_in(first.text)) for a in event.arguments] == [
        ("Agent", "Police"), ("Person", "two protesters"), ("Place", "Paris")]  # on entity and argument regions
    assert [(e.type, e.span.text_in(first.text)) for e in first.entities] == [
        ("PER", "President Smith"), ("ORG", "Police"), ("GPE", "Paris")]
    assert [(e.type, [(a.role, a.span.text_in(second.text)) for a in e.arguments]) for e in second.events] == [
        ("Life:Die", [("Victim", "Two people")])]
    assert first.layers == second.layers == ("events", "claims", "entities")
    assert first.meta == {"corpus": "label-studio", "file": EXPORT.name, "task": 1}
    assert report.to_dict() == {"label-studio: cancelled annotation left out": 1,
                                "label-studio: choices result ignored": 1,
                                "label-studio: task with predictions only (pre-annotations are no labels) skipped": 1}


def test_a_json_file_is_told_apart_by_its_content(tmp_path):
    assert detect_format(EXPORT) == "label-studio"
    assert detect_format(write_m2e2(tmp_path)) == "m2e2"
    long = tmp_path / "long.json"  # a first task longer than the block read at a time
    long.write_text(json.dumps([{"data": {"text": "word " * 40_000}, "annotations": []}]), encoding="utf-8")
    assert detect_format(long) == "label-studio"
    one = tmp_path / "one.json"  # one task, not in a list: Label Studio imports that too
    one.write_text(json.dumps({"data": {"text": "Calm."}, "annotations": [{"result": []}]}), encoding="utf-8")
    assert detect_format(one) == "label-studio" and load_articles(one)[0][0].text == "Calm."


def test_the_shipped_config_is_the_generated_one_and_names_every_label():
    shipped = (ROOT / "configs" / "label_studio.xml").read_text(encoding="utf-8")
    assert shipped == label_config()
    view = ElementTree.fromstring(shipped)  # well-formed: no "--" in its comment, every attribute quoted
    schema = LabelSchema.default()
    assert [label.get("value") for label in view.iter("Label")] == list(region_kinds(schema))
    assert [relation.get("value") for relation in view.iter("Relation")] == schema.roles
    assert (view.find("Labels").get("toName"), view.find("Text").get("value")) == ("text", "$text")


def test_a_schema_naming_one_label_twice_is_refused():
    with pytest.raises(ValueError, match=r"\['cue'\] twice.*accepted: distinct names"):
        region_kinds(LabelSchema(event_roles={"cue": ["Agent"]}))


def export_with(tmp_path: Path, change) -> Path:
    """The fixture export with ``change(task 1's result list)`` applied, written to a new file."""
    tasks = json.loads(EXPORT.read_text(encoding="utf-8"))
    change(tasks[0]["annotations"][0]["result"])
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def region(result: list[dict], region_id: str) -> dict:
    return next(r for r in result if r.get("id") == region_id)


def relation(result: list[dict], a: str, b: str) -> dict:
    return next(r for r in result if r.get("type") == "relation" and {r["from_id"], r["to_id"]} == {a, b})


BAD = {  # name: (change to task 1's result, words of the error, the reason counted under errors="skip")
    "unknown label": (lambda r: region(r, "pRo7t3sTrs")["value"].update(labels=["Victim"]),
                      r"unknown label 'Victim' \(a role goes on the relation.*accepted: source, cue, content",
                      "region with an unknown label skipped"),
    "relation to a missing region": (lambda r: relation(r, "Ar2eSt_Trg", "Po1Ic3Orgz").update(to_id="gone"),
                                     r"no labelled region 'gone'.*accepted: relations between its labelled regions",
                                     "relation to a missing region skipped"),
    "text differs": (lambda r: region(r, "GpE_Par1s0")["value"].update(text="Pari"),
                     r"reads 'Pari' but data.text\[116:121\] is 'Paris'; accepted: a region whose text is",
                     "region whose text differs from the task's skipped"),
    "claim part linked to no cue": (lambda r: r.remove(relation(r, "sA1d_2cue0", "MiN1sTry_s")),
                                    r"\(source 'the ministry'\) is linked to no cue; accepted: a source linked to",
                                    "claim part linked to no cue skipped"),
    "argument linked to no trigger": (lambda r: r.remove(relation(r, "Ar2eSt_Trg", "pRo7t3sTrs")),
                                      r"\(argument 'two protesters'\) is linked to no trigger; accepted: an argument",
                                      "argument linked to no trigger skipped"),
    "role the type does not take": (lambda r: relation(r, "Ar2eSt_Trg", "pRo7t3sTrs").update(labels=["Victim"]),
                                    r"Justice:Arrest-Jail takes no role 'Victim'; accepted: one or more of Agent, "
                                    r"Person, Instrument, Place", "argument role outside the schema skipped"),
    "argument link without a role": (lambda r: relation(r, "Ar2eSt_Trg", "pRo7t3sTrs").update(labels=[]),
                                      r"has no role; accepted: one or more of Agent", "argument link without a role "
                                      "skipped"),
    "claim link with a label": (lambda r: relation(r, "c2Ue-Nw9Xa", "Hn3kT8sWq0").update(labels=["Agent"]),
                                r"is labelled \['Agent'\]; accepted: no label on a claim link",
                                "claim link with a label skipped"),
    "source - content": (lambda r: relation(r, "sA1d_2cue0", "cNt_P0l1ce").update(from_id="MiN1sTry_s"),
                         r"joins a source and a content region; accepted: cue - source",
                         "relation between regions that cannot be linked skipped"),
    "two labels": (lambda r: region(r, "Po1Ic3Orgz")["value"].update(labels=["ORG", "PER"]),
                   r"has labels \['ORG', 'PER'\]; accepted: exactly one of", "region without one label skipped"),
    "outside the text": (lambda r: region(r, "sA1d_2cue0")["value"].update(start=136, end=999),
                         r"end=999 are not a span of the text; accepted: 0 <= start < end <= 141",
                         "region outside the text skipped"),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_annotations_name_what_is_wrong_and_what_is_accepted(tmp_path, name):
    change, message, reason = BAD[name]
    path = export_with(tmp_path, change)
    with pytest.raises(DataError, match=message) as raised:
        load_articles(path)
    assert str(raised.value).startswith(f"{path}: task 1 (id 1): ") and "\n" not in str(raised.value)
    articles, report = load_articles(path, errors="skip")  # the rest of the export still reads
    assert report.to_dict()[f"label-studio: {reason}"] >= 1 and [a.id for a in articles] == ["reuters-1", "2"]


def test_a_relation_to_a_skipped_region_is_counted_as_such(tmp_path):
    path = export_with(tmp_path, BAD["unknown label"][0])
    report = load_articles(path, errors="skip")[1].to_dict()
    assert report["label-studio: relation to a skipped region skipped"] == 1  # not "missing": it was there


@pytest.mark.parametrize("content, message", [
    ("not json", "invalid JSON"), ('{"text": "a"}', "task 1 has no 'data' object"),
    ('[{"data": {"body": "a"}}]', "task 1: data.text is missing"),
    ('[{"data": {"text": "a"}}, {"data": {"text": 7}}]', "task 2: data.text is 7, not a string")])
def test_a_file_that_is_no_task_list_says_what_is_accepted(content, message):
    with pytest.raises(DataError, match=rf"tasks.json: {message}.*accepted: a Label Studio JSON export"):
        parse_tasks(content, "tasks.json")


def annotated(tasks: list[dict], annotations: list[dict]) -> list[dict]:
    return [{**task, "annotations": copy.deepcopy(annotations)} for task in tasks]


def test_the_ground_truth_or_else_the_last_updated_annotation_is_read(tmp_path):
    said = [{"id": "c", "type": "labels", "value": {"start": 0, "end": 4, "labels": ["cue"]}}]
    died = [{"id": "d", "type": "labels", "value": {"start": 0, "end": 4, "labels": ["Life:Die"]}}]
    base = [{"id": 5, "data": {"text": "said"}}]
    path = tmp_path / "export.json"
    for candidates, kind in [
        ([{"result": said, "updated_at": "2024-05-02T10:00:00Z"}, {"result": died, "updated_at": "2024-05-01"}], "c"),
        ([{"result": said, "updated_at": "2024-05-02"}, {"result": died, "ground_truth": True}], "e"),
        ([{"result": said}, {"result": died}], "e")]:  # no times: the later one
        path.write_text(json.dumps(annotated(base, candidates)), encoding="utf-8")
        (article,), report = read_label_studio(path)
        assert (len(article.claims), len(article.events)) == ((1, 0) if kind == "c" else (0, 1))
        assert report.to_dict() == {
            "label-studio: other annotation of a task left out (the ground truth or last updated read)": 1}


def test_layers_default_to_the_export_and_data_layers_overrides(tmp_path):
    tasks = [{"data": {"text": "calm", "layers": ["claims"]}, "annotations": [{"result": []}]},
             {"data": {"text": "calm"}, "annotations": [{"result": []}]}]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    assert [a.layers for a in read_label_studio(path)[0]] == [("claims",), ("events", "claims")]  # no entity anywhere
    tasks[0]["data"]["layers"] = ["claims", "opinions"]
    path.write_text(json.dumps(tasks), encoding="utf-8")
    with pytest.raises(DataError, match=r"task 1: data.layers: .*unknown layers \['opinions'\]; accepted"):
        read_label_studio(path)
    tasks[0]["data"]["layers"] = "claims"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    with pytest.raises(DataError, match=r"task 1: data.layers: 'claims' is no list; accepted: a list of layers"):
        read_label_studio(path)


def every_kind_of_annotation() -> Article:
    """An article with what the drawing must keep apart: a cue in two fragments, one source shared by two claims
    (and also an entity), content in fragments, an argument on an entity, one span in two roles of one event, and
    one argument span shared by two events."""
    text = "Police said, and later repeated, that gunmen attacked and killed two guards in Homs; they added nothing."
    at = {word: Span(text.index(word), text.index(word) + len(word)) for word in
          ("Police", "said", "repeated", "gunmen attacked", "killed two guards in Homs", "gunmen", "attacked",
           "killed", "two guards", "Homs", "they", "added", "nothing")}
    return Article("every-kind", text, events=[
        Event("Conflict:Attack", at["attacked"], [Argument("Attacker", at["gunmen"], 0.9),
                                                   Argument("Target", at["two guards"], 0.8),
                                                   Argument("Place", at["Homs"], 0.7)], 0.95),
        Event("Life:Die", at["killed"], [Argument("Agent", at["gunmen"], 0.6), Argument("Victim", at["two guards"]),
                                         Argument("Place", at["Homs"]), Argument("Agent", at["Homs"])], 0.9)],
        claims=[Claim([at["Police"]], [at["said"], at["repeated"]],
                      [at["gunmen attacked"], at["killed two guards in Homs"]], 0.8),
                Claim([at["Police"]], [at["added"]], [at["nothing"]], 0.4)],
        entities=[Entity("ORG", at["Police"], 0.9), Entity("GPE", at["Homs"], 0.99)])


def test_an_article_drawn_as_a_task_reads_back_the_same(tmp_path):
    article = every_kind_of_annotation()
    task = to_task(article, "test", number=3)
    prediction = task["predictions"][0]
    assert task["data"] == {"text": article.text, "id": "every-kind"} and prediction["score"] == 0.4  # the least sure
    regions = [r for r in prediction["result"] if r["type"] == "labels"]
    assert len({r["id"] for r in regions}) == len(regions) and all(r["id"].startswith("t3r") for r in regions)
    assert [r["value"]["labels"] for r in regions].count(["source"]) == 1  # one region for the shared source
    roles = [r["labels"] for r in prediction["result"] if r["type"] == "relation" and r["labels"]]
    assert ["Place", "Agent"] in roles  # two roles of one span in one event: one relation with both
    path = tmp_path / "export.json"
    path.write_text(json.dumps([{**task, "annotations": [{"result": prediction["result"]}]}]), encoding="utf-8")
    (read,), report = read_label_studio(path)
    assert key(read) == key(article) and not report


def test_a_claim_without_a_cue_cannot_be_drawn():
    with pytest.raises(ValueError, match=r"claim 0 has no cue; accepted: claims with a cue"):
        to_task(Article("x", "Police: calm.", claims=[Claim([Span(0, 6)], [], [Span(8, 12)])]), "test")
