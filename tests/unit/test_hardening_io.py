"""Issue 27, the inference side without a model: the one JSON line reader (byte order mark, nesting, long integers),
the one id policy, the one output guard and atomic writer, the one cache integrity check, model folders and their
records, and combining marks in word spans."""

from __future__ import annotations

import hashlib
import math
import os

import pytest

from inference.core.alignment import tokenize_text
from inference.core.articles import DataError, parse_json_lines
from inference.core.model_folder import BACKENDS_FILE, check_model_dir
from inference.core.modeling import EventClaimConfig
from inference.interface.inputs import ArticleIds, check_input, jsonl_records, looks_like_jsonl
from inference.interface.outputs import OutputError, check_outputs, replaced_atomically
from inference.runtime import graph_cache
from inference.runtime.backends import read_record
from inference.runtime.hub import resolve_model_dir

# --- 10, 11: the one JSON line reader


@pytest.mark.parametrize(("line", "problem"), [("[" * 20_000, "maximum recursion depth"),
                                               ('{"id": ' + "9" * 5000 + "}", "integer string conversion")],
                         ids=["nested-20000-deep", "5000-digit-id"])
def test_json_too_deep_or_an_integer_too_long_is_an_error_naming_file_and_line(line, problem):
    with pytest.raises(DataError, match=rf"^news.jsonl:2: invalid JSON: .*{problem}"):
        list(parse_json_lines(['{"text": "x"}', line], "news.jsonl"))


