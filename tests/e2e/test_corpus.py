"""``python -m inference.corpus`` on a tiny random model: order, offsets, two processes, resuming after a kill, Parquet,
errors. A kill (``STOP_AFTER``) and torchrun need a process of their own; every other run calls the command's ``main``
in this one, which is what ``python -m`` runs, without its seconds of imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from inference import Predictor, extract
from inference.corpus import STOP_AFTER, main
from tests.conftest import FIXTURES, without_scores
from tests.processes import TORCHRUN, command_env, run_command


def run(*args: str, check: bool = True, stop_after: int | None = None) -> subprocess.CompletedProcess:
    """``args`` as a process of its own; ``stop_after``: every process exits after that many chunks, as if killed."""
    env = command_env() if stop_after is None else command_env(**{STOP_AFTER: str(stop_after)})
    return run_command(*args, check=check, env=env)


def corpus(capsys, *args: str) -> tuple[int, str]:
    """``python -m inference.corpus ARGS`` in this process: its exit status and what it wrote to stderr."""
    capsys.readouterr()
    try:
        main(list(args))
        status = 0
    except SystemExit as exit:
        status = exit.code
    return status, capsys.readouterr().err


MODULE = ("-m", "inference.corpus")


def corpus_args(source: Path, output: Path, model: Path, *extra: str) -> tuple[str, ...]:
    return ("--input", str(source), "--output", str(output), "--model", str(model), "--chunk-size", "2", *extra)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    """11 articles: the fixtures, a long one over many windows, an empty one, non-ASCII text and one without id."""
    texts = [json.loads(line)["text"] for line in (FIXTURES / "articles.jsonl").read_text().splitlines()]
    rows = [{"id": f"a{i}", "text": text} for i, text in enumerate(texts)]
    rows += [{"id": "long", "text": " ".join(texts)}, {"id": "empty", "text": ""},
             {"id": "accents", "text": "« Nous avons été attaqués », a déclaré le maire de Créteil à l’AFP."},
             {"text": texts[0]}, {"id": "last", "text": texts[1]}]
    return rows


@pytest.fixture(scope="module")
def ids(rows) -> list[str]:
    return [row.get("id", str(index)) for index, row in enumerate(rows)]  # row 9 has no id: its index


@pytest.fixture(scope="module")
def news(tmp_path_factory, rows) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "news.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory, news, tiny_model_dir) -> Path:
    """The output of an uninterrupted one-process run."""
    output = tmp_path_factory.mktemp("reference") / "out.jsonl"
    main(list(corpus_args(news, output, tiny_model_dir)))
    return output


def test_one_process_output_is_extract_in_input_order(reference, rows, ids, tiny_model_dir):
    results = read_jsonl(reference)
    assert [r["id"] for r in results] == ids
    assert not reference.with_name("out.jsonl.parts").exists(), "the parts are removed once merged"
    spans = 0
    for row, result in zip(rows, results, strict=True):
        text = row["text"]
        for event in result["events"]:
            for span in [event["trigger"], *event["arguments"]]:
                assert text[span["start"] : span["end"]] == span["text"]
                spans += 1
        for claim in result["claims"]:
            for span in [claim["source"], claim["cue"], *claim["content"]]:
                if span is not None:
                    assert text[span["start"] : span["end"]] == span["text"]
                    spans += 1
    assert spans > 20, "the random model tags something, so the offsets above are really checked"
    predictor = Predictor.from_pretrained(tiny_model_dir, device="cpu")
    expected = [r.to_dict() for r in extract([row["text"] for row in rows], model=predictor)]
    assert [{k: v for k, v in r.items() if k != "id"} for r in results] == expected


def test_two_processes_killed_then_resumed_equal_one_process(tmp_path, capsys, news, reference, ids, tiny_model_dir):
    output = tmp_path / "out.jsonl"
    command = corpus_args(news, output, tiny_model_dir)
    killed = run(*TORCHRUN, *MODULE, *command, stop_after=1, check=False)
    assert killed.returncode != 0 and not output.exists()
    parts = output.with_name("out.jsonl.parts")
    names = sorted(p.name for p in parts.glob("part-*.jsonl"))
    assert names == ["part-00000-of-00002.jsonl", "part-00001-of-00002.jsonl"]
    # Contiguous shards of 6 and 5 rows, one chunk of 2 written by each process.
    assert [[r["id"] for r in read_jsonl(parts / name)] for name in names] == [ids[0:2], ids[6:8]]

    status, stderr = corpus(capsys, *command)  # resuming with one process would mix up the shards
    assert status == 2
    assert "processes=2" in stderr and "--num_processes 2" in stderr
    assert f"delete {parts}" in stderr

    run(*TORCHRUN, *MODULE, *command)
    assert output.read_text(encoding="utf-8") == reference.read_text(encoding="utf-8")
    assert not parts.exists()


def test_resume_after_a_kill_keeps_what_was_written(tmp_path, capsys, news, reference, ids, tiny_model_dir):
    output = tmp_path / "out.jsonl"
    command = corpus_args(news, output, tiny_model_dir)
    killed = run(sys.executable, *MODULE, *command, stop_after=2, check=False)
    assert killed.returncode == 3 and not output.exists()
    part = tmp_path / "out.jsonl.parts" / "part-00000-of-00001.jsonl"
    lines = part.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ids[:4]
    # Mark row 0 to see that the resumed run keeps it rather than computing it again, and end the part with half a
    # line, as a kill in the middle of a write leaves it.
    lines[0] = json.dumps({**json.loads(lines[0]), "events": "kept"})
    part.write_text("\n".join(lines) + "\n" + lines[1][:25], encoding="utf-8")

    assert corpus(capsys, *command)[0] == 0
    results, expected = read_jsonl(output), read_jsonl(reference)
    assert [r["id"] for r in results] == ids, "nothing lost, nothing repeated"
    assert results[0]["events"] == "kept"
    assert results[1:] == expected[1:]


def test_resume_onto_an_edited_row_is_refused_naming_it(tmp_path, capsys, rows, ids, tiny_model_dir):
    source, output = tmp_path / "news.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    command = corpus_args(source, output, tiny_model_dir)
    assert run(sys.executable, *MODULE, *command, stop_after=2, check=False).returncode == 3  # rows 0-3 done
    edited = [*rows[:1], {**rows[1], "text": "Police said two people were killed."}, *rows[2:]]  # same id, new text
    source.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in edited), encoding="utf-8")
    status, stderr = corpus(capsys, *command)
    assert status == 2
    assert f"row 1 of {source} (id {ids[1]!r}) has changed since its results were written" in stderr
    assert f"delete {output}.parts" in stderr


def test_bad_json_line_in_the_input_names_file_and_line(tmp_path, capsys, tiny_model_dir):
    source = tmp_path / "news.jsonl"
    source.write_text('{"id": "a", "text": "Police said two people died."}\n{"id": "b", "text": "cut short\n')
    status, stderr = corpus(capsys, *corpus_args(source, tmp_path / "out.jsonl", tiny_model_dir))
    assert status == 2
    assert stderr.strip().splitlines()[-1].startswith(f"python -m inference.corpus: error: {source}:2: invalid JSON: ")


def test_parquet_in_and_out(tmp_path, capsys, rows, reference, tiny_model_dir):
    source, output = tmp_path / "news.parquet", tmp_path / "out.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source)
    assert corpus(capsys, *corpus_args(source, output, tiny_model_dir))[0] == 0
    assert pq.read_table(output).to_pylist() == read_jsonl(reference)
    events = pq.read_schema(output).field("events").type
    assert pa.types.is_list(events) and events.value_type.field("trigger").type.names == ["start", "end", "text"]


def test_missing_text_column_names_the_columns_found(tmp_path, capsys, tiny_model_dir):
    source = tmp_path / "news.jsonl"
    source.write_text(json.dumps({"id": "a", "body": "Police said two people died."}) + "\n")
    status, stderr = corpus(capsys, *corpus_args(source, tmp_path / "out.jsonl", tiny_model_dir))
    assert status == 2
    assert "no column 'text'" in stderr and "columns found: id, body" in stderr
    assert "--text-column" in stderr


def test_an_existing_output_is_kept_unless_overwrite(tmp_path, capsys, tiny_model_dir):
    source, output = tmp_path / "news.jsonl", tmp_path / "out.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "Police said two people died."}) + "\n")
    output.write_text("old\n")
    status, stderr = corpus(capsys, *corpus_args(source, output, tiny_model_dir))
    assert status == 2 and "--overwrite" in stderr
    assert output.read_text() == "old\n"
    assert corpus(capsys, *corpus_args(source, output, tiny_model_dir, "--overwrite"))[0] == 0
    assert [r["id"] for r in read_jsonl(output)] == ["a"]


def test_onnx_backend_and_a_resume_that_keeps_to_it(tmp_path, capsys, news, reference, tiny_model_dir, monkeypatch):
    pytest.importorskip("onnxruntime", reason='backend="onnx" is optional: pip install -e ".[onnx]"')
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the exported graph goes there, not to ~/.cache
    output = tmp_path / "out.jsonl"
    command = corpus_args(news, output, tiny_model_dir)
    killed = run(sys.executable, *MODULE, *command, "--backend", "onnx", stop_after=1, check=False)
    assert killed.returncode == 3 and list((tmp_path / "cache").rglob("*.onnx"))
    status, stderr = corpus(capsys, *command)  # half the rows from one backend, half from another: no
    assert status == 2 and "backend='onnx'" in stderr

    assert corpus(capsys, *command, "--backend", "onnx")[0] == 0
    assert without_scores(read_jsonl(output)) == without_scores(read_jsonl(reference))  # fp32: the torch results
