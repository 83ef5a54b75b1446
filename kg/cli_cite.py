"""The ``kg cite`` command: a citable reference for a passage (see :mod:`kg.cite`)."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from kg.cli import DataDirOption, _data_dir, _print_json, app, friendly


class CiteFormat(str, Enum):
    text = "text"
    bibtex = "bibtex"
    json = "json"


@app.command()
@friendly
def cite(
    query: Annotated[str, typer.Argument(
        metavar="ID|QUOTE",
        help="An entity id (cites its evidence passages), a passage or document id, or a "
             "verbatim quote from a paper (whitespace is ignored).")],
    fmt: Annotated[CiteFormat, typer.Option("--format", help="Output format.")]
    = CiteFormat.text,
    data_dir: DataDirOption = None,
) -> None:
    """A citable reference for a passage: the paper, its section and character offsets."""
    from kg import cite as citing
    from kg.store import load_projection

    target = _data_dir(data_dir)
    projection = load_projection(target)
    result = citing.cite(projection, query,
                         text_of=lambda doc: citing.source_text(target, projection, doc))
    if result.entity and result.entity["id"] != query.strip():
        typer.echo(f"note: citing {result.entity['id']} ({result.entity['class']})", err=True)
    if fmt is CiteFormat.json:
        _print_json(citing.to_json(projection, result))
    elif fmt is CiteFormat.bibtex:
        sys.stdout.write(citing.bibtex(projection, result))
    else:
        sys.stdout.write("".join(line + "\n" for line in citing.text_lines(projection, result)))
