"""Label Studio end to end: the shipped model's results written as tasks (``python -m inference --label-studio``),
accepted as predicted (what Label Studio exports when an annotator submits the pre-annotations unchanged) and read
back with ``--format label-studio``: the same spans and links; tasks in, their ids kept; a training command on an
export."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ElementTree

import pytest

from inference.__main__ import main
from inference.core.articles import Span
from inference.core.model_folder import DEFAULT_MODEL
from tests.conftest import FIXTURES, ROOT
from training.data.importers import load_articles

CONFIG = ElementTree.parse(ROOT / "configs" / "label_studio.xml").getroot()
LABELS = {label.get("value") for label in CONFIG.iter("Label")}
ROLES = {relation.get("value") for relation in CONFIG.iter("Relation")}


def record_key(record: dict) -> tuple:
    """What a result line of ``python -m inference`` says, as :func:`article_key` says it of an article."""
    def span(item: dict) -> Span:
        return Span(item["start"], item["end"])

    events = sorted((e["type"], span(e["trigger"]), sorted((a["role"], span(a)) for a in e["arguments"]))
                    for e in record["events"])
    claims = sorted(([span(c["source"])] if c["source"] else [], [span(c["cue"])], [span(s) for s in c["content"]])
                    for c in record["claims"])
    return record["id"], events, claims, sorted((e["type"], span(e)) for e in record["entities"])


def article_key(article) -> tuple:
    return (article.id, sorted((e.type, e.trigger, sorted((a.role, a.span) for a in e.arguments))
                               for e in article.events),
            sorted((c.source, c.cue, c.content) for c in article.claims),
            sorted((e.type, e.span) for e in article.entities))


def check_task(task: dict) -> None:
    """A task Label Studio imports into a project labelled with configs/label_studio.xml: every label and role is
    the config's, every region's text is its span of data.text, every relation joins two of its regions."""
    (prediction,) = task["predictions"]
    assert prediction["model_version"].startswith("newsextract default (weights ") and 0 <= prediction["score"] <= 1
    regions = {r["id"]: r for r in prediction["result"] if r["type"] == "labels"}
    assert len(regions) == sum(r["type"] == "labels" for r in prediction["result"])  # ids unique in the task
    for region in regions.values():
        value = region["value"]
        assert (region["from_name"], region["to_name"]) == ("label", "text") and set(value["labels"]) <= LABELS
        assert task["data"]["text"][value["start"] : value["end"]] == value["text"] and 0 <= region["score"] <= 1
    for relation in (r for r in prediction["result"] if r["type"] == "relation"):
        assert {relation["from_id"], relation["to_id"]} <= set(regions) and set(relation["labels"]) <= ROLES


def accepted(tasks: list[dict]) -> list[dict]:
    """The tasks as Label Studio exports them once each prediction is submitted as it is (result ids kept)."""
    return [{**task, "id": number, "annotations": [{"id": 100 + number, "result": task["predictions"][0]["result"],
                                                    "was_cancelled": False, "ground_truth": False}]}
            for number, task in enumerate(tasks, start=1)]


def test_predictions_exported_and_imported_give_the_same_spans_and_links(tmp_path):
    results, tasks_file = tmp_path / "results.jsonl", tmp_path / "tasks.json"
    main([str(FIXTURES / "articles.jsonl"), "-o", str(results), "--label-studio", str(tasks_file)])
    records = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    assert [task["data"]["id"] for task in tasks] == [record["id"] for record in records]
    for task in tasks:
        check_task(task)
    export = tmp_path / "export.json"
    export.write_text(json.dumps(accepted(tasks)), encoding="utf-8")
    articles, report = load_articles(export)  # told from M2E2's .json by its content
    assert not report
    assert [article_key(a) for a in articles] == [record_key(r) for r in records]
    found = [sum(len(r[name]) for r in records) for name in ("claims", "events", "entities")]
    arguments = sum(len(e["arguments"]) for r in records for e in r["events"])
    assert min(*found, arguments) > 0, f"the shipped model found too little to round-trip: {found}, {arguments}"


def test_tasks_in_keep_their_ids_and_data(tmp_path, capsys):
    given = [{"id": 41, "data": {"text": "Police said two people were killed in Gaza.", "url": "https://x.example"}},
             {"data": {"text": "Markets were calm.", "id": "afp-9"}}, {"data": {"text": "Calm."}}]
    path, out = tmp_path / "in.json", tmp_path / "out.json"
    path.write_text(json.dumps(given), encoding="utf-8")
    main(["--format", "label-studio", str(path), "--label-studio", str(out)])
    ids = [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()]
    assert ids == ["41", "afp-9", f"{path}:3"]
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert [(task.get("id"), task["data"]) for task in tasks] == [(task.get("id"), task["data"]) for task in given]
    assert tasks[0]["predictions"][0]["result"], "the first text holds a claim and an event"


def test_tasks_from_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps([{"id": 8, "data": {"text": "Calm."}}])))
    main(["--format", "label-studio", "-"])
    assert [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()] == ["8"]


@pytest.mark.parametrize("content, message", [
    ('[{"text": "no data"}]', "task 1 has no 'data' object; accepted: a Label Studio JSON export"),
    ('[{"id": 1, "data": {"text": "a"}}, {"id": 1, "data": {"text": "b"}}]', "id '1' is also the id of")])
def test_a_bad_task_file_ends_the_run_with_what_is_accepted(tmp_path, capsys, content, message):
    path = tmp_path / "in.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:
        main(["--format", "label-studio", str(path), "--label-studio", str(tmp_path / "out.json")])
    assert stopped.value.code == 2 and message in capsys.readouterr().err


def test_the_tasks_file_is_checked_before_any_work(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main([str(FIXTURES / "articles.jsonl"), "--label-studio", str(tmp_path / "no-such-folder" / "tasks.json")])
    assert stopped.value.code == 2
    assert "--label-studio" in capsys.readouterr().err and not (tmp_path / "no-such-folder").exists()


def test_a_training_command_reads_an_export(tmp_path):
    from training.evaluate import main as evaluate

    evaluate(["--model", str(DEFAULT_MODEL), "--data", str(FIXTURES / "label_studio_export.json"),
              "--format", "label-studio", "--output-dir", str(tmp_path)])
    meta = json.loads((tmp_path / "eval_results.json").read_text(encoding="utf-8"))["meta"]
    assert meta["articles"] == 2  # the two annotated tasks of three
