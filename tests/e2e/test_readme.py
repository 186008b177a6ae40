"""The README and docs/ stay true: the quickstart prints what the README shows, the output table names the fields
``to_dict()`` gives, every command shown exists and parses, the fast ones run for real, and every link resolves."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.processes import run_command

README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
PROJECT = ("inference", "training", "benchmarks")  # modules of this repository: their commands are parsed
QUICKSTART_TEXT = "The health ministry in Gaza said on Monday that 5,791 people have been killed in Israeli strikes."

# Run in a fresh interpreter, in a folder holding commands.json: a list of [mode, module, args]. "parse": the command's
# parser reads the arguments and the command stops there (nothing runs); "run": the command runs in full. Command N's
# stdout goes to out-N.txt. One process for every command: imports and the loaded model are shared.
DRIVER = r'''
import argparse, contextlib, io, json, runpy, sys

class Parsed(BaseException):  # not an Exception: no command's error handling may swallow it
    pass

original = argparse.ArgumentParser.parse_args

def parse_only(self, args=None, namespace=None):
    original(self, args, namespace)  # a wrong option or value exits 2 here, with argparse's message
    raise Parsed

report = []
for number, (mode, module, args) in enumerate(json.load(open("commands.json", encoding="utf-8"))):
    argparse.ArgumentParser.parse_args = parse_only if mode == "parse" else original
    sys.argv = [module, *args]
    err = io.StringIO()
    with open(f"out-{number}.txt", "w", encoding="utf-8") as out:
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                runpy.run_module(module, run_name="__main__", alter_sys=True)
            status = "ran"
        except Parsed:
            status = "parsed"
        except SystemExit as error:
            status = f"exit {error.code if error.code is not None else 0}"
        except BaseException as error:
            status = f"{type(error).__name__}: {error}"
    report.append({"status": status, "stderr": err.getvalue()[-2000:]})
print(json.dumps(report))
'''


def blocks(path: Path, language: str) -> list[str]:
    """The fenced code blocks of ``language`` in the Markdown file at ``path``, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", path.read_text(encoding="utf-8"), flags=re.M | re.S)


def shown_commands(path: Path) -> list[tuple[list[str], str]]:
    """Each command of the bash blocks of ``path``: its words (comment dropped, a pipe's last stage) and its comment."""
    commands = []
    for block in blocks(path, "bash"):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                comment = line.split("  #", 1)[1] if "  #" in line else ""
                if "|" in words:
                    words = words[len(words) - words[::-1].index("|"):]
                commands.append((words, comment))
    return commands


def module_of(words: list[str]) -> tuple[str, list[str]] | None:
    """``(module, args)`` of ``python -m MODULE ARGS``, also when ``accelerate launch`` or ``torchrun`` starts it."""
    if words[0] in ("python", "python3", "accelerate", "torchrun") and "-m" in words:
        at = words.index("-m")
        return words[at + 1], words[at + 2:]
    return None


@pytest.fixture(scope="module")
def quickstart() -> tuple[str, str, dict]:
    """What the README's quickstart printed, what the README shows under it, and the names it left behind."""
    section = README.read_text(encoding="utf-8").split("## Quickstart", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    shown = section.split("```text\n", 1)[1].split("```", 1)[0]
    printed, namespace = io.StringIO(), {}
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README quickstart", "exec"), namespace)
    return printed.getvalue(), shown, namespace


def test_the_quickstart_prints_exactly_what_the_readme_shows(quickstart):
    printed, shown, _ = quickstart
    assert printed == shown


def spans_and_fields(item: dict) -> list[str]:
    """An item's field names in order, and those of the items of a list field; a span's own fields are not listed."""
    names = []
    for key, value in item.items():
        names.append(key)
        inner = value[0] if isinstance(value, list) and value else value
        if isinstance(inner, dict) and set(inner) != {"start", "end", "text"}:
            names += spans_and_fields(inner)
    return names


def test_the_output_table_names_every_field_of_to_dict_in_order(quickstart):
    result = quickstart[2]["result"].to_dict()
    assert all(result[name] for name in result), "the quickstart's text must give an event, a claim and an entity"
    section = README.read_text(encoding="utf-8").split("## What comes out", 1)[1].split("\n## ", 1)[0]
    rows = [row.split("|")[1:3] for row in section.splitlines() if row.startswith("| `")]
    table = {list_name.strip(" `"): [name for name in re.findall(r"`(\w+)`", cell) if name != "null"]
             for list_name, cell in rows}
    assert list(table) == list(result)
    for name, fields in table.items():
        assert fields == spans_and_fields(result[name][0]), name


def test_ci_runs_exactly_the_readme_commands():
    commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line and not line.startswith(("#", "set ", "cd "))]
    assert commands, ".ci/run has no commands"
    shown = [" ".join(shlex.quote(word) for word in words) for words, _ in shown_commands(README)]
    for command in commands:
        assert f"\n{command}\n" in README.read_text(), f"README does not show the CI command {command!r}"
        assert " ".join(shlex.quote(word) for word in shlex.split(command)) in shown, command


