"""Bad training and test data gets an error naming the file, the line and what is accepted (issue 16): article JSONL
values of the wrong type, brat lines written with spaces, empty inputs and repeated article ids."""

from __future__ import annotations

import json
import logging

import pytest

from inference.core.articles import DataError, read_jsonl
from training.data.importers import load_articles, load_paths, parse_ann
from training.data.importers.brat import logical_lines

TEXT = "Police said two people were killed."
GOOD = {"id": "ok", "text": TEXT, "events": [{"type": "Life:Die", "trigger": {"start": 28, "end": 34}}]}


def jsonl(tmp_path, *rows: dict, name: str = "train.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


# ---------------------------------------------------------------- article JSONL: values of the wrong type

@pytest.mark.parametrize(("row", "message"), [
    ({"id": "a", "text": TEXT, "claims": [{"source": "Police", "cue": [{"start": 7, "end": 11}]}]},
     r"claim source must be a list of spans .*got \"Police\""),
    ({"id": "a", "text": TEXT, "events": [{"type": "Life:Die", "trigger": None}]},
     r"trigger must be an object \{\"start\": \.\.\., \"end\": \.\.\.\}, got null"),
    ({"id": "a", "text": TEXT, "events": [{"type": "Life:Die", "trigger": {"start": False, "end": True}}]},
     r"trigger offsets must be integers, got start=False end=True"),
    ({"id": "a", "text": TEXT, "claims": [{"cue": [{"start": 7, "end": 11}, "said"]}]},
     r"claim cue must be an object .*got \"said\""),
], ids=["part-as-string", "null-trigger", "boolean-offsets", "fragment-as-string"])
def test_wrong_types_in_article_jsonl_name_file_and_line(tmp_path, row, message):
    path = jsonl(tmp_path, GOOD, row)
    with pytest.raises(DataError, match=rf"^{tmp_path}/train\.jsonl:2: {message}"):
        read_jsonl(path)


@pytest.mark.parametrize(("change", "message"), [
    ({"type": "Life:Dies"}, r"article 'bad': unknown event type 'Life:Dies'"),
    ({"arguments": [{"role": "Killer", "start": 0, "end": 6}]}, r"article 'bad': unknown role 'Killer' for Life:Die"),
], ids=["type", "role"])
def test_unknown_event_type_or_role_names_file_and_line(tmp_path, change, message):
    bad = {**GOOD, "id": "bad", "events": [{**GOOD["events"][0], **change}]}
    with pytest.raises(DataError, match=rf"train\.jsonl:3: {message}.*; accepted: "):
        load_articles(jsonl(tmp_path, GOOD, {**GOOD, "id": "ok2"}, bad))


# ---------------------------------------------------------------- brat: spaces for tabs

def test_brat_line_with_spaces_for_tabs_is_malformed_on_its_own_line(tmp_path):
    (tmp_path / "doc.txt").write_text(TEXT)
    ann = tmp_path / "doc.ann"
    ann.write_text("T1\tSource 0 6\tPolice\nT2 Cue 7 11 said\nE1\tAttribution:T2 Source:T1\n")
    assert [number for number, _ in logical_lines(ann.read_text())] == [1, 2, 3]
    with pytest.raises(DataError, match=r"doc\.ann:2: fields separated by spaces, not tabs: 'T2 Cue 7 11 said'; "
                                        r"accepted: 'T1<TAB>Type start end<TAB>text'"):
        parse_ann(ann, TEXT)
    articles, report = load_articles(tmp_path, format="brat", errors="skip")
    assert report.to_dict()["brat: malformed line skipped"] == 1
    assert "brat: span text mismatch skipped" not in report.to_dict(), "T1 was not swallowed"


def test_brat_text_field_that_merely_starts_like_an_id_still_continues(tmp_path):
    lines = logical_lines("T1\tContent 0 20\tthe T2 rocket\nT2 rocket crews fired\n")
    assert [number for number, _ in lines] == [1]  # "T2 rocket crews" has no offsets: text, not an annotation


# ---------------------------------------------------------------- empty inputs

@pytest.mark.parametrize(("name", "content", "format", "expected"), [
    ("train.jsonl", "", "auto", r"\(jsonl\) one article per line"),
    ("train.jsonl", "\n  \n", "auto", r"\(jsonl\) one article per line"),
    ("train.conll", "", "auto", r"\(conll\) a token and its BIO label per line"),
    ("train.bio", "", "auto", r"\(conll\) a token and its BIO label per line"),
    ("train.txt", "", "bio-jsonl", r"\(bio-jsonl\) one \{\"tokens\""),
], ids=["jsonl", "blank-jsonl", "conll", "bio", "bio-jsonl"])
def test_empty_file_is_an_error_naming_it_and_what_was_expected(tmp_path, name, content, format, expected):
    (tmp_path / name).write_text(content)
    with pytest.raises(DataError, match=rf"{name}: no articles in it; expected {expected}"):
        load_paths([tmp_path / name], format)


def test_empty_brat_folder_is_an_error(tmp_path):
    with pytest.raises(DataError, match=r"no articles in it; expected \(brat\) NAME\.txt and NAME\.ann pairs"):
        load_articles(tmp_path, format="brat")


def test_input_whose_every_item_was_skipped_is_a_warning(tmp_path, caplog):
    (tmp_path / "doc.ann").write_text("T1\tSource 0 6\tPolice\n")  # no doc.txt beside it
    with caplog.at_level(logging.WARNING, logger="training.data.importers.checks"):
        articles, report = load_articles(tmp_path, format="brat", errors="skip")
    assert articles == [] and report
    assert "no articles left: everything in it was skipped" in caplog.text


# ---------------------------------------------------------------- repeated article ids

def test_duplicate_article_id_names_both_lines(tmp_path):
    path = jsonl(tmp_path, GOOD, {**GOOD, "id": "other"}, {**GOOD, "text": TEXT + " Again."})
    with pytest.raises(DataError, match=rf"train\.jsonl:3: article id 'ok' is also the id of the article at "
                                        rf"{tmp_path}/train\.jsonl:1"):
        load_articles(path)
    articles, report = load_articles(path, errors="skip")
    assert [a.id for a in articles] == ["ok", "other"] and report.to_dict() == {"duplicate article id skipped": 1}


def test_article_in_two_files_names_both(tmp_path):
    first, second = jsonl(tmp_path, GOOD, name="a.jsonl"), jsonl(tmp_path, GOOD, name="b.jsonl")
    with pytest.raises(DataError, match=r"b\.jsonl: article id 'ok' is also the id of the article at .*a\.jsonl"):
        load_paths([first, second])
