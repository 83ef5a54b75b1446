"""The traces a page can show without the command line: computed here, embedded compactly.

For every barrier/problem, strategy and mechanism/innovation mode of a page, the nodes and edges
of its trace and their positions, so the page's "trace" button shows what ``kg viz --focus``
would (with the page's own ``--types``/``--document``). Barriers use
:func:`kg.viz.selection.barrier_trace` and its layout; strategies and mechanisms use
``kg trace strategy|mechanism`` (:data:`kg.traces.TRACES`): their nodes, the edges among them,
laid out by signed hop distance from the root as a neighbourhood is.

Nodes a trace needs that the page does not show (e.g. the ``Reference`` nodes of a barrier's
statistics in the whole-model view) travel with the page as *extras*, hidden outside traces.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Optional

from kg.graphview import GraphView
from kg.traces import TRACES
from kg.viz.layout import positions
from kg.viz.selection import (EdgeKey, Selection, _ids_in, allowed_ids, barrier_trace, edge_key,
                              is_barrier)

#: A page embeds traces only up to this many traceable nodes (beyond, the button explains).
MAX_TRACES = 1000


@dataclass(frozen=True)
class PageTraces:
    """Traces by root id as ``(kind, node ids, edge keys, positions)``, in root-id order."""

    traces: dict[str, tuple[str, list[str], list[EdgeKey], dict[str, tuple[int, int]]]]
    omitted: int = 0


def trace_kind(node: dict[str, Any]) -> Optional[str]:
    """Which trace a node has: ``barrier``, ``strategy``, ``mechanism`` or None."""
    if is_barrier(node):
        return "barrier"
    for kind, (_, classes) in TRACES.items():
        if node["class"] in classes:
            return kind
    return None


def _distances(root: str, ids: set[str], edges: list[dict[str, Any]]) -> dict[str, int]:
    """Signed hop distance from ``root`` inside a trace (negative: reached against edges)."""
    links: dict[str, list[tuple[str, int]]] = {i: [] for i in ids}
    for edge in edges:
        links[edge["source"]].append((edge["target"], 1))
        links[edge["target"]].append((edge["source"], -1))
    distance = {root: 0}
    todo = deque([root])
    while todo:
        current = todo.popleft()
        for nid, side in sorted(links[current]):
            if nid not in distance:
                hops = abs(distance[current]) + 1
                sign = side if current == root else (1 if distance[current] > 0 else -1)
                distance[nid] = sign * hops
                todo.append(nid)
    far = max((abs(d) for d in distance.values()), default=0) + 1
    return {i: distance.get(i, far) for i in sorted(ids)}


def walk_trace(view: GraphView, root: str, kind: str, classes: Optional[set[str]],
               document: Optional[str]) -> Selection:
    """The selection of a strategy or mechanism trace (barriers: ``barrier_trace``)."""
    if kind == "barrier":
        return barrier_trace(view, root, classes, document)
    ids = _ids_in(TRACES[kind][0](view, root))
    if classes is not None or document is not None:
        ids = (ids & allowed_ids(view, classes, document)) | {root}
    edges = sorted((hop.edge for i in ids for hop in view.out(i) if hop.node["id"] in ids),
                   key=edge_key)
    return Selection([view.nodes[i] for i in sorted(ids)], edges, "neighbourhood", focus=root,
                     distance=_distances(root, ids, edges))


def page_traces(view: GraphView, selection: Selection, classes: Optional[set[str]],
                document: Optional[str]) -> PageTraces:
    """The trace of every traceable node of a page (up to :data:`MAX_TRACES` of them)."""
    roots = [(n["id"], kind) for n in selection.nodes if (kind := trace_kind(n))]
    if len(roots) > MAX_TRACES:
        return PageTraces({}, omitted=len(roots))
    out = {}
    for root, kind in roots:
        trace = walk_trace(view, root, kind, classes, document)
        out[root] = (kind, [n["id"] for n in trace.nodes], [edge_key(e) for e in trace.edges],
                     positions(trace))
    return PageTraces(out)
