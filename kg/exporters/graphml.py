"""``--format graphml``: the Neo4j property graph as GraphML (opens in Gephi).

GraphML has no list type, so list properties are JSON-encoded strings; ``labels`` holds the
Neo4j labels as ``:InnovationKG:Barrier`` (the form Neo4j's own GraphML export uses), ``label``
a display name for Gephi (English label, else Chinese, else id), and each edge's ``label`` its
relationship type. :func:`decode` turns what ``networkx.read_graphml`` returns back into the
property graph's values.

XML 1.0 cannot carry every string: C0 control characters other than tab, newline and carriage
return, U+FFFE, U+FFFF and lone surrogates are written escaped (``\\x1b``, ``\\ufffe``) by
:func:`xml_text`, so that the file stays well-formed; all other text is exact.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from kg.fileio import encoded_chunks
from kg.neo4j.mapping import Node, PropertyGraph, Relationship, Schema, neo4j_labels

#: Attributes that are not properties of the mapping.
NODE_EXTRA = ("labels", "label")
EDGE_EXTRA = ("label",)


#: What XML 1.0 does not allow in a document (``Char`` of the XML 1.0 grammar).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: Any) -> Any:
    r"""A string with what XML 1.0 forbids shown escaped; other values unchanged.

    >>> xml_text("a\x1bb\ufffe\tc"), xml_text(3)
    ('a\\x1bb\\ufffe\tc', 3)
    """
    if not isinstance(value, str):
        return value
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", value)


def _encode(props: dict[str, Any]) -> dict[str, Any]:
    return {k: xml_text(json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v)
            for k, v in props.items()}


def to_networkx(graph: PropertyGraph) -> Any:
    """A ``MultiDiGraph`` with GraphML-safe attributes (lists as JSON strings)."""
    import networkx as nx

    out = nx.MultiDiGraph()
    for node in graph.nodes:
        display = node.props.get("label_en") or node.props.get("label_zh") or node.id
        out.add_node(xml_text(node.id),
                     labels="".join(f":{label}" for label in neo4j_labels(node)),
                     label=xml_text(display), **_encode(node.props))
    for rel in graph.relationships:
        out.add_edge(xml_text(rel.source), xml_text(rel.target), key=rel.type, label=rel.type,
                     **_encode(rel.props))
    return out


def decode(attributes: dict[str, Any], schema: Schema) -> dict[str, Any]:
    """Attributes read back from GraphML as property values (JSON lists decoded)."""
    out = {}
    for key, value in attributes.items():
        if schema.property_types.get(key, "").startswith("LIST<") and isinstance(value, str):
            value = json.loads(value)
        out[key] = value
    return out


def graphml_bytes(graph: PropertyGraph) -> bytes:
    """GraphML text of the property graph, as networkx writes it (the in-memory path; the
    export writes the same bytes with :func:`graphml_chunks`)."""
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_graphml_xml(to_networkx(graph), buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()


def export_graphml(data_dir: Path, out: Path | None = None) -> Iterator[bytes]:
    """The current build as GraphML, streamed from its index (flat memory)."""
    from kg.exporters.pgstream import IndexedGraph

    graph = IndexedGraph(data_dir)
    node_props = {name for names in graph.kind_props.values() for name in names}
    edge_props = {prop.name for spec in graph.schema.types for prop in spec.properties}
    return _closing(graph, graphml_chunks(graph.nodes, lambda: (
        rels for _source, rels in graph.outgoing()),
        possible_keys(node_props, edge_props)))


def memory_chunks(graph: PropertyGraph) -> Iterator[bytes]:
    """:func:`graphml_chunks` of an in-memory property graph."""
    def outgoing() -> Iterator[list[Relationship]]:
        by_source: dict[str, list[Relationship]] = {}
        for rel in graph.relationships:
            by_source.setdefault(rel.source, []).append(rel)
        return (by_source[node.id] for node in graph.nodes if node.id in by_source)

    return graphml_chunks(lambda: iter(graph.nodes), outgoing)


# -- the streamed writer: the bytes networkx's GraphMLWriter (prettyprint) writes -------------

#: Python type of a written value -> GraphML ``attr.type`` (networkx's table, last entry wins).
_XML_TYPES = {str: "string", int: "long", float: "double", bool: "boolean"}
_HEAD = ("<?xml version='1.0' encoding='utf-8'?>\n"
         '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
         'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
         'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">')


def _cdata(text: str) -> str:
    """Element text escaped as :mod:`xml.etree.ElementTree` writes it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attrib(text: str) -> str:
    """An attribute value escaped as :mod:`xml.etree.ElementTree` writes it."""
    text = _cdata(text).replace('"', "&quot;")
    return text.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;")


