"""Walks stay finite on a graph with partOf cycles (the build refuses them; readers cope anyway)."""

from __future__ import annotations

from kg.graphview import GraphView
from kg.queries import dimension_of, paths
from kg.traces import trace_barrier, trace_strategy
from kg.viz.selection import select


def node(node_id: str, cls: str) -> dict:
    return {"id": node_id, "class": cls, "label": {"en": node_id}, "document": "000",
            "evidence": []}


def edge(source: str, relation: str, target: str) -> dict:
    return {"source": source, "relation": relation, "target": target, "modality": "stated",
            "evidence": []}


def cyclic_view() -> GraphView:
    return GraphView({
        "documents": {"000": {}},
        "nodes": [node("barrier/a", "Barrier"), node("barrier/b", "Barrier"),
                  node("strategy/s", "Strategy"), node("strategy/t", "Strategy"),
                  node("mechanism/m", "Mechanism")],
        "edges": [edge("barrier/a", "partOf", "barrier/b"), edge("barrier/b", "partOf", "barrier/a"),
                  edge("barrier/a", "partOf", "barrier/a"), edge("barrier/a", "hinders", "mechanism/m"),
                  edge("strategy/s", "partOf", "strategy/t"), edge("strategy/t", "partOf", "strategy/s"),
                  edge("strategy/s", "mitigates", "barrier/a"),
                  edge("barrier/a", "closeMatch", "barrier/b"),
                  edge("barrier/b", "closeMatch", "barrier/a")],
    })


def test_traces_and_views_terminate_on_cycles() -> None:
    view = cyclic_view()
    assert dimension_of(view, "barrier/a") is None
    result = trace_barrier(view, "barrier/a")
    assert [m["id"] for m in result["mechanisms"]] == ["mechanism/m"]
    assert trace_strategy(view, "strategy/s")["barriers"]
    assert paths(view, "strategy/s", "mechanism/m")
    for focus in ("barrier/a", "strategy/s"):
        assert select(view, focus=focus).nodes
        assert select(view, focus=focus, depth=3).nodes
