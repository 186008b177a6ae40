"""Importers, part two: M2E2, BIO and CoNLL, JSON lines, format detection, splits and prepare_data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inference.core.articles import Article, DataError, read_jsonl, write_jsonl
from tests.unit.test_importers import polnear_ann, polnear_split, texts
from training.data.importers import (
    detect_format,
    load_articles,
)
from training.prepare_data import prepare, split

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def m2e2_sentence(sid: str, start: int, words: list[str], events: list[dict]) -> dict:
    index, position = [], start
    for word in words:
        index.append([str(position), str(position + len(word) - 1)])
        position += len(word) + 1
    return {"sentence_id": sid, "words": words, "index": index, "golden-event-mentions": events}


def write_m2e2(tmp_path: Path, event_type: str = "Conflict:Attack", role: str = "Attacker") -> Path:
    sentences = [
        m2e2_sentence("VOA_1_0", 0, ["Rebels", "attacked", "Homs", "."], [
            {"trigger": {"start": 1, "end": 2}, "event_type": event_type,
             "arguments": [{"role": role, "start": 0, "end": 1}, {"role": "Place", "start": 2, "end": 3}]}]),
        m2e2_sentence("VOA_1_1", 26, ["Two", "people", "died", "."], [
            {"trigger": {"start": 2, "end": 3}, "event_type": "Life:Die", "arguments": []},
            {"trigger": {"start": 2, "end": 4}, "event_type": "Conflict:Attack", "arguments": []}]),
        m2e2_sentence("VOA_2_0", 0, ["Quiet", "day", "."], []),
    ]
    path = tmp_path / "text_only_event.json"
    path.write_text(json.dumps(sentences), encoding="utf-8")
    return path


def test_m2e2_articles_rebuilt_from_word_offsets(tmp_path):
    path = write_m2e2(tmp_path)
    articles, report = load_articles(path)
    assert [a.id for a in articles] == ["VOA_1", "VOA_2"]
    article = articles[0]
    assert article.text == "Rebels attacked Homs .    Two people died ." and article.layers == ("events", "entities")
    assert [(e.type, e.trigger.text_in(article.text)) for e in article.events] == [
        ("Conflict:Attack", "attacked"), ("Life:Die", "died")]
    by_id = {a.id: a for a in articles}
    for sentence in json.loads(path.read_text()):  # every word, so every trigger, reads right in the rebuilt text
        text = by_id[sentence["sentence_id"].rpartition("_")[0]].text
        for word, (start, end) in zip(sentence["words"], sentence["index"], strict=True):
            assert text[int(start) : int(end) + 1] == word
    assert [(a.role, a.span.text_in(article.text)) for a in article.events[0].arguments] == [
        ("Attacker", "Rebels"), ("Place", "Homs")]
    assert report.to_dict() == {"m2e2: overlapping trigger skipped": 1}  # "died ." overlaps "died"


def test_m2e2_unknown_type_or_role_names_accepted_values(tmp_path):
    with pytest.raises(DataError, match=r"text_only_event\.json: sentence VOA_1_0: unknown event type 'Conflict:Riot'; "
                                        r"accepted: Conflict:Attack, Conflict:Demonstrate, .*Transaction:Transfer-Mo"):
        load_articles(write_m2e2(tmp_path, event_type="Conflict:Riot"))
    with pytest.raises(DataError, match=r"VOA_1_0: unknown role 'Victim' for Conflict:Attack; accepted: Attacker, Tar"):
        load_articles(write_m2e2(tmp_path, role="Victim"))
    articles, report = load_articles(write_m2e2(tmp_path, role="Victim"), errors="skip")
    assert report.counts["m2e2: argument role outside the schema skipped"] == 1
    assert [a.role for a in articles[0].events[0].arguments] == ["Place"]  # only the bad argument is left out
    articles, report = load_articles(write_m2e2(tmp_path, event_type="Conflict:Riot"), errors="skip")
    assert report.counts["m2e2: event type outside the schema skipped"] == 1
    assert [e.type for e in articles[0].events] == ["Life:Die"]


def test_m2e2_word_that_does_not_fit_its_offsets(tmp_path):
    path = write_m2e2(tmp_path)
    sentences = json.loads(path.read_text())
    sentences[1]["index"][0] = ["19", "21"]  # "Two" placed over "Homs" of the sentence before
    path.write_text(json.dumps(sentences))
    with pytest.raises(DataError, match=r"text_only_event\.json: article VOA_1: word 'Two' at 19-21 overlaps the "
                                        r"word before it at 16-19"):
        load_articles(path)


# ---------------------------------------------------------------- BIO JSON lines and CoNLL

def write_lines(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_bio_jsonl_links_claims_and_repairs_lone_i(tmp_path):
    path = write_lines(tmp_path / "valid.txt", [
        {"tokens": ["Smith", "said", "taxes", "rose", "."], "labels": ["B-source", "B-cue", "B-content",
                                                                      "I-content", "O"], "id": "s1"},
        {"tokens": ["It", "was", "reported", "in", "May"], "labels": ["O", "I-CUE", "I-cue", "O", "I-Content"]},
        {"tokens": ["Nothing", "."], "labels": ["O", "O"]},
    ])
    assert detect_format(path) == "bio-jsonl"
    articles, report = load_articles(path)
    assert [a.id for a in articles] == ["s1:1", "valid:2", "valid:3"]
    assert articles[0].text == "Smith said taxes rose ."
    assert [texts(articles[0], part) for part in ("source", "cue", "content")] == [[["Smith"]], [["said"]],
                                                                                 [["taxes rose"]]]
    assert texts(articles[1], "cue") == [["was reported"]] and texts(articles[1], "content") == [["May"]]
    assert all(a.layers == ("claims",) for a in articles)  # "Nothing ." is annotated: it has no claim
    assert report.to_dict() == {"bio: I- without B- repaired": 2}


def test_bio_unknown_label_names_file_line_and_accepted(tmp_path):
    path = write_lines(tmp_path / "bad.jsonl", [{"tokens": ["a"], "labels": ["O"]},
                                                 {"tokens": ["a", "b"], "labels": ["O", "B-speaker"]}])
    with pytest.raises(DataError, match=r"bad\.jsonl:2: unknown label 'B-speaker' on token 1 \('b'\); accepted: O, "
                                        r"or B-/I- followed by one of source, cue, content, Conflict:Attack"):
        load_articles(path)
    articles, report = load_articles(path, errors="skip")
    assert len(articles) == 1 and report.to_dict() == {"bio: sentence with an unknown label skipped": 1}


def test_conll_documents_events_and_errors(tmp_path):
    path = tmp_path / "train.conll"
    path.write_text("-DOCSTART- O\n\nRebels O\nattacked\tB-Conflict:Attack\n\nTwo O\ndied I-Life:Die\n"
                    "-DOCSTART- O\nQuiet O\n", encoding="utf-8")
    assert detect_format(path) == "conll"
    articles, report = load_articles(path)
    assert [a.text for a in articles] == ["Rebels attacked Two died", "Quiet"]
    assert [(e.type, e.trigger.text_in(articles[0].text)) for e in articles[0].events] == [
        ("Conflict:Attack", "attacked"), ("Life:Die", "died")]
    assert articles[1].layers == ("events",) and articles[1].events == []  # an event file: no event here is known
    assert report.to_dict() == {"bio: I- without B- repaired": 1}
    path.write_text("Rebels O\nattacked B-Attack\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"train\.conll:2: unknown label 'B-Attack'"):
        load_articles(path)
    path.write_text("Rebels O\nattacked\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"train\.conll:2: expected 'token label'"):
        load_articles(path)


# ---------------------------------------------------------------- our JSONL, format detection

def test_jsonl_round_trip_and_schema_check(tmp_path, articles):
    path = tmp_path / "a.jsonl"
    write_jsonl(articles, path)
    assert detect_format(path) == "jsonl"
    assert [a.to_dict() for a in load_articles(path)[0]] == [a.to_dict() for a in articles]
    row = articles[0].to_dict()
    row["events"][0]["arguments"][0]["role"] = "Killer"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(DataError, match=r"a\.jsonl:1: article 'fx-1': unknown role 'Killer' for Life:Die; accepted: A"):
        load_articles(path)
    assert read_jsonl(path)[0].events[0].arguments[0].role == "Killer"  # the reader itself knows no schema


def test_detect_format_by_shape(tmp_path):
    (tmp_path / "m.json").write_text("[]")
    (tmp_path / "b.bio").write_text("a O\n")
    (tmp_path / "c.txt").write_text("a O\n")
    write_lines(tmp_path / "t.jsonl", [{"tokens": ["a"], "labels": ["O"]}])
    (tmp_path / "empty").mkdir()
    assert [detect_format(tmp_path / n) for n in ("m.json", "b.bio", "c.txt", "t.jsonl")] == [
        "m2e2", "conll", "conll", "bio-jsonl"]
    with pytest.raises(ValueError, match="neither 'attributions/' .* pass format= one of jsonl, bio-jsonl"):
        detect_format(tmp_path / "empty")
    with pytest.raises(ValueError, match=r"x\.xml: cannot tell the format from the name; pass format= one of jsonl"):
        detect_format(tmp_path / "x.xml")


def test_unknown_format_or_errors_is_named(tmp_path):
    with pytest.raises(ValueError, match="unknown format 'xml'; accepted: auto, jsonl, bio-jsonl, conll, brat, pol"):
        load_articles(tmp_path, format="xml")
    with pytest.raises(ValueError, match="errors='ignore'; accepted: 'raise', 'skip'"):
        load_articles(tmp_path, errors="ignore")


# ---------------------------------------------------------------- release splits

def test_split_is_by_article_and_stable():
    articles = [Article(f"a{i}", "x") for i in range(400)]
    first, again = split(articles, 0.1, 0.1), split(list(reversed(articles)), 0.1, 0.1)
    assert sorted(a.id for part in first.values() for a in part) == sorted(a.id for a in articles)
    assert 20 <= len(first["dev"]) <= 60 and 20 <= len(first["test"]) <= 60  # ~10 % each
    assert {a.id for a in first["dev"]} == {a.id for a in again["dev"]}  # input order does not matter
    assert split([Article("VOA_EN_NW_2016.04.19.3291980", "x")], 0.1, 0.1)["train"]  # fixed: same on every machine
    with pytest.raises(ValueError, match="dev=0.7, test=0.5; accepted: fractions >= 0 that sum to at most 1"):
        split(articles, 0.7, 0.5)


def test_prepare_writes_splits_and_report(tmp_path):
    shared = tmp_path / "shared"
    polnear = shared / "polnear" / "data"
    polnear_split(polnear, {"4b22": polnear_ann(), "d473": polnear_ann()}, part="train")
    polnear_split(polnear, {"4b22": polnear_ann()}, part="dev")
    (shared / "m2e2").mkdir()
    write_m2e2(shared / "m2e2")
    splits = prepare(shared, tmp_path / "release")
    extra = ("wikievents_train", "wikievents_dev", "wikievents_test", "rams")
    assert sorted(splits) == sorted(("train", "dev", "test", *extra))
    written = {name: read_jsonl(tmp_path / "release" / f"{name}.jsonl") for name in ("train", "dev", "test")}
    assert {name: len(a) for name, a in written.items()} == {name: len(splits[name]) for name in written}
    assert sum(len(a) for a in written.values()) == 4  # 2 PolNeAR articles, 2 M2E2 articles, each in one split
    for name in extra:  # no WikiEvents or RAMS in this shared folder: left out, with a warning
        assert splits[name] == [] and (tmp_path / "release" / f"{name}.jsonl").read_text() == ""
    report = json.loads((tmp_path / "release" / "import_report.json").read_text())
    assert report["polnear: extra annotator file skipped"] == 1 and report["m2e2: overlapping trigger skipped"] == 1


# ---------------------------------------------------------------- the real corpora

@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/data")
def test_real_corpora():
    polnear, report = load_articles(SHARED / "polnear" / "data" / "train", errors="skip")
    assert len(polnear) == 840 and 19_000 < sum(len(a.claims) for a in polnear) < 22_000
    assert report.counts["polnear: extra annotator file skipped"] == 919 - 840
    assert report.counts["polnear: Discuss marker skipped"] > 0 and report.counts["polnear: Discard marker skipped"] > 0
    m2e2, report = load_articles(SHARED / "m2e2" / "text_only_event.json", errors="skip")
    skipped = report.counts["m2e2: overlapping trigger skipped"] + report.counts["m2e2: event type outside the schema "
                                                                                 "skipped"]
    assert len(m2e2) == 180 and sum(len(a.events) for a in m2e2) == 872 - skipped
    bio, report = load_articles(SHARED / "polnear_bio" / "valid.txt")
    assert len(bio) == 1925 and sum(len(a.claims) for a in bio) > 0
    for article in polnear + m2e2 + bio:  # every span reads the text it was annotated on
        article.validate()
        assert all(span.text_in(article.text).strip() for span in article.spans())
