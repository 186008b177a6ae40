"""Each importer on a small sample written here, including its error cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inference.document import DataError, read_jsonl, write_jsonl
from training.importers import detect_format, load_articles

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def texts(article, part):
    return [[article.text[s.start : s.end] for s in getattr(c, part)] for c in article.claims]


# ---------------------------------------------------------------- PolNeAR / brat

POLNEAR_TEXT = "Clinton said the plan “is dead,” aides recalled.\nIt has been reported that taxes rose."
POLNEAR_ANN = "\n".join([
    "T1\tSource 0 7\tClinton",
    "T2\tCue 8 12\tsaid",
    "T3\tContent 13 31\tthe plan “is dead,”",
    "T4\tAttribution 8 12\tsaid",
    "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1",
    "T5\tCue 61 75\thas been reported",
    "T6\tContent 76 91\tthat taxes rose",
    "T7\tAttribution-no-source 61 75\thas been reported",
    "E2\tAttribution-no-source:T7 Content:T6 Cue:T5",
    "T8\tDiscuss 33 47\taides recalled",
    "E3\tDiscuss:T8",
    "#1\tAnnotatorNotes T3\tis this one claim?",
    "",
])


def polnear_split(tmp_path: Path, ann: str = POLNEAR_ANN, second_annotator: bool = True) -> Path:
    split = tmp_path / "train"
    (split / "text").mkdir(parents=True)
    (split / "attributions").mkdir()
    (split / "text" / "nyt_a.txt").write_text(POLNEAR_TEXT, encoding="utf-8")
    (split / "attributions" / "nyt_a_1111.ann").write_text(ann, encoding="utf-8")
    if second_annotator:
        (split / "attributions" / "nyt_a_2222.ann").write_text(ann, encoding="utf-8")
    return split


def fix_offsets(ann: str) -> str:
    """Recompute the fixture's offsets from its text so that the sample stays correct by construction."""
    out = []
    for line in ann.split("\n"):
        if line.startswith("T"):
            tid, (label, _, _), text = line.split("\t")[0], line.split("\t")[1].partition(" "), line.split("\t")[2]
            start = POLNEAR_TEXT.index(text)
            line = f"{tid}\t{label} {start} {start + len(text)}\t{text}"
        out.append(line)
    return "\n".join(out)


def test_polnear_claims_markers_and_annotators(tmp_path):
    articles, report = load_articles(polnear_split(tmp_path, fix_offsets(POLNEAR_ANN)))
    assert len(articles) == 1
    article = articles[0]
    assert article.layers == ("claims",) and article.events == []
    assert texts(article, "source") == [["Clinton"], []]  # Attribution-no-source has no source
    assert texts(article, "cue") == [["said"], ["has been reported"]]
    assert texts(article, "content") == [["the plan “is dead,”"], ["that taxes rose"]]
    assert report.counts == {
        "polnear: another annotator's copy of an article skipped": 1,
        "brat: Discuss marker skipped": 1,
        "brat: # line ignored": 1,
    }


def test_polnear_discontinuous_span_and_multiline_text(tmp_path):
    start = POLNEAR_TEXT.index("taxes")
    newline = POLNEAR_TEXT.index("\n")
    ann = fix_offsets(POLNEAR_ANN).replace(
        "T6\tContent 76 91\tthat taxes rose".replace("76 91", f"{start - 5} {start + 10}"),
        f"T6\tContent 33 47;{start} {start + 10}\taides recalled\nIt taxes rose",  # text field runs over a newline
    )
    assert newline > 0 and "\nIt taxes rose" in ann
    articles, _ = load_articles(polnear_split(tmp_path, ann, second_annotator=False), format="polnear")
    assert texts(articles[0], "content")[1] == ["aides recalled", "taxes rose"]


def test_polnear_offset_mismatch_raises_or_is_counted(tmp_path):
    ann = fix_offsets(POLNEAR_ANN).replace("T1\tSource 0 7\tClinton", "T1\tSource 1 8\tClinton")
    split = polnear_split(tmp_path, ann, second_annotator=False)
    with pytest.raises(DataError, match=r"nyt_a_1111\.ann:1: T1: offsets 1-8 read 'linton "):
        load_articles(split)
    articles, report = load_articles(split, errors="skip")
    assert report.counts["brat: span text does not match the text file, annotation skipped"] == 1
    assert report.counts["brat: event refers to a skipped or missing annotation, skipped"] == 1
    assert texts(articles[0], "cue") == [["has been reported"]]