def test_the_readme_is_a_front_page():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 200


def test_the_headline_scores_are_the_shipped_models():
    """The README's results table against the shipped model's own test results (the WikiEvents figures are from
    another evaluation, kept in docs/results.md)."""
    from inference.core.model_folder import DEFAULT_MODEL, EVAL_RESULTS_FILE

    results = json.loads((DEFAULT_MODEL / EVAL_RESULTS_FILE).read_text(encoding="utf-8"))
    summary, scores = results["summary"], results["scores"]
    section = README.read_text(encoding="utf-8").split("## Results", 1)[1].split("\n## ", 1)[0]
    rows = [re.findall(r"\d+\.\d+", row.split("|")[2]) for row in section.splitlines() if row.startswith("| ")]
    percents = [[summary[key] for key in ("linked_claims_f1", "linked_claims_overlap_f1")],
                [summary[key] for key in ("claim_source_f1", "claim_cue_f1", "claim_content_f1")],
                [summary["trigger_classification_f1"]], [summary["argument_classification_f1"]]]
    assert len(rows) == 1 + 7, "a header and seven rows"
    for shown, values in zip(rows[1:5], percents, strict=True):
        assert shown[:len(values)] == [f"{100 * value:.1f}" for value in values]
    adjudicated = scores["triggers_adjudicated"]  # M2E2 test, first of each pair
    assert rows[5][0::2] == [f"{100 * adjudicated[key]:.1f}" for key in ("recall", "adjudicated_precision")]
    assert rows[6] == [f"{scores['score_calibration'][kind]['ece']:.3f}" for kind in ("claim", "event", "argument")]


