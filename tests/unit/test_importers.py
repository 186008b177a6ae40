"""Each importer on small samples written here, including its error cases; one slow test reads the real corpora."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from inference.core.articles import Article, DataError
from training.data.importers import (
    BratMapping,
    ImportReport,
    detect_format,
    load_articles,
    parse_ann,
    read_brat_dir,
    read_polnear,
)
from training.data.importers.brat import logical_lines

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def texts(article: Article, part: str) -> list[list[str]]:
    return [[span.text_in(article.text) for span in getattr(claim, part)] for claim in article.claims]


def t_line(tid: str, label: str, text: str, *phrases: str, occurrence: int = 0) -> str:
    """A brat T line whose offsets are found in ``text``, so the fixtures stay right by construction."""
    fragments = []
    for phrase in phrases:
        start = -1
        for _ in range(occurrence + 1):
            start = text.index(phrase, start + 1)
        fragments.append((start, start + len(phrase)))
    offsets = ";".join(f"{s} {e}" for s, e in fragments)
    return f"{tid}\t{label} {offsets}\t{' '.join(text[s:e] for s, e in fragments)}"


# ---------------------------------------------------------------- report

def test_report_counts_merges_and_prints():
    report = ImportReport()
    report.add("polnear: Discuss marker skipped", 2)
    report.add("polnear: Discuss marker skipped")
    report.add("m2e2: overlapping trigger skipped", 0)  # zero records nothing
    other = ImportReport(Counter({"m2e2: overlapping trigger skipped": 1}))
    assert report.merge(other) is report and report.total == 4
    assert report.to_dict() == {"m2e2: overlapping trigger skipped": 1, "polnear: Discuss marker skipped": 3}
    assert str(report) == "1 × m2e2: overlapping trigger skipped; 3 × polnear: Discuss marker skipped"
    assert str(ImportReport()) == "nothing skipped" and not ImportReport()
    with pytest.raises(ValueError, match="n=-1 for 'x'; accepted: a count >= 0"):
        report.add("x", -1)


# ---------------------------------------------------------------- brat

BRAT_TEXT = "Police said the\nprotest, which began Monday, was peaceful. Rebels attacked Homs."


def test_brat_continuation_lines_and_discontinuous_spans(tmp_path):
    content = t_line("T1", "Content", BRAT_TEXT, "the\nprotest", "was peaceful")  # its text field runs over a newline
    assert content.count("\n") == 1
    ann = tmp_path / "doc.ann"
    ann.write_text("\n".join([t_line("T2", "Cue", BRAT_TEXT, "said"), content, "E1\tAttribution:T2 Content:T1",
                              "#1\tAnnotatorNotes T1\ta note", "A1\tNegation E1", "R1\tRel Arg1:T1 Arg2:T2",
                              "M1\tSpeculation E1", "N1\tReference T1 Wikipedia:1\tx", "*\tEquiv T1 T2", ""]),
                   encoding="utf-8")
    assert [number for number, _ in logical_lines(ann.read_text())] == [1, 2, 4, 5, 6, 7, 8, 9, 10]
    report = ImportReport()
    parsed = parse_ann(ann, BRAT_TEXT, report=report)
    bound = parsed.bounds["T1"]
    assert [span.text_in(BRAT_TEXT) for span in bound.fragments] == ["the\nprotest", "was peaceful"]
    assert bound.text == "the\nprotest was peaceful" and bound.line == 2
    assert (parsed.events[0].trigger_id, parsed.events[0].args) == ("T2", [("Content", "T1")])
    assert report.to_dict() == {"brat: annotator note line ignored": 1, "brat: attribute line ignored": 2,
                                "brat: equivalence line ignored": 1, "brat: normalisation line ignored": 1,
                                "brat: relation line ignored": 1}


def test_brat_text_mismatch_names_file_and_line_or_is_counted(tmp_path):
    ann = tmp_path / "doc.ann"
    ann.write_text(t_line("T1", "Cue", BRAT_TEXT, "said") + "\nT2\tSource 1 7\tPolice\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"doc\.ann:2: T2: offsets 1 7 read 'olice ' in the text file but the "
                                        r"annotation says 'Police'"):
        parse_ann(ann, BRAT_TEXT)
    report = ImportReport()
    parsed = parse_ann(ann, BRAT_TEXT, errors="skip", report=report, prefix="demo")
    assert list(parsed.bounds) == ["T1"] and report.to_dict() == {"demo: span text mismatch skipped": 1}
    ann.write_text("E1\tAttribution\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"doc\.ann:1: E1: expected 'Type:T1 Role:T2 \.\.\.' after the id"):
        parse_ann(ann, BRAT_TEXT)


def write_brat(directory: Path, lines: list[str], name: str = "doc") -> Path:
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.txt").write_text(BRAT_TEXT, encoding="utf-8")
    (directory / f"{name}.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def test_brat_dir_events_claims_and_schema(tmp_path):
    lines = [t_line("T1", "Attack", BRAT_TEXT, "attacked"), t_line("T2", "Attacker", BRAT_TEXT, "Rebels"),
             t_line("T3", "Place", BRAT_TEXT, "Homs"), "E1\tAttack:T1 Attacker:T2 Place:T3",
             t_line("T4", "Source", BRAT_TEXT, "Police"), t_line("T5", "Cue", BRAT_TEXT, "said"),
             t_line("T6", "Content", BRAT_TEXT, "the\nprotest", "was peaceful"),
             "E2\tSay:T5 Source:T4 Cue:T5 Content:T6", t_line("T7", "Person", BRAT_TEXT, "Monday")]
    folder = write_brat(tmp_path / "corpus", lines)
    (folder / "lonely.txt").write_text("no annotations", encoding="utf-8")
    assert detect_format(folder) == "brat"
    with pytest.raises(DataError, match=r"doc\.ann:4: E1: unknown event type 'Attack'; accepted: Conflict:Attack, "):
        load_articles(folder)
    articles, report = read_brat_dir(folder, mapping=BratMapping(type_map={"Attack": "Conflict:Attack"}))
    article = articles[0]
    assert article.layers == ("events", "claims") and article.meta["annotation_file"] == "doc.ann"
    event = article.events[0]
    assert (event.type, event.trigger.text_in(BRAT_TEXT)) == ("Conflict:Attack", "attacked")
    assert [(a.role, a.span.text_in(BRAT_TEXT)) for a in event.arguments] == [("Attacker", "Rebels"), ("Place", "Homs")]
    assert texts(article, "source") == [["Police"]] and texts(article, "content") == [["the\nprotest", "was peaceful"]]
    assert report.to_dict() == {"brat: annotation outside any event ignored": 1,
                                "brat: text without an annotation file skipped": 1}


# ---------------------------------------------------------------- PolNeAR

POLNEAR_TEXT = ("Clinton said the plan “is dead,” and argued it would fail, aides recalled.\n"
                "It has been reported that taxes rose. Sanders denied that taxes rose.")


def polnear_ann(*extra: str, text: str = POLNEAR_TEXT) -> list[str]:
    return [
        t_line("T1", "Source", text, "Clinton"), t_line("T2", "Cue", text, "said"),
        t_line("T3", "Content", text, "the plan “is dead,”"), t_line("T4", "Attribution", text, "said"),
        "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1",
        t_line("T5", "Cue", text, "argued"), t_line("T6", "Content", text, "it would fail"),
        t_line("T7", "Attribution", text, "argued"),
        "E2\tAttribution:T7 Content:T6 Cue:T5 Source:T1",  # the same source as E1: tagged once, both claims kept
        t_line("T8", "Cue", text, "has been reported"), t_line("T9", "Content", text, "that taxes rose"),
        t_line("T10", "Attribution-no-source", text, "has been reported"),
        "E3\tAttribution-no-source:T10 Content:T9 Cue:T8",
        t_line("T11", "Discuss", text, "aides recalled"), t_line("T12", "Discard", text, "It"),
        "#1\tAnnotatorNotes T3\tis this one claim?", *extra,
    ]


def polnear_split(root: Path, annotators: dict[str, list[str]], name: str = "nyt_2016-01-01_a",
                  part: str = "train") -> Path:
    split_dir = root / part
    (split_dir / "text").mkdir(parents=True, exist_ok=True)
    (split_dir / "attributions").mkdir(exist_ok=True)
    (split_dir / "text" / f"{name}.txt").write_text(POLNEAR_TEXT, encoding="utf-8")
    for annotator, lines in annotators.items():
        (split_dir / "attributions" / f"{name}_{annotator}.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return split_dir


def test_polnear_claims_markers_and_annotators(tmp_path):
    split_dir = polnear_split(tmp_path, {"d473": ["T1\tSource 0 7\tClinton"], "4b22": polnear_ann()})
    (split_dir / "text" / "politico_2016-02-02_b.txt").write_text("Not annotated.", encoding="utf-8")
    assert detect_format(split_dir) == "polnear"
    articles, report = load_articles(split_dir)
    assert len(articles) == 1
    article = articles[0]
    assert article.id == "nyt_2016-01-01_a" and article.layers == ("claims",) and article.events == []
    assert article.meta == {"corpus": "polnear", "publisher": "nyt", "annotator": "4b22",
                            "annotation_file": "nyt_2016-01-01_a_4b22.ann"}  # the first file in sorted order
    assert texts(article, "source") == [["Clinton"], ["Clinton"], []]  # Attribution-no-source has no source
    assert texts(article, "cue") == [["said"], ["argued"], ["has been reported"]]
    assert texts(article, "content") == [["the plan “is dead,”"], ["it would fail"], ["that taxes rose"]]
    assert report.to_dict() == {
        "polnear: Discard marker skipped": 1,
        "polnear: Discuss marker skipped": 1,
        "polnear: annotator note line ignored": 1,
        "polnear: extra annotator file skipped": 1,
        "polnear: span shared by two claims kept": 1,
        "polnear: text without an annotation file skipped": 1,
    }


def test_polnear_offset_mismatch_raises_or_skips_its_claim(tmp_path):
    lines = [line.replace("T2\tCue 8 12\tsaid", "T2\tCue 9 13\tsaid") for line in polnear_ann()]
    assert "T2\tCue 9 13\tsaid" in lines
    split_dir = polnear_split(tmp_path, {"4b22": lines})
    with pytest.raises(DataError, match=r"nyt_2016-01-01_a_4b22\.ann:2: T2: offsets 9 13 read 'aid ' in the text"):
        read_polnear(split_dir)
    articles, report = read_polnear(split_dir, errors="skip")
    assert texts(articles[0], "cue") == [["argued"], ["has been reported"]]  # E1 lost its cue: the claim is skipped
    assert report.counts["polnear: span text mismatch skipped"] == 1
    assert report.counts["polnear: event referring to a skipped or missing annotation skipped"] == 1


def test_polnear_overlapping_claims_keep_the_first(tmp_path):
    extra = [t_line("T13", "Source", POLNEAR_TEXT, "Sanders"), t_line("T14", "Cue", POLNEAR_TEXT, "denied"),
             t_line("T15", "Content", POLNEAR_TEXT, "that taxes rose", occurrence=1),
             "E4\tAttribution:T14 Source:T13 Cue:T14 Content:T15",
             t_line("T16", "Cue", POLNEAR_TEXT, "taxes rose", occurrence=1),  # inside E4's content
             "E5\tAttribution:T16 Cue:T16",
             "E6\tAttribution-no-source:T16"]  # no source, cue or content
    articles, report = read_polnear(polnear_split(tmp_path, {"4b22": polnear_ann(*extra)}))
    assert texts(articles[0], "cue") == [["said"], ["argued"], ["has been reported"], ["denied"]]
    assert report.counts["polnear: overlapping claim skipped"] == 1
    assert report.counts["polnear: claim with no source, cue or content skipped"] == 1


# ---------------------------------------------------------------- M2E2
