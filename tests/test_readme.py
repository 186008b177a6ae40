from tests.conftest import ROOT


def test_ci_runs_exactly_the_readme_commands():
    readme = (ROOT / "README.md").read_text()
    commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line and not line.startswith(("#", "set ", "cd "))]
    assert commands, ".ci/run has no commands"
    for command in commands:
        assert f"\n{command}\n" in readme, f"README does not show the CI command {command!r}"
