"""The README documents every command, and its shell examples run."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from kg.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def command_paths(application: typer.Typer, prefix: str = "kg") -> list[str]:
    """Every command of the app as it is typed, sub-commands included."""
    paths = []
    for command in application.registered_commands:
        name = command.name or command.callback.__name__.replace("_", "-").rstrip("-")
        paths.append(f"{prefix} {name}")
    for group in application.registered_groups:
        sub = f"{prefix} {group.name}"
        paths.append(sub)
        paths.extend(command_paths(group.typer_instance, sub))
    return paths


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```bash", 1)[1].split("```", 1)[0]
    lines = [ln.split("#")[0].strip() for ln in first_block.strip().splitlines()]
    assert lines == ["scripts/demo", "scripts/test"]


def test_every_command_is_documented() -> None:
    missing = [p for p in command_paths(app) if p not in README]
    assert not missing, f"commands missing from README.md: {missing}"


def kg_examples() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", README, re.S)
    return [ln.strip() for block in blocks for ln in block.splitlines()
            if ln.strip().startswith("kg ")]


@pytest.mark.parametrize("line", kg_examples())
def test_readme_shell_examples_run(line: str, seed_store: Path, runner: CliRunner) -> None:
    args = shlex.split(line)[1:] + ["--data-dir", str(seed_store)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()


def test_readme_has_at_least_five_cypher_examples_with_results() -> None:
    blocks = re.findall(r"```cypher\n.*?```\n\n\|", README, re.S)
    assert len(blocks) >= 5


def test_readme_outputs_are_what_the_commands_print(seed_store: Path) -> None:
    from kg.readme_examples import blocks, cli_runner, render_block

    marked = blocks(README)
    assert len(marked) >= 4, "the README shows real output of trace, search, path and show"
    run = cli_runner(str(seed_store))
    for command, body in marked:
        assert render_block(command, run) == body, (
            f"README block `{command}` is out of step: run "
            "`python -m kg.readme_examples README.md` after `kg build`")