def _node_data(node: Node) -> dict[str, Any]:
    display = node.props.get("label_en") or node.props.get("label_zh") or node.id
    return {"labels": "".join(f":{label}" for label in neo4j_labels(node)),
            "label": xml_text(display), **_encode(node.props)}


def _edge_data(rel: Relationship) -> dict[str, Any]:
    return {"label": rel.type, **_encode(rel.props)}


def _edge_order(rels: list[Relationship]) -> list[Relationship]:
    """One source's relationships in networkx's order: targets in the order of their first
    relationship (types sorted, then target), then each target's relationships by type."""
    first: dict[str, str] = {}
    for rel in rels:
        if rel.target not in first or rel.type < first[rel.target]:
            first[rel.target] = rel.type
    return sorted(rels, key=lambda r: (first[r.target], r.target, r.type))


def _elements(nodes: Iterable[Node], outgoing: Iterable[list[Relationship]]
              ) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(scope, start tag, data) of every node, then every edge, in the written order."""
    for node in nodes:
        yield "node", f'<node id="{_attrib(xml_text(node.id))}">', _node_data(node)
    for rels in outgoing:
        for rel in _edge_order(rels):
            yield "edge", (f'<edge source="{_attrib(xml_text(rel.source))}" '
                           f'target="{_attrib(xml_text(rel.target))}" '
                           f'id="{_attrib(rel.type)}">'), _edge_data(rel)


def _keys(elements: Iterable[tuple[str, str, dict[str, Any]]],
          expected: int | None = None) -> dict[tuple[str, str, str], str]:
    """(name, type, scope) -> key id (``d0``, ``d1`` … in the order of first use); reading
    stops once ``expected`` keys (all there can be) are found."""
    keys: dict[tuple[str, str, str], str] = {}
    for scope, _tag, data in elements:
        for name, value in data.items():
            key = (name, _XML_TYPES[type(value)], scope)
            if key not in keys:
                keys[key] = f"d{len(keys)}"
        if expected is not None and len(keys) >= expected:
            break
    return keys


def possible_keys(node_props: Iterable[str], edge_props: Iterable[str]) -> int:
    """How many keys the GraphML of a graph with these node and relationship property names
    can declare: the node properties, ``labels`` and ``label``; the relationship properties
    and ``label`` (a property has one type in the graph: one key per name and scope)."""
    return len(set(node_props) | set(NODE_EXTRA)) + len(set(edge_props) | set(EDGE_EXTRA))


def graphml_chunks(nodes: Callable[[], Iterable[Node]],
                   outgoing: Callable[[], Iterable[list[Relationship]]],
                   expected: int | None = None) -> Iterator[bytes]:
    """GraphML of the nodes (sorted by id) and of each source's relationships (sources in
    node order), byte for byte what ``networkx.write_graphml_xml`` writes for
    :func:`to_networkx`: two passes (the key declarations come first: the first pass stops
    once ``expected`` keys, all there can be, are found), each streamed."""
    keys = _keys(_elements(nodes(), outgoing()), expected)

    def pieces() -> Iterator[str]:
        yield _HEAD + "\n  "
        for (name, kind, scope), key in reversed(keys.items()):
            yield (f'<key id="{key}" for="{scope}" attr.name="{_attrib(name)}" '
                   f'attr.type="{kind}" />\n  ')
        previous: str | None = None
        for scope, tag, data in _elements(nodes(), outgoing()):
            if previous is None:
                yield '<graph edgedefault="directed">\n    '
            else:
                yield previous + "\n    "
            parts = [tag]
            for name, value in data.items():
                text = _cdata(str(value))
                key = keys[(name, _XML_TYPES[type(value)], scope)]
                parts.append(f'\n      <data key="{key}">{text}</data>' if text
                             else f'\n      <data key="{key}" />')
            closing = "</node>" if scope == "node" else "</edge>"
            previous = "".join(parts) + "\n    " + closing if data else tag[:-1] + " />"
        if previous is None:
            yield '<graph edgedefault="directed" />\n</graphml>\n'
            return
        yield previous + "\n  </graph>\n</graphml>\n"

    yield from encoded_chunks(pieces(), "xmlcharrefreplace")


def _closing(graph: Any, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """``chunks``, closing ``graph`` when they are done."""
    try:
        yield from chunks
    finally:
        graph.close()
