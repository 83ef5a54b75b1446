"""The README's command examples, regenerated from what the commands really print.

A block is marked in Markdown as::

    <!-- output: kg trace barrier "data security risk" --lang en | head 30 -->
    ```console
    $ kg trace barrier "data security risk" --lang en
    ...the first 30 lines of the real output...
    …
    ```

``python -m kg.readme_examples README.md`` rewrites every marked block from the current build
(``--data-dir`` as for every command); the tests check that the blocks equal the output.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path
from typing import Callable, Optional

MARKED = re.compile(r"<!-- output: (?P<command>[^\n]*?) -->\n```console\n(?P<body>.*?)^```\n",
                    re.M | re.S)

Runner = Callable[[list[str]], str]


def parse(command: str) -> tuple[list[str], Optional[int]]:
    """The ``kg`` arguments of a marker and its ``| head N`` limit.

    >>> parse('kg show "data security risk" | head 5')
    (['show', 'data security risk'], 5)
    """
    text, _, head = command.partition("|")
    args = shlex.split(text)
    if not args or args[0] != "kg":
        raise ValueError(f"an output marker must start with `kg`: {command!r}")
    limit = int(head.split()[1]) if head.strip() else None
    return args[1:], limit


def render_block(command: str, run: Runner) -> str:
    """The console block body for a marker: the prompt line and the (truncated) output."""
    args, limit = parse(command)
    lines = run(args).rstrip("\n").splitlines()
    if limit is not None and len(lines) > limit:
        lines = lines[:limit] + ["…"]
    prompt = "$ kg " + " ".join(shlex.quote(a) for a in args)
    return "\n".join([prompt, *lines]) + "\n"


def blocks(text: str) -> list[tuple[str, str]]:
    """(marker command, block body) for every marked block of a Markdown text."""
    return [(m["command"], m["body"]) for m in MARKED.finditer(text)]


def regenerate(text: str, run: Runner) -> str:
    """The Markdown text with every marked block rewritten from real output."""
    def replace(match: re.Match[str]) -> str:
        body = render_block(match["command"], run)
        return f"<!-- output: {match['command']} -->\n```console\n{body}```\n"

    return MARKED.sub(replace, text)


def cli_runner(data_dir: Optional[str] = None) -> Runner:
    """Run ``kg`` in-process (plain output, as when piped) and return stdout."""
    from typer.testing import CliRunner

    from kg.cli import app

    runner = CliRunner()

    def run(args: list[str]) -> str:
        extra = ["--data-dir", data_dir] if data_dir else []
        result = runner.invoke(app, [*args, *extra], env={"COLUMNS": ""})
        if result.exit_code != 0:
            raise RuntimeError(f"kg {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    return run


def main(argv: list[str]) -> int:
    """``python -m kg.readme_examples FILE... [--data-dir DIR]``: rewrite the marked blocks."""
    data_dir = None
    if "--data-dir" in argv:
        at = argv.index("--data-dir")
        data_dir = argv[at + 1]
        argv = argv[:at] + argv[at + 2:]
    run = cli_runner(data_dir)
    for name in argv:
        path = Path(name)
        path.write_text(regenerate(path.read_text(encoding="utf-8"), run), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
