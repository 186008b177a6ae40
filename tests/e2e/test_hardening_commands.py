"""Issue 27, the inference side on a tiny model: nothing a user gave is overwritten, a resume never mixes two models,
odd inputs and outputs give one line and exit status 2, ids are unique, marks stay in their word, a cached graph is
checked, and a fork pool after ``extract`` does not hang. In process where the command's ``main`` can run there;
a subprocess only for what needs one (a closed pipe)."""

from __future__ import annotations

import io
import json
import multiprocessing
import shutil
import subprocess
import sys
import unicodedata

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from inference import corpus
from inference.__main__ import main
from inference.core.model_folder import weights_sha256
from inference.interface import api
from inference.interface.api import extract
from inference.interface.corpus_resume import CorpusError
from tests.conftest import ROOT, make_sharp_model, make_tiny_model

TEXT = "Police said on Monday that two people were killed in Gaza. Witnesses told AFP the jets hit the city."


def write_jsonl(path, rows) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def cli(capsys, *args) -> tuple[int, list[str], str]:
    """Exit status, the ids written to stdout, and stderr of ``python -m inference ARGS``."""
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as stopped:
        code = stopped.code
    out, err = capsys.readouterr()
    return code, [json.loads(line)["id"] for line in out.splitlines()], err


def run_corpus(capsys, *args) -> tuple[int, str]:
    try:
        corpus.main([str(a) for a in args])
        code = 0
    except SystemExit as stopped:
        code = stopped.code
    return code, capsys.readouterr().err


@pytest.fixture
def no_model(monkeypatch):
    """A model load fails the test: the checks must come before any work."""
    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded before the command line was checked")

    monkeypatch.setattr(api, "load_predictor", refuse)


# --- 1: an output is never an input, nor another output


def test_cli_refuses_an_output_that_is_an_input_and_keeps_the_input(tmp_path, capsys, no_model):
    source = tmp_path / "a.jsonl"
    write_jsonl(source, [{"id": "a", "text": TEXT}])
    before = source.read_bytes()
    for extra in (["-o", source], ["--html", source], ["-o", tmp_path / "o", "--html", tmp_path / "o"]):
        code, _, err = cli(capsys, source, *extra)
        assert code == 2 and len(err.strip().splitlines()) == 1 and "accepted:" in err
    assert source.read_bytes() == before


def test_corpus_overwrite_onto_its_input_is_refused(tmp_path, capsys):
    source = tmp_path / "news.jsonl"
    write_jsonl(source, [{"id": "a", "text": TEXT}])
    before = source.read_bytes()
    code, err = run_corpus(capsys, "--input", source, "--output", source, "--overwrite")
    assert code == 2 and f"--output {source} is the input" in err and source.read_bytes() == before


# --- 3: a resume onto other weights, or another backend, is refused


def test_corpus_resume_after_the_weights_changed_is_refused(tmp_path, capsys, monkeypatch, tiny_model_dir, tokenizer):
    folder, source, output = tmp_path / "model", tmp_path / "news.jsonl", tmp_path / "out.jsonl"
    shutil.copytree(tiny_model_dir, folder)
    write_jsonl(source, [{"id": "a", "text": TEXT}, {"id": "b", "text": TEXT}])

    def killed(*args, **kwargs):  # as a kill after job.json is written
        raise KeyboardInterrupt

    monkeypatch.setattr(corpus, "extract_shard", killed)
    command = ("--input", source, "--output", output, "--model", folder)
    code, err = run_corpus(capsys, *command)
    assert code == 130 and "run the same command again" in err
    job = json.loads((tmp_path / "out.jsonl.parts" / "job.json").read_text())
    assert job["weights_sha256"] == weights_sha256(folder) and job["backend"] == "torch"  # resolved, not None
    make_tiny_model(tokenizer, seed=5).save_pretrained(folder)  # new weights at the same path
    code, err = run_corpus(capsys, *command)
    assert code == 2 and "weights_sha256=" in err and "to start over, delete" in err


# --- 10, 11, 13: the one reader and the one id policy, in both commands


def test_cli_writes_the_articles_before_a_line_too_deep_then_names_it(tmp_path, capsys, tiny_model_dir):
    source = tmp_path / "deep.jsonl"
    source.write_text(json.dumps({"id": "a", "text": TEXT}) + "\n" + "[" * 20_000 + "\n")
    code, ids, err = cli(capsys, source, "--model", tiny_model_dir)
    assert code == 2 and ids == ["a"] and err.startswith(f"{source}:2: invalid JSON: maximum recursion depth")