def test_generic_brat_events(tmp_path):
    text = "Rebels attacked the base in Homs."
    (tmp_path / "doc.txt").write_text(text)
    (tmp_path / "doc.ann").write_text("T1\tConflict:Attack 7 15\tattacked\nT2\tAttacker 0 6\tRebels\n"
                                      "T3\tPlace 28 32\tHoms\nE1\tConflict:Attack:T1 Attacker:T2 Place:T3\n")
    assert detect_format(tmp_path) == "brat"
    articles, _ = load_articles(tmp_path)
    event = articles[0].events[0]
    assert (event.type, event.trigger.text_in(text)) == ("Conflict:Attack", "attacked")
    assert [(a.role, a.span.text_in(text)) for a in event.arguments] == [("Attacker", "Rebels"), ("Place", "Homs")]


# ---------------------------------------------------------------- M2E2

def m2e2_sentence(sid, start, words, events):
    index, position = [], start
    for word in words:
        index.append([str(position), str(position + len(word) - 1)])
        position += len(word) + 1
    return {"sentence_id": sid, "words": words, "index": index, "golden-event-mentions": events}


def write_m2e2(tmp_path, event_type="Conflict:Attack", role="Attacker"):
    sentences = [
        m2e2_sentence("VOA_1_0", 0, ["Rebels", "attacked", "Homs", "."], [
            {"trigger": {"start": 1, "end": 2}, "event_type": event_type,
             "arguments": [{"role": role, "start": 0, "end": 1}, {"role": "Place", "start": 2, "end": 3}]}]),
        m2e2_sentence("VOA_1_1", 26, ["Two", "died", "."], [
            {"trigger": {"start": 1, "end": 2}, "event_type": "Life:Die", "arguments": []}]),
        m2e2_sentence("VOA_2_0", 0, ["Quiet", "day", "."], []),
    ]
    path = tmp_path / "text_only_event.json"
    path.write_text(json.dumps(sentences))
    return path


def test_m2e2_articles_rebuilt_from_word_offsets(tmp_path):
    articles, report = load_articles(write_m2e2(tmp_path))
    assert [a.id for a in articles] == ["VOA_1", "VOA_2"] and not report
    article = articles[0]
    assert article.text == "Rebels attacked Homs .    Two died ."
    assert article.layers == ("events",)
    assert [(e.type, e.trigger.text_in(article.text)) for e in article.events] == [
        ("Conflict:Attack", "attacked"), ("Life:Die", "died")]
    assert [(a.role, a.span.text_in(article.text)) for a in article.events[0].arguments] == [
        ("Attacker", "Rebels"), ("Place", "Homs")]


def test_m2e2_overlapping_words_are_an_error(tmp_path):
    path = write_m2e2(tmp_path)
    sentences = json.loads(path.read_text())
    sentences[1]["index"][0] = ["20", "22"]  # "Two" placed over "." of the sentence before
    path.write_text(json.dumps(sentences))
    message = r"text_only_event\.json: VOA_1: word '\.' does not fit its offsets 21-21 \(wrong length or overlap"
    with pytest.raises(DataError, match=message):
        load_articles(path)


def test_m2e2_unknown_type_or_role(tmp_path):
    with pytest.raises(DataError, match=r"VOA_1_0: unknown event type 'Conflict:Riot'; accepted: Conflict:Attack, "):
        load_articles(write_m2e2(tmp_path, event_type="Conflict:Riot"))
    with pytest.raises(DataError, match=r"unknown role 'Victim' for Conflict:Attack; accepted: Attacker, Target"):
        load_articles(write_m2e2(tmp_path, role="Victim"))
    articles, report = load_articles(write_m2e2(tmp_path, role="Victim"), errors="skip")
    assert report.counts == {"m2e2: event with a type or role outside the schema skipped": 1}
    assert len(articles[0].events) == 1


# ---------------------------------------------------------------- BIO

