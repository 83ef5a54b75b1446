"""``--format graphml``: the Neo4j property graph as GraphML (networkx; opens in Gephi).

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
from typing import Any

from kg.neo4j.mapping import PropertyGraph, Schema, neo4j_labels

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
    """GraphML text of the property graph (same graph, same bytes)."""
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_graphml_xml(to_networkx(graph), buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()


def export_graphml(data_dir: Path, out: Path | None = None) -> bytes:
    """The current build as GraphML."""
    from kg.neo4j.mapping import load

    graph, _ = load(data_dir)
    return graphml_bytes(graph)
