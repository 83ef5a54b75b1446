"""The Neo4j property graph of a build, and its schema (labels, types, typed properties).

Entities and documents come from the stored projection through :mod:`kg.propertygraph` (the
mapping ``kg cypher`` uses), so both see the same labels, types and properties. On top of it
the Neo4j side adds:

* a ``:Passage`` node per distinct evidence span (``id`` = ``passage/<doc>/<start>-<end>``,
  the same id as the RDF graph), linked ``(:Passage)-[:IN_DOCUMENT]->(:Document)``;
* ``(entity)-[:HAS_EVIDENCE]->(:Passage)`` for the evidence of each entity (relationships
  carry their evidence as parallel arrays, ``evidence_passages`` naming the passages);
* the marker label ``:InnovationKG`` on every node, so that a wipe removes only this project.

Values arrive already typed: the annotation loader casts each property to its ontology
datatype (``xsd:integer`` → int → INTEGER, ``xsd:decimal`` → float → FLOAT) before the
projection is written, so every property name has one type across the graph.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from kg.errors import KgError
from kg.propertygraph import edge_properties, node_labels, node_properties, passage_id

MARKER = "InnovationKG"
PASSAGE = "Passage"
DOCUMENT = "Document"
HAS_EVIDENCE = "HAS_EVIDENCE"
IN_DOCUMENT = "IN_DOCUMENT"
#: What the two Neo4j-only relationship types stand for in the RDF graph.
EXTRA_TYPES = {HAS_EVIDENCE: "prov:wasDerivedFrom", IN_DOCUMENT: "dcterms:isPartOf"}

IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

#: Neo4j type names of property values (as ``SHOW``/``db.schema`` print them).
STRING, INTEGER, FLOAT, BOOLEAN = "STRING", "INTEGER", "FLOAT", "BOOLEAN"
SCALARS = {str: STRING, bool: BOOLEAN, int: INTEGER, float: FLOAT}


@dataclass(frozen=True)
class Node:
    """A node: its id, its class (``kind``), its labels (class and superclasses) and props."""

    id: str
    kind: str
    labels: tuple[str, ...]
    props: dict[str, Any]


@dataclass(frozen=True)
class Relationship:
    """A relationship between two node ids with its type and properties."""

    source: str
    target: str
    type: str
    props: dict[str, Any]


@dataclass(frozen=True)
class PropertyGraph:
    """Every node and relationship of one build, sorted (same store, same order)."""

    nodes: tuple[Node, ...]
    relationships: tuple[Relationship, ...]
    build: str = ""


@dataclass(frozen=True)
class Property:
    """A property name and its Neo4j type."""

    name: str
    type: str


@dataclass(frozen=True)
class LabelSpec:
    """A node label: how many nodes carry it and their properties."""

    name: str
    count: int
    properties: tuple[Property, ...]
    description: str = ""


@dataclass(frozen=True)
class TypeSpec:
    """A relationship type: the ontology relation it stands for, its ends and properties."""

    name: str
    relation: str
    count: int
    start: tuple[str, ...]
    end: tuple[str, ...]
    properties: tuple[Property, ...]


@dataclass(frozen=True)
class Schema:
    """The labels, relationship types and property types of a property graph."""

    labels: tuple[LabelSpec, ...]
    types: tuple[TypeSpec, ...]
    marker: str = MARKER
    property_types: dict[str, str] = field(default_factory=dict)

    @property
    def label_names(self) -> list[str]:
        return [spec.name for spec in self.labels]

    @property
    def type_names(self) -> list[str]:
        return [spec.name for spec in self.types]

    def property_names(self) -> list[str]:
        """Every property name of nodes and relationships, sorted."""
        return sorted(self.property_types)


def value_type(value: Any) -> str | None:
    """The Neo4j type of a property value; ``None`` for an empty list (type unknown).

    >>> [value_type(v) for v in ("a", 3, 2.5, ["x"], [1, 2], [])]
    ['STRING', 'INTEGER', 'FLOAT', 'LIST<STRING>', 'LIST<INTEGER>', None]
    """
    if isinstance(value, list):
        kinds = {value_type(v) for v in value}
        if not kinds:
            return None
        if len(kinds) > 1 or any(k is None or k.startswith("LIST") for k in kinds):
            raise ValueError(f"mixed or nested list {value!r}")
        return f"LIST<{kinds.pop()}>"
    kind = SCALARS.get(type(value))
    if kind is None:
        raise ValueError(f"unsupported property value {value!r}")
    return kind


#: The range of a Neo4j INTEGER (64-bit signed).
INT_MIN, INT_MAX = -2 ** 63, 2 ** 63 - 1


def unstorable(value: Any) -> str | None:
    """Why Neo4j cannot store ``value`` as a property (None if it can): it stores text,
    booleans, 64-bit integers, finite floats and lists of one of these types, nothing else.

    >>> [unstorable(v) for v in ("a", 3, [1, 2], [], True)]
    [None, None, None, None, None]
    >>> [unstorable(v) for v in (["a", None], {"k": 1}, [1, "a"], 2**64)]  # doctest: +NORMALIZE_WHITESPACE
    ['a list holding null', 'a map', 'a list mixing INTEGER and STRING',
     'an integer beyond 64 bits']
    """
    if isinstance(value, list):
        for item in value:
            if isinstance(item, list):
                return "a list inside a list"
            problem = unstorable(item)
            if problem:
                return f"a list holding {problem}"
        kinds = sorted({SCALARS[type(item)] for item in value})
        return f"a list mixing {' and '.join(kinds)}" if len(kinds) > 1 else None
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a map"
    if type(value) not in SCALARS:
        return f"a {type(value).__name__}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} (not a finite number)"
    if type(value) is int and not INT_MIN <= value <= INT_MAX:
        return "an integer beyond 64 bits"
    return None


def _quick_type(value: Any) -> str:
    """The Neo4j type of a common, always storable value (text, boolean, 64-bit integer, a
    non-empty list of texts or of such integers); ``""`` for anything else (then
    :func:`unstorable` and :func:`value_type` decide)."""
    kind = type(value)
    if kind is str:
        return STRING
    if kind is bool:
        return BOOLEAN
    if kind is int:
        return INTEGER if INT_MIN <= value <= INT_MAX else ""
    if kind is list and value:
        first = type(value[0])
        if first is str and all(type(v) is str for v in value):
            return "LIST<STRING>"
        if first is int and all(type(v) is int and INT_MIN <= v <= INT_MAX for v in value):
            return "LIST<INTEGER>"
    return ""


def check_props(owner: str, props: dict[str, Any]) -> dict[str, Any]:
    """``props`` if Neo4j can store every value, else a one-line error naming ``owner``
    (an entity id or a relationship) and the property."""
    for key, value in props.items():
        if _quick_type(value):
            continue
        problem = unstorable(value)
        if problem:
            shown = repr(value)
            shown = shown if len(shown) <= 60 else shown[:59] + "…"
            raise KgError(f"property {key!r} = {shown} cannot be stored in Neo4j: {problem}",
                          where=owner, hint="Neo4j stores text, true/false, 64-bit integers, "
                          "finite floats and lists of one of these; fix the annotations and run "
                          "`kg build`")
    return props


def _passage_props(evidence: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {"id": passage_id(evidence), "document": evidence["document"]}
    if evidence.get("section"):
        props["section"] = evidence["section"]
    props.update(startOffset=evidence["start"], endOffset=evidence["end"],
                 quote=evidence["quote"])
    return props


def entity_node(node: dict[str, Any], classes: dict[str, Any],
                labels: tuple[str, ...] | None = None) -> Node:
    """The property-graph node of one projection node (labels and properties checked);
    ``labels``, when given, are those of its class (computed for an earlier node)."""
    if labels is None:
        labels = tuple(node_labels(node, classes))
        bad = [label for label in labels if not IDENTIFIER.match(label)]
        if bad:
            raise KgError(f"class name {bad[0]!r} cannot be a Neo4j label", where=node["id"])
    return Node(node["id"], node["class"], labels, check_props(node["id"], node_properties(node)))


def passage_node(evidence: dict[str, Any]) -> Node:
    """The ``:Passage`` node of an evidence span."""
    pid = passage_id(evidence)
    return Node(pid, PASSAGE, (PASSAGE,), check_props(pid, _passage_props(evidence)))


def document_node_id(evidence: dict[str, Any]) -> str:
    """The id of the document an evidence span is part of (the ``IN_DOCUMENT`` target)."""
    return f"document/{evidence['document']}"


def edge_relationship(edge: dict[str, Any]) -> Relationship:
    """The relationship of one projection edge (type and properties checked)."""
    if not IDENTIFIER.match(edge["type"]):
        raise KgError(f"relation type {edge['type']!r} cannot be a Neo4j type",
                      where=f"{edge['source']} -{edge['relation']}-> {edge['target']}")
    owner = f"{edge['source']} -{edge['relation']}-> {edge['target']}"
    return Relationship(edge["source"], edge["target"], edge["type"],
                        check_props(owner, edge_properties(edge)))


def property_graph(projection: dict[str, Any], build: str = "") -> PropertyGraph:
    """The Neo4j property graph of a projection (pure: no I/O)."""
    classes = projection.get("classes", {})
    nodes: dict[str, Node] = {}
    passages: dict[str, dict[str, Any]] = {}
    rels: dict[tuple[str, str, str], Relationship] = {}

    def add_rel(rel: Relationship) -> None:
        key = (rel.type, rel.source, rel.target)
        if key in rels and rels[key].props != rel.props:
            raise KgError(f"two {rel.type} relationships from {rel.source} to {rel.target}",
                          hint="the property graph keeps one relationship per type and pair")
        rels[key] = rel

    for node in projection["nodes"]:
        nodes[node["id"]] = entity_node(node, classes)
        for evidence in node.get("evidence", []):
            pid = passage_id(evidence)
            passages.setdefault(pid, evidence)
            add_rel(Relationship(node["id"], pid, HAS_EVIDENCE, {}))
    for edge in projection["edges"]:
        rel = edge_relationship(edge)
        for evidence in edge.get("evidence", []):
            passages.setdefault(passage_id(evidence), evidence)
        add_rel(rel)
    for pid, evidence in passages.items():
        if pid in nodes:
            raise KgError(f"passage id {pid!r} is also an entity id")
        nodes[pid] = passage_node(evidence)
        add_rel(Relationship(pid, document_node_id(evidence), IN_DOCUMENT, {}))
    for rel in rels.values():
        for end in (rel.source, rel.target):
            if end not in nodes:
                raise unknown_end(rel, end)
    ordered_rels = sorted(rels.values(), key=lambda r: (r.type, r.source, r.target))
    return PropertyGraph(tuple(nodes[k] for k in sorted(nodes)), tuple(ordered_rels), build)


def unknown_end(rel: Relationship, end: str) -> KgError:
    """The error for a relationship whose end ``end`` is no node of the graph."""
    return KgError(f"{rel.type} relationship ends at unknown node {end!r}",
                   where=f"{rel.source} -> {rel.target}", hint="run `kg build` again")


def relation_names(projection: Mapping[str, Any]) -> dict[str, str]:
    """Relationship type -> ontology relation name (plus the two Neo4j-only types)."""
    out = {info["type"]: name for name, info in projection.get("relations", {}).items()}
    out.update(EXTRA_TYPES)
    return out


class SchemaBuilder:
    """The schema of a property graph fed one node and one relationship at a time (memory: the
    labels, types and property names, not the graph). Nodes first, then relationships, each
    with the classes of its two ends; :meth:`schema` gives the result."""

    def __init__(self) -> None:
        self.types: dict[str, str] = {}
        self._owners: dict[str, str] = {}
        self._names: set[str] = set()  # property names checked to be identifiers
        self.label_props: dict[str, set[str]] = {}
        self.label_count: dict[str, int] = {}
        #: class -> every property name its nodes carry (the neo4j-csv columns)
        self.kind_props: dict[str, set[str]] = {}
        self.type_props: dict[str, set[str]] = {}
        self.type_count: dict[str, int] = {}
        self.ends: dict[str, tuple[set[str], set[str]]] = {}
        self.nodes = 0
        self.relationships = 0

    def _note(self, owner: str, props: dict[str, Any]) -> None:
        types, owners = self.types, self._owners
        for key, value in props.items():
            if key not in self._names:
                if not IDENTIFIER.match(key):
                    raise KgError(f"property name {key!r} cannot be a Neo4j property",
                                  where=owner)
                self._names.add(key)
            kind: str | None = _quick_type(value)
            if not kind:
                check_props(owner, {key: value})
                kind = value_type(value)
            if kind is None:
                types.setdefault(key, "")
                continue
            if types.get(key) and types[key] != kind:
                raise KgError(f"property {key!r} is {kind} here but {types[key]} on "
                              f"{owners[key]}", where=owner,
                              hint="fix the value's type in the annotations")
            if not types.get(key):
                types[key], owners[key] = kind, owner

    def node(self, node: Node) -> None:
        """Count ``node`` and note its labels and property types."""
        self._note(node.id, node.props)
        self.nodes += 1
        for label in node.labels:
            self.label_props.setdefault(label, set()).update(node.props)
            self.label_count[label] = self.label_count.get(label, 0) + 1
        self.kind_props.setdefault(node.kind, set()).update(node.props)

    def relationship(self, rel: Relationship, source_kind: str, target_kind: str) -> None:
        """Count ``rel`` (whose ends have these classes) and note its property types."""
        self._note(f"{rel.source} -{rel.type}-> {rel.target}", rel.props)
        self.relationships += 1
        self.type_props.setdefault(rel.type, set()).update(rel.props)
        self.type_count[rel.type] = self.type_count.get(rel.type, 0) + 1
        start, end = self.ends.setdefault(rel.type, (set(), set()))
        start.add(source_kind)
        end.add(target_kind)

    def schema(self, relations: Mapping[str, str] | None = None,
               descriptions: Mapping[str, str] | None = None) -> Schema:
        """Labels, types and property types of what was fed; one type per property."""
        relations = relations or {}
        descriptions = descriptions or {}
        # a property only ever an empty list: the evidence arrays are the only lists
        types = {key: kind or "LIST<STRING>" for key, kind in self.types.items()}

        def props(names: Iterable[str]) -> tuple[Property, ...]:
            return tuple(Property(n, types[n]) for n in _property_order(names))

        labels = [LabelSpec(MARKER, self.nodes, (Property("id", STRING),),
                            "every node pushed or exported by innovation-kg")]
        labels += [LabelSpec(name, self.label_count[name], props(self.label_props[name]),
                             descriptions.get(name, ""))
                   for name in sorted(self.label_props)]
        rel_specs = [TypeSpec(name, relations.get(name, ""), self.type_count[name],
                              tuple(sorted(self.ends[name][0])), tuple(sorted(self.ends[name][1])),
                              props(self.type_props[name]))
                     for name in sorted(self.type_props)]
        return Schema(tuple(labels), tuple(rel_specs), MARKER, dict(sorted(types.items())))


def schema_of(graph: PropertyGraph, relations: Mapping[str, str] | None = None,
              descriptions: Mapping[str, str] | None = None) -> Schema:
    """Labels, types and property types actually used by ``graph``; one type per property."""
    builder = SchemaBuilder()
    for node in graph.nodes:
        builder.node(node)
    kinds = {node.id: node.kind for node in graph.nodes}
    for rel in graph.relationships:
        builder.relationship(rel, kinds[rel.source], kinds[rel.target])
    return builder.schema(relations, descriptions)


_FIRST = ("id", "document", "label_zh", "label_en", "alt_labels_zh", "alt_labels_en",
          "definition_zh", "definition_en", "section", "startOffset", "endOffset", "quote",
          "modality", "evidence_passages", "evidence_documents", "evidence_sections",
          "evidence_starts", "evidence_ends", "evidence_quotes")


def _property_order(names: Iterable[str]) -> list[str]:
    """The common properties first (in a fixed order), then the rest alphabetically."""
    names = set(names)
    head = [n for n in _FIRST if n in names]
    return head + sorted(names - set(head))


def neo4j_labels(node: Node) -> tuple[str, ...]:
    """The labels a node gets in Neo4j: the marker, then its class labels."""
    return (MARKER, *node.labels)


def load(data_dir: Path) -> tuple[PropertyGraph, Schema]:
    """The property graph and schema of the current build of ``data_dir``."""
    from kg.store import load_manifest, load_projection

    projection = load_projection(data_dir)
    build = str(load_manifest(data_dir).get("build", ""))
    graph = property_graph(projection, build)
    return graph, schema_of(graph, relation_names(projection), class_descriptions(projection))


def class_descriptions(projection: Mapping[str, Any]) -> dict[str, str]:
    """Label -> description: each class's English definition (and the Passage label's)."""
    descriptions = {name: info.get("definition", {}).get("en", "")
                    for name, info in projection.get("classes", {}).items()}
    descriptions[PASSAGE] = descriptions.get(PASSAGE) or "a verbatim span of a document"
    return descriptions


def schema_json(schema: Schema) -> dict[str, Any]:
    """The schema as plain JSON."""
    return {
        "marker": schema.marker,
        "labels": [{"label": s.name, "nodes": s.count, "description": s.description,
                    "properties": {p.name: p.type for p in s.properties}} for s in schema.labels],
        "relationships": [{"type": s.name, "relation": s.relation, "count": s.count,
                           "start": list(s.start), "end": list(s.end),
                           "properties": {p.name: p.type for p in s.properties}}
                          for s in schema.types],
        "property_types": dict(schema.property_types),
    }


def schema_markdown(schema: Schema) -> str:
    """The mapping as two Markdown tables (labels; relationship types), without counts."""
    def plist(props: tuple[Property, ...], skip: tuple[str, ...] = ()) -> str:
        return ", ".join(f"`{p.name}` {p.type}" for p in props if p.name not in skip) or "—"

    common = ("id", "document", "label_zh", "label_en", "alt_labels_zh", "alt_labels_en",
              "definition_zh", "definition_en")
    lines = ["| label | properties (besides the common ones) |", "|---|---|"]
    for spec in schema.labels:
        if spec.name == schema.marker:
            lines.append(f"| `{spec.name}` | marker on every node; `id` STRING is unique |")
        else:
            lines.append(f"| `{spec.name}` | {plist(spec.properties, common)} |")
    evidence = next((s.properties for s in schema.types if len(s.properties) > 1), ())
    lines += ["", "| relationship type | ontology relation | from → to | properties |",
              "|---|---|---|---|"]
    for spec in schema.types:
        shown = "evidence (see below)" if spec.properties and spec.properties == evidence \
            else plist(spec.properties)
        start = ", ".join(spec.start) if len(spec.start) <= 6 else "any entity with evidence"
        lines.append(f"| `{spec.name}` | {spec.relation or '—'} | "
                     f"{start} → {', '.join(spec.end)} | {shown} |")
    if evidence:
        lines += ["", "Evidence properties of every domain relationship: " + plist(evidence) + "."]
    lines += ["", "Common node properties (when present): " + ", ".join(
        f"`{n}` {schema.property_types[n]}" for n in common if n in schema.property_types) + "."]
    return "\n".join(lines) + "\n"
