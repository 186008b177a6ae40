"""``python -m inference``: files, JSONL corpora and stdin in, JSONL out, and the HTML page (checked in Chromium)."""

from __future__ import annotations

import io
import json
import re
import shutil

import pytest

from inference.__main__ import main
from inference.interface.html import render_html
from inference.interface.results import ArgumentResult, ClaimResult, EventResult, Extraction, TextSpan
from tests.processes import run_command

TEXT = "Police said two people were killed in Gaza on Monday. “We will rebuild,” the mayor told AFP."


def run_cli(capsys, *args: str) -> list[dict]:
    main([*args])
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def check_offsets(record: dict, text: str) -> None:
    spans = [e["trigger"] for e in record["events"]] + [a for e in record["events"] for a in e["arguments"]]
    spans += [s for c in record["claims"] for s in [c["source"], c["cue"], *c["content"]] if s is not None]
    for span in spans:
        assert text[span["start"] : span["end"]] == span["text"]


def test_text_files_give_one_json_line_each(tmp_path, capsys, tiny_model_dir):
    paths = [tmp_path / "a.txt", tmp_path / "b.txt"]
    paths[0].write_text(TEXT, encoding="utf-8")
    paths[1].write_text("", encoding="utf-8")
    records = run_cli(capsys, *map(str, paths), "--model", str(tiny_model_dir))
    assert [r["id"] for r in records] == [str(p) for p in paths]
    check_offsets(records[0], TEXT)
    assert records[1] == {"id": str(paths[1]), "events": [], "claims": [], "entities": []}


def test_jsonl_corpus_in_jsonl_out(tmp_path, tiny_model_dir):
    corpus = tmp_path / "corpus.jsonl"
    texts = [TEXT, "No punctuation here at all", TEXT * 3]
    corpus.write_text("".join(json.dumps({"id": f"doc{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    out = tmp_path / "out.jsonl"
    main([str(corpus), "--model", str(tiny_model_dir), "--output", str(out)])
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["doc0", "doc1", "doc2"]
    for record, text in zip(records, texts, strict=True):
        check_offsets(record, text)


@pytest.mark.parametrize("stdin, ids", [(TEXT, ["<stdin>"]),
                                        (json.dumps({"text": TEXT}) + "\n\n" + json.dumps({"id": "x", "text": TEXT}),
                                         ["<stdin>:1", "x"])])
def test_stdin_text_or_jsonl(monkeypatch, capsys, tiny_model_dir, stdin, ids):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    records = run_cli(capsys, "-", "--model", str(tiny_model_dir))
    assert [r["id"] for r in records] == ids


@pytest.mark.parametrize("bad_line, problem", [(json.dumps({"title": "no text"}), "expected a JSON object with a "
                                                                                 "string 'text'"),
                                               ('{"text": "cut', "invalid JSON")])
def test_bad_jsonl_line_streams_what_came_before_then_names_file_and_line(tmp_path, capsys, tiny_model_dir,
                                                                         bad_line, problem):
    corpus = tmp_path / "bad.jsonl"
    corpus.write_text(json.dumps({"id": "good", "text": TEXT}) + "\n" + bad_line + "\n" + json.dumps({"text": TEXT}))
    with pytest.raises(SystemExit) as stopped:
        main([str(corpus), "--model", str(tiny_model_dir)])
    out, err = capsys.readouterr()
    assert stopped.value.code == 2
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["good"]  # the good line came out first
    assert err.strip().splitlines()[-1].startswith(f"{corpus}:2: {problem}")


def sample() -> tuple[str, Extraction]:
    text = "The <ministry> said 5 people were killed."
    span = lambda start, end: TextSpan(start, end, text[start:end])  # noqa: E731
    claim = ClaimResult(0.9, span(0, 14), span(15, 19), [span(20, 40)])
    event = EventResult("Life:Die", 0.8, span(34, 40), [ArgumentResult("Victim", 22, 28, "people", 0.7)], claim=0)
    return text, Extraction([event], [claim])


def test_html_marks_and_links_every_span():
    text, result = sample()
    page = render_html([text], [result], ["doc & co"])
    assert "&lt;ministry&gt;" in page and "<ministry>" not in page and "doc &amp; co" in page
    # The trigger sits inside the claim's content: both marks, nested, each with its own link.
    assert re.search(r'<span class="content" data-links="a0c0"[^>]*><span class="trigger" data-links="a0e0"[^>]*>'
                     r"killed</span></span>", page)
    assert page.count('data-links="a0c0"') == 1 + 1 + 4 + 1  # source, cue, content cut by 2 marks, list item
    assert "claimed in claim 0" in page and "<b>Claim 0</b>" in page  # numbered like the JSON claim index
    assert '<ol start="0">' in page and "claim 1" not in page
    assert not re.search(r"""(src|href)=["']?https?:""", page), "the page must not load anything from the network"


def test_cli_writes_html(tmp_path, capsys, tiny_model_dir):
    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    main([str(path), "--model", str(tiny_model_dir), "--html", str(tmp_path / "page.html")])
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert "told AFP" in page and str(path) in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian: apt-get install chromium)")
def test_page_renders_in_headless_chromium(tmp_path):
    text, result = sample()
    page = tmp_path / "page.html"
    page.write_text(render_html([text, TEXT], [result, Extraction()]), encoding="utf-8")
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,500"]
    dom = run_command(*flags, "--dump-dom", page.as_uri(), check=False, timeout=120).stdout
    assert 'class="linked"' in dom, "the page's script did not run to its end"
    shot = tmp_path / "page.png"
    run_command(*flags, f"--screenshot={shot}", page.as_uri(), timeout=120)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