def drive(commands: list[tuple[str, str, list[str]]], cwd: Path) -> list[dict]:
    (cwd / "commands.json").write_text(json.dumps(commands), encoding="utf-8")
    result = run_command(sys.executable, "-c", DRIVER, check=False, cwd=cwd, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_every_command_shown_exists_and_parses(tmp_path):
    """Each ``python -m`` command of this repository in the README and docs/ answers ``--help`` and accepts the
    arguments shown; any other program named (pip, pytest, ruff, accelerate, ...) is installed."""
    commands, programs = [], set()
    for page in PAGES:
        for words, _ in shown_commands(page):
            program = module_of(words)
            if program and program[0].split(".")[0] in PROJECT:
                module, args = program
                commands += [("parse", module, ["--help"]), ("parse", module, args)]
            else:
                programs.add(program[0] if program else words[0])
    assert len(commands) >= 20, "the README and docs show fewer commands than expected: is the parsing broken?"
    for program in sorted(programs - {"python", "python3", "cat"}):
        importable = re.fullmatch(r"[\w.]+", program) and importlib.util.find_spec(program)
        assert shutil.which(program) or importable, f"{program} is shown in the docs but not installed"
    for number, ((_, module, args), outcome) in enumerate(zip(commands, drive(commands, tmp_path), strict=True)):
        if args == ["--help"]:
            assert outcome["status"] == "exit 0", f"python -m {module} --help: {outcome}"
            assert (tmp_path / f"out-{number}.txt").read_text().startswith("usage:"), module
        else:
            assert outcome["status"] == "parsed", f"python -m {module} {shlex.join(args)}: {outcome}"


def test_the_readme_inference_commands_run(tmp_path):
    """The README's ``python -m inference`` lines, run as shown on the quickstart's text (a corpus of it twice)."""
    shown = [(module_of(words), comment) for words, comment in shown_commands(README)]
    shown = [(args, comment) for (module, args), comment in ((m, c) for m, c in shown if m) if module == "inference"]
    assert len(shown) == 3
    for args, _ in shown:
        for index, name in enumerate(args):
            if name.endswith(".txt"):
                (tmp_path / name).write_text(QUICKSTART_TEXT, encoding="utf-8")
            elif name.endswith(".jsonl") and (index == 0 or args[index - 1] not in ("-o", "--output")):
                (tmp_path / name).write_text("".join(json.dumps({"id": f"a{i}", "text": QUICKSTART_TEXT}) + "\n"
                                                     for i in range(2)), encoding="utf-8")
    report = drive([("run", "inference", args) for args, _ in shown], tmp_path)
    assert all(outcome["status"] in ("ran", "exit 0") for outcome in report), report

    (first, comment), (second, _), (third, _) = shown
    line = json.loads((tmp_path / "out-0.txt").read_text())
    assert list(line) == re.findall(r'"(\w+)":', comment), "the README's comment names other keys than the output"
    assert line["id"] == first[0] and line["events"] and line["claims"]
    for claim in line["claims"]:
        for span in [claim["source"], claim["cue"], *claim["content"]]:
            assert QUICKSTART_TEXT[span["start"]:span["end"]] == span["text"]
    output = tmp_path / second[second.index("-o") + 1]
    assert [json.loads(row)["id"] for row in output.read_text().splitlines()] == ["a0", "a1"]
    page = (tmp_path / third[third.index("--html") + 1]).read_text(encoding="utf-8")
    assert "<html" in page.lower() and "health ministry" in page


def heading_anchors(path: Path) -> set[str]:
    """GitHub's anchors of the headings of a Markdown file: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"),
                                               flags=re.M | re.S), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_link_resolves(page):
    links = re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8"))
    assert links or page.name == "experiments.md"
    for link in links:
        if re.match(r"[a-z]+:", link):  # https:, mailto:
            continue
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        assert path.exists(), f"{page.name}: {link} names a file that does not exist"
        if anchor:
            assert anchor in heading_anchors(path), f"{page.name}: {link}: no such heading in {path.name}"


@pytest.mark.slow
def test_prepare_data_writes_the_splits_the_docs_count(tmp_path):
    """The README's prepare_data command (into tmp_path) on the corpora beside this checkout; docs/data.md's counts."""
    words = next(words for words, _ in shown_commands(README) if "training.prepare_data" in words)
    shared = ROOT / words[words.index("--shared") + 1]
    if not shared.is_dir():
        pytest.skip(f"the corpora are not at {shared}")
    words[words.index("--out") + 1] = str(tmp_path)
    run_command(sys.executable, *words[1:], cwd=ROOT, timeout=600)
    table = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    for split in ("train", "dev", "test"):
        articles = len((tmp_path / f"{split}.jsonl").read_text(encoding="utf-8").splitlines())
        assert re.search(rf"^\| `{split}.jsonl` \| {articles:,} ", table, flags=re.M), (split, articles)


@pytest.mark.slow
def test_the_tiny_training_command_trains_a_model(tmp_path):
    """The README's smoke test, run as shown (its output folder under tmp_path): it trains and saves a model."""
    words = next(words for words, _ in shown_commands(README) if "configs/tiny.yaml" in words)
    words[words.index("--config") + 1] = str(ROOT / "configs" / "tiny.yaml")
    run_command(sys.executable, *words[1:], cwd=tmp_path, timeout=900)
    assert (tmp_path / "runs" / "tiny" / "model" / "model.safetensors").is_file()