def test_bio_jsonl_builds_linked_claims(tmp_path):
    path = tmp_path / "valid.txt"
    rows = [{"tokens": ["Smith", "said", "taxes", "rose", "."], "labels": ["B-source", "B-cue", "B-content",
                                                                          "I-content", "O"], "id": "s1"},
            {"tokens": ["Rebels", "attacked", "."], "labels": ["O", "I-Conflict:Attack", "O"]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert detect_format(path) == "bio-jsonl"
    articles, report = load_articles(path)
    assert articles[0].text == "Smith said taxes rose ."
    assert texts(articles[0], "content") == [["taxes rose"]] and texts(articles[0], "source") == [["Smith"]]
    assert articles[1].layers == ("events",) and articles[1].events[0].trigger.text_in(articles[1].text) == "attacked"
    assert report.counts == {"bio: I- without a B- before it, started a span": 1}


def test_bio_unknown_label_names_file_line_and_accepted(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"tokens": ["a"], "labels": ["O"]}) + "\n"
                    + json.dumps({"tokens": ["a", "b"], "labels": ["O", "B-speaker"]}) + "\n")
    with pytest.raises(DataError, match=r"bad\.jsonl:2: unknown label 'B-speaker' on token 1 \('b'\); accepted: O, "):
        load_articles(path)
    articles, report = load_articles(path, errors="skip")
    assert len(articles) == 1 and report.counts == {"bio: sentence with an unknown label skipped": 1}


def test_conll_documents(tmp_path):
    path = tmp_path / "train.conll"
    path.write_text("-DOCSTART- O\n\nPolice B-source\nsaid B-cue\n\nit I-content\nended I-content\n"
                    "-DOCSTART- O\nnothing O\n")
    articles, report = load_articles(path)
    assert [a.text for a in articles] == ["Police said it ended", "nothing"]
    assert texts(articles[0], "content") == [["it ended"]]
    assert report.counts == {"bio: I- without a B- before it, started a span": 1}


# ---------------------------------------------------------------- our JSONL, format detection

def test_jsonl_round_trip_and_errors(tmp_path, articles):
    path = tmp_path / "a.jsonl"
    write_jsonl(articles, path)
    assert [a.to_dict() for a in read_jsonl(path)] == [a.to_dict() for a in articles]
    bad = tmp_path / "bad.jsonl"
    row = articles[0].to_dict()
    row["claims"][0]["cue"][0]["end"] = 10_000
    bad.write_text(json.dumps(articles[1].to_dict()) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(DataError, match=r"bad\.jsonl:2: span \d+-10000 is empty or outside the text"):
        read_jsonl(bad)
    row = articles[0].to_dict()
    row["events"][0]["trigger"]["text"] = "died"
    bad.write_text(json.dumps(row) + "\n")
    with pytest.raises(DataError, match=r"bad\.jsonl:1: span \d+-\d+ reads 'killed' in the text but is labelled"):
        read_jsonl(bad)


def test_jsonl_event_type_outside_the_schema(tmp_path, articles):
    row = articles[0].to_dict()
    row["events"][0]["arguments"][0]["role"] = "Killer"
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(DataError, match=r"a\.jsonl: article 'fx-1': unknown role 'Killer' for Life:Die; accepted: A"):
        load_articles(path)


def test_unknown_format_is_named(tmp_path):
    with pytest.raises(ValueError, match="unknown format 'xml'; accepted: auto, jsonl, bio-jsonl"):
        load_articles(tmp_path, format="xml")
    with pytest.raises(ValueError, match="errors='ignore'; accepted"):
        load_articles(tmp_path, errors="ignore")


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/data")
def test_real_corpora():
    polnear, report = load_articles(SHARED / "polnear" / "data" / "train", errors="skip")
    assert len(polnear) == 840
    assert 19_000 < sum(len(a.claims) for a in polnear) < 22_000
    assert report.counts["polnear: another annotator's copy of an article skipped"] == 79
    m2e2, report = load_articles(SHARED / "m2e2" / "text_only_event.json")
    assert len(m2e2) == 180 and sum(len(a.events) for a in m2e2) == 872 and not report
    for article in polnear + m2e2:
        article.validate()