@pytest.mark.parametrize("bad", ["[" * 20_000, '{"id": ' + "9" * 5000 + ', "text": "x"}'], ids=["deep", "long-id"])
def test_corpus_names_file_and_line_of_a_line_too_deep_or_an_id_too_long(tmp_path, capsys, bad):
    source = tmp_path / "news.jsonl"
    source.write_text(json.dumps({"id": "a", "text": TEXT}) + "\n" + bad + "\n")
    code, err = run_corpus(capsys, "--input", source, "--output", tmp_path / "out.jsonl")
    assert code == 2 and err.strip().splitlines()[-1].startswith(f"python -m inference.corpus: error: {source}:2: ")


def test_a_byte_order_mark_is_skipped_by_both_commands(tmp_path, capsys, monkeypatch, tiny_model_dir):
    data = "\ufeff" + json.dumps({"id": "a", "text": TEXT}) + "\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data.encode())))
    assert cli(capsys, "-", "--model", tiny_model_dir)[:2] == (0, ["a"])
    source = tmp_path / "bom.jsonl"
    source.write_bytes(data.encode())
    assert cli(capsys, source, "--model", tiny_model_dir)[:2] == (0, ["a"])
    output = tmp_path / "out.jsonl"
    assert run_corpus(capsys, "--input", source, "--output", output, "--model", tiny_model_dir)[0] == 0
    assert [json.loads(line)["id"] for line in output.read_text().splitlines()] == ["a"]


def test_duplicate_ids_are_an_error_naming_both_lines(tmp_path, capsys, tiny_model_dir):
    source = tmp_path / "news.jsonl"
    write_jsonl(source, [{"id": "a", "text": TEXT}, {"id": "b", "text": TEXT}, {"id": "a", "text": TEXT}])
    code, ids, err = cli(capsys, source, "--model", tiny_model_dir)
    assert code == 2 and ids == ["a", "b"] and err.startswith(f"{source}:3: id 'a' is also the id of {source}:1")
    code, err = run_corpus(capsys, "--input", source, "--output", tmp_path / "out.jsonl")
    assert code == 2 and f"{source}:3: id 'a' is also the id of {source}:1" in err
    write_jsonl(source, [{"id": "1", "text": TEXT}, {"text": TEXT}])  # row 1 has no id: "1", as row 0's
    code, err = run_corpus(capsys, "--input", source, "--output", tmp_path / "out.jsonl")
    assert code == 2 and "id '1' is also the id of" in err
    parquet = tmp_path / "news.parquet"
    pq.write_table(pa.table({"id": [1.5], "text": [TEXT]}), parquet)
    code, err = run_corpus(capsys, "--input", parquet, "--output", tmp_path / "out.jsonl")
    assert code == 2 and "row 0: id '1.5' is a float; accepted: a string or an integer" in err


# --- 12: outputs checked before the work; a closed pipe, Ctrl-C, /dev/null; corpus inputs with nothing to do


def test_outputs_in_a_missing_folder_or_a_folder_are_refused_before_any_work(tmp_path, capsys, no_model):
    source = tmp_path / "a.txt"
    source.write_text(TEXT)
    for extra in (["-o", tmp_path / "no" / "o.jsonl"], ["-o", tmp_path], ["--html", tmp_path / "no" / "p.html"]):
        code, _, err = cli(capsys, source, *extra)
        assert code == 2 and len(err.strip().splitlines()) == 1 and "accepted:" in err


def test_ctrl_c_is_one_line_and_exit_130_and_the_output_keeps_what_it_held(tmp_path, capsys, monkeypatch,
                                                                           tiny_model_dir):
    source, output = tmp_path / "a.txt", tmp_path / "out.jsonl"
    source.write_text(TEXT)
    output.write_text("old\n")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "extract", interrupted)
    code, _, err = cli(capsys, source, "-o", output, "--model", tiny_model_dir)
    assert code == 130 and err == "python -m inference: interrupted\n"
    assert output.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "out.jsonl"]


def test_dev_null_reads_as_an_empty_file(capsys, tiny_model_dir):
    assert cli(capsys, "/dev/null", "--model", tiny_model_dir)[:2] == (0, ["/dev/null"])


