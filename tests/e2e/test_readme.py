import pytest

from tests.conftest import ROOT


def test_ci_runs_exactly_the_readme_commands():
    readme = (ROOT / "README.md").read_text()
    commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line and not line.startswith(("#", "set ", "cd "))]
    assert commands, ".ci/run has no commands"
    for command in commands:
        assert f"\n{command}\n" in readme, f"README does not show the CI command {command!r}"


def quickstart() -> tuple[str, str]:
    """The README's quickstart snippet and the JSON shown under it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    shown = section.split("```json\n", 1)[1].split("```", 1)[0]
    return code, shown


def test_quickstart_prints_the_json_it_shows(monkeypatch, capsys, tiny_model_dir):
    """Run as a script, the snippet prints JSON of the shape shown (here with a tiny model, so not the same spans;
    the slow test below runs the shipped model)."""
    import json

    import inference
    from inference.interface.api import extract

    code, shown = quickstart()
    monkeypatch.setattr(inference, "extract", lambda text: extract(text, model=tiny_model_dir))
    exec(compile(code, "README quickstart", "exec"), {})
    printed = json.loads(capsys.readouterr().out)
    assert {"events", "claims"} <= json.loads(shown).keys() <= printed.keys()


@pytest.mark.slow
def test_quickstart_shows_what_the_shipped_model_prints(capsys):
    import json

    from tests.conftest import without_scores

    code, shown = quickstart()
    exec(compile(code, "README quickstart", "exec"), {})
    printed, expected = json.loads(capsys.readouterr().out), json.loads(shown)
    assert without_scores(printed) == without_scores(expected)
