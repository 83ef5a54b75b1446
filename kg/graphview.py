"""The networkx projection of a build that every query walks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator


@dataclass(frozen=True)
class Hop:
    """One edge seen from a node: the neighbour, the relation, and the edge's data."""

    node: dict[str, Any]
    relation: str
    edge: dict[str, Any]
    outgoing: bool


class GraphView:
    """Nodes by id and a ``MultiDiGraph`` keyed by relation, built from the stored projection.

    >>> view = GraphView({"nodes": [{"id": "a", "class": "X"}, {"id": "b", "class": "Y"}],
    ...                   "edges": [{"source": "a", "target": "b", "relation": "r"}]})
    >>> [hop.node["id"] for hop in view.out("a", "r")]
    ['b']
    """

    def __init__(self, projection: dict[str, Any]) -> None:
        self.projection = projection
        import networkx as nx

        self.nodes: dict[str, dict[str, Any]] = {n["id"]: n for n in projection["nodes"]}
        graph = nx.MultiDiGraph()
        for node_id, node in self.nodes.items():
            graph.add_node(node_id, **{"class": node["class"]})
        for edge in projection["edges"]:
            graph.add_edge(edge["source"], edge["target"], key=edge["relation"], data=edge)
        self.graph = graph

    @classmethod
    def from_store(cls, data_dir: Path) -> "GraphView":
        """The current build of ``data_dir``, answered from its index (nothing loaded whole)."""
        from kg.index.view import IndexedView
        from kg.store import index_path

        return IndexedView(index_path(data_dir))

    @classmethod
    def loaded(cls, data_dir: Path) -> "GraphView":
        """The current build of ``data_dir`` loaded whole from ``graph.json`` (digest checked)."""
        from kg.store import load_projection

        return cls(load_projection(data_dir))

    def node(self, node_id: str) -> dict[str, Any]:
        return self.nodes[node_id]

    def out(self, node_id: str, *relations: str) -> Iterator[Hop]:
        """Outgoing hops, optionally only through the given relations, in stable order."""
        for _, target, key, data in sorted(self.graph.out_edges(node_id, keys=True, data=True),
                                           key=lambda e: (e[2], e[1])):
            if not relations or key in relations:
                yield Hop(self.nodes[target], key, data["data"], True)

    def into(self, node_id: str, *relations: str) -> Iterator[Hop]:
        """Incoming hops, optionally only through the given relations, in stable order."""
        for source, _, key, data in sorted(self.graph.in_edges(node_id, keys=True, data=True),
                                           key=lambda e: (e[2], e[0])):
            if not relations or key in relations:
                yield Hop(self.nodes[source], key, data["data"], False)

    def of_class(self, *classes: str) -> list[dict[str, Any]]:
        """All nodes of the given classes, sorted by id."""
        return [n for _, n in sorted(self.nodes.items()) if n["class"] in classes]

    def with_id_suffix(self, suffix: str) -> list[dict[str, Any]]:
        """Nodes whose id after its ``kind/`` prefix is ``suffix``, sorted by id."""
        return [n for _, n in sorted(self.nodes.items())
                if n["id"].split("/", 1)[-1] == suffix]

    def labelled(self, norm: str) -> list[tuple[dict[str, Any], str]]:
        """(node, "label" or "alt label") for each label whose normal form is ``norm``."""
        from kg.resolve import labels_of, normalize

        return [(n, kind) for _, n in sorted(self.nodes.items())
                for kind, text in labels_of(n) if normalize(text) == norm]

    def search_candidates(self, key: str) -> set[str] | None:
        """Ids of the nodes a search for ``key`` could find; None: every node (no index)."""
        return None

    def subclasses(self, name: str) -> set[str]:
        """The class and every class below it in the ontology."""
        classes = self.projection.get("classes", {})
        out = {name}
        changed = True
        while changed:
            changed = False
            for cls, info in classes.items():
                if cls not in out and out & set(info.get("parents", [])):
                    out.add(cls)
                    changed = True
        return out