def test_a_closed_pipe_ends_the_command_quietly(tmp_path, tiny_model_dir):
    source = tmp_path / "many.jsonl"
    write_jsonl(source, [{"id": i, "text": "Police said so."} for i in range(200)])  # chunks of 64: a write after
    command = f"{sys.executable} -m inference {source} --model {tiny_model_dir} | head -c 10"  # head has gone
    result = subprocess.run(["bash", "-c", f"{command}; exit ${{PIPESTATUS[0]}}"], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert result.stdout == '{"id": "0"' and result.returncode == 141, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr


@pytest.mark.parametrize(("content", "extra", "problem"), [
    ("", (), "holds no articles"), ("\n  \n", (), "holds no articles"),
    (None, (), "holds no articles (no rows)"),
    (json.dumps({"id": "a", "text": TEXT}) + "\n", ("--id-column", "text"), "both name 'text'"),
], ids=["empty", "blank", "empty-parquet", "id-column-text"])
def test_corpus_with_nothing_to_do_says_why_in_one_line(tmp_path, capsys, content, extra, problem):
    source = tmp_path / ("news.parquet" if content is None else "news.jsonl")
    if content is None:
        pq.write_table(pa.table({"id": pa.array([], pa.string()), "text": pa.array([], pa.string())}), source)
    else:
        source.write_text(content)
    code, err = run_corpus(capsys, "--input", source, "--output", tmp_path / "out.jsonl", *extra)
    assert code == 2 and problem in err and "Traceback" not in err


def test_a_failed_merge_leaves_the_output_and_no_temporary_file(tmp_path, monkeypatch):
    part, output = tmp_path / "part.jsonl", tmp_path / "out.jsonl"
    part.write_text('{"id": "a"}\n')
    output.write_text("old\n")

    def lines_until_the_disk_is_full():
        yield part.read_bytes()
        raise OSError(28, "No space left on device")

    with pytest.raises(CorpusError, match="No space left on device.*is as it was and the parts are kept"):
        corpus.write_output(lines_until_the_disk_is_full(), output, part.stat().st_size, "the parts")
    assert output.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "part.jsonl"]
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10, 10, 0))
    with pytest.raises(CorpusError, match=r"needs 0.0 MB free in .*, which has 0.0 MB"):
        corpus.write_output(iter([part.read_bytes()]), output, part.stat().st_size, "the parts")


# --- 14: a mark after a word stays in the word's span


def test_no_span_ends_before_the_mark_of_its_last_word(tokenizer):
    from inference.runtime.predictor import Predictor

    text = " ".join(f"Police{m} said{m} two{m} people{m} were{m} killed{m} in Gaza{m}." for m in "\u0301\ufe0f\u200d")
    result = extract(text, model=Predictor(make_sharp_model(tokenizer), tokenizer, device="cpu")).to_dict()
    ends = [e["trigger"]["end"] for e in result["events"]] + [a["end"] for e in result["events"]
                                                              for a in e["arguments"]]
    ends += [s["end"] for c in result["claims"] for s in [c["source"], c["cue"], *c["content"]] if s is not None]
    assert ends, "the sharp tiny model tags something"
    for end in ends:
        assert end == len(text) or unicodedata.category(text[end]) not in ("Mn", "Me") and text[end] != "\u200d"


# --- 5, 6: a damaged cached graph is made again; an unwritable cache falls back


def test_extract_with_a_damaged_or_unwritable_onnx_cache(tmp_path, monkeypatch, tiny_model_dir, caplog):
    pytest.importorskip("onnxruntime")
    from inference.runtime import graph_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(api, "_predictors", {})
    expected = extract(TEXT, model=tiny_model_dir, backend="onnx").to_dict()
    (graph,) = (tmp_path / "cache").rglob("*.onnx")
    graph.write_bytes(graph.read_bytes()[:1000])  # truncated, as a full disk or a kill leaves it
    monkeypatch.setattr(api, "_predictors", {})
    assert extract(TEXT, model=tiny_model_dir, backend="onnx").to_dict() == expected
    (tmp_path / "blocked").write_text("a file where the cache folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "blocked"))
    monkeypatch.setattr(api, "_predictors", {})
    monkeypatch.setattr(graph_cache, "_fallback", None)
    assert extract(TEXT, model=tiny_model_dir, backend="onnx").to_dict() == expected
    assert len([r for r in caplog.records if "cannot write the ONNX cache" in r.getMessage()]) == 1


# --- 15: extract in the parent, then a fork pool calling extract


def _extract_in_child(model: str) -> int:
    return len(extract(TEXT * 8, model=model).to_dict()["claims"])


def test_a_fork_pool_after_extract_in_the_parent_does_not_hang(tiny_model_dir):
    expected = _extract_in_child(str(tiny_model_dir))  # torch's threads started in this process
    pool = multiprocessing.get_context("fork").Pool(2)
    try:
        assert pool.map_async(_extract_in_child, [str(tiny_model_dir)] * 2).get(timeout=120) == [expected] * 2
    finally:
        pool.terminate()  # a hung child is killed, not left behind
        pool.join()
