"""``kg viz``: an offline, self-contained interactive HTML view of the graph (pyvis).

:mod:`kg.viz.selection` picks the nodes and edges, :mod:`kg.viz.layout` places them,
:mod:`kg.viz.style` encodes class, language and evidence visually, :mod:`kg.viz.page` writes
the HTML. :func:`make_page` runs the four in order.
"""

from __future__ import annotations

from typing import Any, Optional

from kg.gc_pause import no_cyclic_gc
from kg.graphview import GraphView


def view_title(view: GraphView, selection: Any, depth: Optional[int], lang: str,
               document: Optional[str] = None) -> tuple[str, str]:
    """The page title and a short description of what the view shows."""
    from kg.render import label

    if selection.focus is None:
        if document is not None:
            titles = dict(view.projection.items()).get("documents", {}).get(document, {})
            title = titles.get("title", {})
            name = (title.get(lang) if lang in ("zh", "en") else None) or title.get("zh") \
                or title.get("en") or ""
            return (f"innovation-kg · paper {document}" + (f": {name}" if name else ""),
                    f"entities coded from paper {document}")
        return "innovation-kg · whole model", "whole model of both papers"
    name = label(view.nodes[selection.focus], lang)
    if selection.mode == "trace":
        return f"innovation-kg · trace: {name}", f"barrier trace of {selection.focus}"
    hops = 1 if depth is None else depth
    return f"innovation-kg · around: {name}", f"neighbourhood of {selection.focus}, depth {hops}"


def make_page(view: GraphView, *, focus: Optional[str] = None, depth: Optional[int] = None,
              types: Optional[str] = None, document: Optional[str] = None,
              lang: str = "both") -> tuple[str, Any]:
    """The HTML page and the selection it shows (``focus`` is a resolved node id)."""
    with no_cyclic_gc():
        return _make_page(view, focus=focus, depth=depth, types=types, document=document,
                          lang=lang)


def _make_page(view: GraphView, *, focus: Optional[str], depth: Optional[int],
               types: Optional[str], document: Optional[str], lang: str) -> tuple[str, Any]:
    from kg.viz.layout import positions
    from kg.viz.page import PageContext, render_page, trace_extras
    from kg.viz.selection import edge_key, parse_types, select
    from kg.viz.traces import page_traces

    classes = parse_types(view, types)
    selection = select(view, focus=focus, depth=depth, classes=classes, document=document)
    title, what = view_title(view, selection, depth, lang, document)
    filters = [f"types {types}" if types else "", f"document {document}" if document else ""]
    what = ", ".join([what, *(f for f in filters if f)])
    projection = dict(view.projection.items())  # an indexed view reads nodes and edges here
    ctx = PageContext(lang=lang, title=title, view=what, classes=projection.get("classes", {}),
                      relations=projection.get("relations", {}),
                      documents=projection.get("documents", {}), document=document)
    traces = page_traces(view, selection, classes, document)
    extras = trace_extras(selection, traces, view.nodes,
                          {edge_key(e): e for e in projection["edges"]})
    return render_page(selection, positions(selection), ctx, traces, extras), selection
