"""The ``kg ingest`` command: draft the coding of new papers (see :mod:`kg.ingest.pipeline`)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from kg.cli import DataDirOption, _data_dir, _print_json, app, friendly


class IngestFormat(str, Enum):
    text = "text"
    json = "json"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _show(path: Path, source: Path) -> str:
    try:
        return str(path.relative_to(source))
    except ValueError:
        return str(path)


def _text_lines(result: Any, source: Path, dry_run: bool) -> list[str]:
    from kg.render import safe

    verb = "would ingest" if dry_run else "ingested"
    state = "re-run, same document" if result.rerun else "new document"
    lines = [safe(f"{verb} {result.path} as document {result.document} ({state}, "
                  f"{result.encoding})")]
    writes = []
    if result.copy is not None and (not result.rerun or not result.copy.exists()):
        writes.append(_show(result.copy, source))
    if result.metadata_added:
        writes.append(f"documents/metadata.yaml (entry {result.document})")
    writes.append(_show(result.draft, source))
    lines.append(safe(("  would write " if dry_run else "  wrote ") + ", ".join(writes)))
    drafts = sum(1 for e in result.entities if e.get("status") == "draft")
    lines.append(f"  {_plural(len(result.entities), 'entity').replace('entitys', 'entities')} "
                 f"({drafts} draft), {_plural(len(result.relations), 'relation')}, "
                 f"{_plural(len(result.alignments), 'alignment')}")
    for alignment in result.alignments:
        lines.append(safe(f"    {alignment['entity']} ~ {alignment['match']} "
                          f"({alignment['score']:.2f})"))
    if result.skipped:
        lines.append(f"  left out {len(result.skipped)} proposed item(s) that could not be "
                     f"verified, e.g. {safe(result.skipped[0])}")
    if not dry_run:
        lines.append(safe(f"  next: kg review {result.document} --source {source}"))
    return lines


@app.command()
@friendly
def ingest(
    paths: Annotated[list[Path], typer.Argument(
        metavar="PATH", help="Paper files (.txt in UTF-8/GBK/GB18030/UTF-16, or .pdf), or "
                                "folders of them.")],
    source: Annotated[Path, typer.Option(
        "--source", help="Source directory (documents/ and annotations/).")] = Path("seed_data"),
    doc_id: Annotated[Optional[str], typer.Option(
        "--id", help="Document id for the one file given (default: the next free number, or "
                     "the id it was ingested under).", show_default=False)] = None,
    fmt: Annotated[IngestFormat, typer.Option("--format", help="Output format.")]
    = IngestFormat.text,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Write nothing; print what would be done.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Draft the coding of new papers, aligned with the graph, for review.

    Copies the text into DIR/documents/, adds the metadata entry and writes
    DIR/annotations/<id>.draft.yaml (aligned with the graph of --data-dir).
    """
    from kg.ingest.pipeline import expand, ingest as run
    from kg.render import safe

    files = expand(paths)
    notices: list[str] = []
    progress = None
    bar: Any = None
    if sys.stderr.isatty() and len(files) > 1:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       transient=True, console=_stderr_console())
        task = bar.add_task("ingest", total=len(files))

        def progress(path: Path, result: Any) -> None:
            if result is None:
                bar.update(task, description=f"ingest {path.name}")
            else:
                bar.advance(task)

        bar.start()
    try:
        results = run(files, source=source, doc_id=doc_id, dry_run=dry_run,
                      data_dir=_data_dir(data_dir), progress=progress, notices=notices)
    finally:
        if bar is not None:
            bar.stop()
    for notice in notices:
        typer.echo(f"note: {safe(notice)}", err=True)
    for result in results:
        for notice in result.notices:
            typer.echo(f"note: {safe(str(result.path))}: {safe(notice)}", err=True)
        if not result.ok:
            typer.echo(f"error: {safe(result.error or '')}", err=True)
    if fmt is IngestFormat.json:
        payload = [r.to_json() for r in results]
        _print_json(payload[0] if len(payload) == 1 else payload)
    else:
        for result in results:
            if result.ok:
                typer.echo("\n".join(_text_lines(result, source, dry_run)))
        failed = sum(1 for r in results if not r.ok)
        if len(results) > 1:
            typer.echo(f"{len(results) - failed} of {len(results)} files ingested"
                       + (f", {failed} failed" if failed else ""))
    if any(not r.ok for r in results):
        raise typer.Exit(1)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)
