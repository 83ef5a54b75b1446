"""The ``kg review`` command: list, accept and reject draft items (see :mod:`kg.review`)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from kg.cli import _print_json, app, friendly
from kg.errors import KgError


class ReviewFormat(str, Enum):
    text = "text"
    json = "json"


def _parse_numbers(values: Optional[list[str]], option: str) -> list[int]:
    """``--accept 1 --accept 3,4`` or ``--accept 2-5`` → [1, 3, 4] / [2, 3, 4, 5]."""
    out: list[int] = []
    for value in values or []:
        for part in value.replace(" ", ",").split(","):
            if not part:
                continue
            low, dash, high = part.partition("-")
            try:
                numbers = range(int(low), int(high) + 1) if dash else [int(low)]
            except ValueError:
                raise KgError(f"{option} {part!r} is not a number", where=option,
                              hint="give item numbers as listed by `kg review ID`, e.g. "
                                   "1,3 or 2-5") from None
            out.extend(numbers)
    return out


@app.command()
@friendly
def review(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="The document id of the draft "
                                           "(annotations/ID.draft.yaml).")],
    source: Annotated[Path, typer.Option(help="Directory with documents/ and annotations/.")]
    = Path("seed_data"),
    accept_all: Annotated[bool, typer.Option("--accept-all", help="Accept every draft item.")]
    = False,
    accept: Annotated[Optional[list[str]], typer.Option(
        "--accept", metavar="N", help="Accept item N (repeat, or 1,3 or 2-5).")] = None,
    reject: Annotated[Optional[list[str]], typer.Option(
        "--reject", metavar="N", help="Reject item N (repeat, or 1,3 or 2-5): removed, and "
                                      "never proposed again.")] = None,
    fmt: Annotated[ReviewFormat, typer.Option("--format", help="Output format.")]
    = ReviewFormat.text,
) -> None:
    """List the draft items of a paper's coding, numbered; accept or reject them.

    Accepting removes `status: draft` (confidence and rule stay as provenance); rejecting
    removes the item (an entity with the draft relations that use it) and adds its key to
    `rejected:`. The file is rewritten atomically, comments and order kept.
    """
    from kg import review as reviewing
    from kg.render import safe

    path = reviewing.draft_file(source, doc_id)
    accept_n = _parse_numbers(accept, "--accept")
    reject_n = _parse_numbers(reject, "--reject")
    if accept_all and accept_n:
        raise KgError("give --accept-all or --accept, not both", where="--accept-all")
    if accept_all or accept_n or reject_n:
        result = reviewing.review(path, accept=accept_n, reject=reject_n, accept_all=accept_all)
        if fmt is ReviewFormat.json:
            _print_json({"file": str(path), "accepted": list(result.accepted),
                         "rejected": list(result.rejected), "removed": list(result.removed),
                         "left": result.left})
            return
        for key in result.accepted:
            typer.echo(safe(f"accepted {key}"))
        for key in result.rejected:
            typer.echo(safe(f"rejected {key}"))
        for key in result.removed:
            typer.echo(safe(f"removed {key} (uses a rejected entity)"))
        typer.echo(f"{result.left} draft items left in {safe(str(path))}", err=True)
        return
    items = reviewing.list_drafts(path)
    if fmt is ReviewFormat.json:
        _print_json([item.to_json() for item in items])
        return
    if not items:
        typer.echo(safe(f"no draft items in {path}"))
        return
    for item in items:
        label = " / ".join(v for k, v in sorted(item.label.items(), key=lambda kv: kv[0] != "zh"))
        name = f"{item.type} {label} [{item.key}]" if item.kind == "entity" \
            else f"{item.key}"
        where = " ".join(x for x in (item.document, f"§{item.section}" if item.section else None)
                         if x)
        facts = []
        if item.confidence is not None:
            facts.append(f"confidence {item.confidence:g}")
        if item.rule:
            facts.append(f"rule: {item.rule}")
        typer.echo(safe(f"{item.number:>3}. {item.kind} {name}"))
        typer.echo(safe(f"     {where + ' ' if where else ''}“{item.quote}”"))
        if facts:
            typer.echo(safe(f"     {'; '.join(facts)}"))