def test_a_byte_order_mark_is_skipped_in_a_file_and_on_stdin(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes('\ufeff{"id": "a", "text": "Police said."}\n'.encode())
    assert list(jsonl_records(path)) == [(1, {"id": "a", "text": "Police said."})]
    assert looks_like_jsonl('\ufeff{"text": "x"}') and not looks_like_jsonl("\ufeffPolice said.")
    with pytest.raises(DataError, match="line 1"):  # only at the start of the input
        list(parse_json_lines(['{"text": "x"}', '\ufeff{"text": "y"}'], "news.jsonl"))


# --- 13: the one id policy


def test_ids_are_strings_or_integers_unique_and_a_missing_one_is_generated():
    ids = ArticleIds()
    assert ids.take("a1", "f:1", "f", 1) == "a1"
    assert ids.take(7, "f:2", "f", 2) == "7"
    assert ids.take(None, "f:3", "f", 3) == "f:3"
    with pytest.raises(DataError, match=r"^f:4: id 'a1' is also the id of f:1; accepted: a string or an integer"):
        ids.take("a1", "f:4", "f", 4)
    with pytest.raises(DataError, match=r"^f:5: id 'f:3' is also the id of f:3"):  # a given id taking a generated one
        ids.take("f:3", "f:5", "f", 5)
    for bad in (1.5, True, ["x"], {"a": 1}):
        with pytest.raises(DataError, match=rf"is a {type(bad).__name__}; accepted: a string or an integer"):
            ArticleIds().take(bad, "g:1", "g", 1)


# --- 1, 12: the one output guard, and files replaced whole


def test_an_output_may_be_no_input_no_other_output_no_folder_and_needs_its_folder(tmp_path):
    source = tmp_path / "a.jsonl"
    source.write_text("{}\n")
    (tmp_path / "link.jsonl").symlink_to(source)
    os.link(source, tmp_path / "hard.jsonl")
    for output, message in [(source, "is the input"), (tmp_path / "link.jsonl", "is the input"),
                            (tmp_path / "hard.jsonl", "is the input"), (tmp_path, "is a folder"),
                            (tmp_path / "no" / "x.jsonl", "does not exist")]:
        with pytest.raises(OutputError, match=message):
            check_outputs({"--output": str(output)}, ["-", str(source)])
    with pytest.raises(OutputError, match=r"--html .*out.jsonl is also --output"):
        check_outputs({"--output": str(tmp_path / "out.jsonl"), "--html": str(tmp_path / "." / "out.jsonl")}, [])
    check_outputs({"--output": str(tmp_path / "out.jsonl"), "--html": None}, [str(source), "-"])
    check_outputs({"--output": os.devnull}, ["-", os.devnull])  # a device is never "the same file"


def test_a_file_is_replaced_whole_or_left_as_it_was(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("old\n")
    with pytest.raises(KeyboardInterrupt), replaced_atomically(str(path)) as out:
        out.write("half")
        raise KeyboardInterrupt
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["out.jsonl"]
    with replaced_atomically(str(path)) as out:
        out.write("new\n")
    assert path.read_text() == "new\n" and os.listdir(tmp_path) == ["out.jsonl"]
    with replaced_atomically(os.devnull) as out:  # a device is written in place, never replaced
        out.write("x")


def test_dev_null_is_an_input():
    check_input(os.devnull)  # an empty text, not "a directory"


# --- 5, 6: the one cache integrity check, and a cache that cannot be written


def _make(content: bytes):
    def make(path):
        make.calls += 1
        path.write_bytes(content)

    make.calls = 0
    return make


@pytest.mark.parametrize("damage", [lambda data: data[: len(data) // 2], lambda data: b"",
                                    lambda data: data[:10] + bytes([data[10] ^ 1]) + data[11:]])
def test_a_damaged_cached_graph_is_made_again_not_used(tmp_path, damage):
    make = _make(b"graph bytes " * 100)
    path, data = graph_cache.cached_graph(tmp_path, "g", make)
    assert path.name == f"g.sha256-{hashlib.sha256(data).hexdigest()[:16]}.onnx" and make.calls == 1
    assert graph_cache.cached_graph(tmp_path, "g", make) == (path, data) and make.calls == 1  # sound: used
    path.write_bytes(damage(path.read_bytes()))
    assert graph_cache.cached_graph(tmp_path, "g", make) == (path, data) and make.calls == 2  # damaged: made again
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_an_unwritable_cache_falls_back_to_a_temporary_folder_with_one_warning(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(graph_cache, "_fallback", None)
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")  # what a read-only cache is to a writer: mkdir fails (root ignores chmod)
    make = _make(b"graph")
    first, data = graph_cache.cached_graph(blocked / "onnx", "g", make)
    again, _ = graph_cache.cached_graph(blocked / "onnx", "g", make)
    assert data == b"graph" and first == again and make.calls == 1 and first.parent == graph_cache._fallback
    assert len([r for r in caplog.records if "cannot write the ONNX cache" in r.getMessage()]) == 1


# --- 7: model folders and what they record


def test_a_gate_record_that_is_no_object_with_a_list_of_backends_is_an_error_naming_it(tmp_path):
    record = tmp_path / BACKENDS_FILE
    for content, problem in [("{not json", "cannot be read as JSON"), ('["onnx"]', "holds a JSON list"),
                             ('{"passed": "onnx"}', '"passed" is "onnx"'),
                             ('{"passed": ["fast"]}', r'"passed" is \["fast"\]')]:
        record.write_text(content)
        with pytest.raises(ValueError, match=rf"{BACKENDS_FILE}.*{problem}.*accepted: a JSON object whose \"passed\""):
            read_record(tmp_path)


@pytest.mark.parametrize("value", [math.nan, -1.0, 1.5, "0.5", True])
def test_thresholds_in_config_json_are_probabilities(value):
    with pytest.raises(ValueError, match=r"config.json: trigger_threshold=.*accepted: a probability between 0 and 1"):
        EventClaimConfig(trigger_threshold=value)
    assert EventClaimConfig(argument_threshold=0.4).argument_threshold == 0.4


def test_weights_that_are_shards_a_folder_or_a_link_loop_are_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model-00001-of-00002.safetensors").write_bytes(b"")
    with pytest.raises(ValueError, match=r"sharded weights \(model-00001-of-00002.safetensors, ...\); accepted: one"):
        check_model_dir(tmp_path)
    (tmp_path / "model-00001-of-00002.safetensors").unlink()
    (tmp_path / "model.safetensors").mkdir()
    with pytest.raises(FileNotFoundError, match="model.safetensors is not a readable file"):
        check_model_dir(tmp_path)
    (tmp_path / "model.safetensors").rmdir()
    (tmp_path / "model.safetensors").symlink_to(tmp_path / "model.safetensors")
    with pytest.raises(FileNotFoundError, match="model.safetensors is not a readable file"):
        check_model_dir(tmp_path)


def test_an_empty_model_name_is_an_error_not_the_working_directory():
    for name in ("", "  "):
        with pytest.raises(ValueError, match=r"model='\s*' is empty; accepted: a folder"):
            resolve_model_dir(name)


# --- 14: combining marks belong to the word before them


@pytest.mark.parametrize("mark", ["\u0301", "\ufe0f", "\u200d", "\u0301\u0302", "\u20dd"])
def test_a_mark_after_a_word_is_inside_its_span(tokenizer, mark):
    text = f"Police in Gaza{mark} said so."
    tokens = tokenize_text(tokenizer, text)
    assert f"Gaza{mark}" in [text[start:end] for start, end in tokens.offsets]


def test_ordinary_text_keeps_the_tokenizer_offsets(tokenizer):
    text = "Police said “two people” were killed in Créteil on Monday — AFP."
    assert tokenize_text(tokenizer, text).offsets == [tuple(o) for o in tokenizer(
        text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]]
