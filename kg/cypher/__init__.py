"""Cypher on the embedded graph: grand-cypher over a networkx graph in the Neo4j mapping."""

from __future__ import annotations

from typing import Any

from kg.errors import KgError
from kg.propertygraph import edge_properties, node_labels, node_properties


def cypher_graph(projection: dict[str, Any]) -> Any:
    """A ``MultiDiGraph`` whose labels, types and properties match the Neo4j export."""
    import networkx as nx

    graph = nx.MultiDiGraph()
    classes = projection.get("classes", {})
    for node in projection["nodes"]:
        graph.add_node(node["id"], __labels__=set(node_labels(node, classes)),
                       **node_properties(node))
    for edge in projection["edges"]:
        graph.add_edge(edge["source"], edge["target"], key=edge["relation"],
                       __labels__={edge["type"]}, **edge_properties(edge))
    return graph


def run_cypher(projection: dict[str, Any], query: str) -> list[dict[str, Any]]:
    """Rows of a read-only Cypher query run locally with grand-cypher."""
    from grandcypher import GrandCypher

    text = query.strip()
    head = text.split(None, 1)[0].upper() if text else ""
    if head not in ("MATCH", "OPTIONAL", "WITH", "RETURN", "CALL", "UNWIND"):
        raise KgError("only read queries are supported locally (MATCH … RETURN …)",
                      hint="use `kg neo4j query` for writes against a server")
    try:
        columns = GrandCypher(cypher_graph(projection)).run(text)
    except Exception as exc:  # noqa: BLE001 - grand-cypher raises many parser error types
        first = " ".join(str(exc).split())[:200]
        raise KgError(f"cannot run this Cypher locally: {first}",
                      hint="check the syntax; grand-cypher supports MATCH/WHERE/RETURN/ORDER BY/LIMIT"
                      ) from None
    names = list(columns)
    length = max((len(v) for v in columns.values()), default=0)
    rows = []
    for i in range(length):
        rows.append({str(name): _plain(columns[name][i]) for name in names})
    return rows


def _plain(value: Any) -> Any:
    """Cypher results as JSON-ready values (sets become sorted lists)."""
    if isinstance(value, set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
