"""The ``kg viz`` command: write the interactive HTML view of the graph (see :mod:`kg.viz`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from kg.cli import DataDirOption, Lang, _data_dir, _resolve, app, friendly

DEFAULT_OUT = Path("kg-view.html")


@app.command()
@friendly
def viz(
    out: Annotated[Path, typer.Option(
        "--out", help="HTML file to write (`-`: stdout); never a symbolic link or special "
                      "file.")] = DEFAULT_OUT,
    focus: Annotated[Optional[str], typer.Option(
        help="Centre on one entity (id, zh/en label or words); a barrier shows its trace.")]
    = None,
    depth: Annotated[Optional[int], typer.Option(
        help="Hops around --focus (default 1; given with a barrier: its neighbourhood, "
             "not its trace).", min=0)] = None,
    types: Annotated[Optional[str], typer.Option(
        help="Only these classes, comma-separated (e.g. Barrier,Mechanism,Strategy); "
             "background classes such as Reference only when named.")] = None,
    document: Annotated[Optional[str], typer.Option(
        help="Only entities coded from this document (e.g. 000).")] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Label language.")] = Lang.both,
    parents: Annotated[bool, typer.Option(
        "--parents", help="Create the missing parent directories of --out.")] = False,
    follow_symlinks: Annotated[bool, typer.Option(
        "--follow-symlinks", help="If --out is a symbolic link, write to its target.")] = False,
    data_dir: DataDirOption = None,
    reviewed_only: Annotated[bool, typer.Option(
        "--reviewed-only", help="Leave out draft items (proposed by `kg ingest`, not reviewed).")]
    = False,
    synthetic: Annotated[Optional[str], typer.Option(
        "--synthetic", metavar="NODES,EDGES",
        help="Draw a seeded synthetic graph of this size instead of the store (load tests), "
             "e.g. 20000,60000.")] = None,
) -> None:
    """Write a self-contained interactive HTML view of the graph (opens offline)."""
    from kg.fileio import check_output, is_stdout, write_output
    from kg.graphview import GraphView
    from kg.viz import make_page

    if not is_stdout(out):  # refuse a bad --out before the work
        check_output(out, parents=parents, follow_symlinks=follow_symlinks)
    from kg.store import reviewed_only as without_drafts

    if synthetic is not None:
        from kg.gc_pause import no_cyclic_gc
        from kg.viz.synthetic import parse_size, synthetic_projection

        size = parse_size(synthetic)
        with no_cyclic_gc():
            projection = synthetic_projection(*size)
            if reviewed_only:
                projection = _without_draft_items(projection)
            view = GraphView(projection)
    else:
        target = _data_dir(data_dir)
        view = GraphView.loaded(without_drafts(target) if reviewed_only else target)
    focus_id = _resolve(view, focus)["id"] if focus is not None else None
    html, selection = make_page(view, focus=focus_id, depth=depth, types=types,
                                document=document, lang=lang.value)
    written = write_output(out, html.encode("utf-8"), parents=parents,
                           follow_symlinks=follow_symlinks)
    typer.echo(f"wrote {written if written else 'the page to stdout'} "
               f"({len(selection.nodes)} nodes, {len(selection.edges)} edges, "
               f"{selection.mode} view)", err=True)


def _without_draft_items(projection: dict) -> dict:
    """A projection without its draft nodes and edges (and the edges touching a dropped node)."""
    dropped = {n["id"] for n in projection["nodes"] if n.get("status") == "draft"}
    return {**projection, "nodes": [n for n in projection["nodes"] if n["id"] not in dropped],
            "edges": [e for e in projection["edges"] if e.get("status") != "draft"
                      and e["source"] not in dropped and e["target"] not in dropped]}
