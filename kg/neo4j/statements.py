"""Pure Cypher builders (Neo4j 5 syntax) for push, wipe and the ``cypher`` export.

Statement text holds only labels, relationship types and property names checked against the
mapping (identifiers of the ontology's fixed set); every value travels as the ``$rows`` (or
``$limit``, ``$prefix``) parameter. The only place values become Cypher text is
:func:`cypher_literal`, used for the ``:param`` lines of the cypher-shell script.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Sequence

from kg.neo4j.mapping import (
    IDENTIFIER, MARKER, Node, PropertyGraph, Relationship, Schema)

#: Every constraint and index this project creates is named with this prefix.
NAME_PREFIX = "innovation_kg_"
CONSTRAINT = NAME_PREFIX + "id"
#: Rows per UNWIND batch (push and script), chosen with benchmarks/bench_exports.py: the
#: fewest transactions whose ``$rows`` stays under 1 MB on the 100x graph (137 transactions,
#: at most 624 KB each; 2000 rows reach 1.1 MB). See docs/neo4j.md, "Batch size and speed".
DEFAULT_BATCH_SIZE = 1000
#: Nodes detached and deleted per wipe transaction.
WIPE_BATCH_SIZE = 5000
SCHEMA_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

WIPE_BATCH = (f"MATCH (n:{MARKER})\n"
              "WITH n LIMIT $limit\n"
              "DETACH DELETE n\n"
              "RETURN count(*) AS deleted")
SHOW_CONSTRAINTS = ("SHOW CONSTRAINTS YIELD name\n"
                    "WHERE name STARTS WITH $prefix\n"
                    "RETURN name ORDER BY name")
SHOW_INDEXES = ("SHOW INDEXES YIELD name, owningConstraint\n"
                "WHERE name STARTS WITH $prefix AND owningConstraint IS NULL\n"
                "RETURN name ORDER BY name")
#: What push reads before it writes: this project's nodes (id, labels) and the relationships
#: between two of them (type and ends, how many of each).
PROJECT_NODES = (f"MATCH (n:{MARKER})\n"
                 "RETURN n.id AS id, labels(n) AS labels")
PROJECT_RELATIONSHIPS = (f"MATCH (a:{MARKER})-[r]->(b:{MARKER})\n"
                         "RETURN a.id AS source, type(r) AS type, b.id AS target, count(r) AS n")
#: Project nodes whose id is no longer in the build go, with every relationship they have.
STALE_NODES = ("UNWIND $rows AS row\n"
               f"MATCH (n:{MARKER} {{id: row.id}})\n"
               "DETACH DELETE n\n"
               "RETURN count(*) AS deleted")
#: Project nodes without an id (made by hand: push never writes one) go too, in batches.
NO_ID_BATCH = (f"MATCH (n:{MARKER})\n"
               "WHERE n.id IS NULL\n"
               "WITH n LIMIT $limit\n"
               "DETACH DELETE n\n"
               "RETURN count(*) AS deleted")


@dataclass(frozen=True)
class Batch:
    """One parameterised statement and the rows it is run with (``$rows``)."""

    kind: str  # "nodes" | "relationships" | "stale-nodes" | "stale-relationships"
    statement: str
    rows: list[dict[str, Any]]


def _identifier(name: str, allowed: Iterable[str] | None = None) -> str:
    """``name`` if it is a plain identifier (and in ``allowed``), else ``ValueError``."""
    if not IDENTIFIER.match(name) or (allowed is not None and name not in set(allowed)):
        raise ValueError(f"not a label/type/property of the mapping: {name!r}")
    return name


def index_name(label: str) -> str:
    """The name of the ``id`` index of a label.

    >>> index_name("MechanismStage")
    'innovation_kg_mechanism_stage_id'
    """
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", _identifier(label)).lower()
    return f"{NAME_PREFIX}{snake}_id"


def constraint_statements(schema: Schema) -> list[str]:
    """The uniqueness constraint on ``(:InnovationKG {id})``, then an ``id`` index per label.

    Every MERGE and MATCH of push goes through the constraint; the per-label indexes serve
    user queries such as ``MATCH (b:Barrier {id: $id})``.
    """
    out = [f"CREATE CONSTRAINT {CONSTRAINT} IF NOT EXISTS\n"
           f"FOR (n:{_identifier(schema.marker)}) REQUIRE n.id IS UNIQUE"]
    for label in schema.label_names:
        if label != schema.marker:
            out.append(f"CREATE INDEX {index_name(label)} IF NOT EXISTS\n"
                       f"FOR (n:{_identifier(label)}) ON (n.id)")
    return out


def node_statement(labels: Sequence[str], remove: Iterable[str] = ()) -> str:
    """MERGE nodes by id on the marker label, give them exactly their class labels, sync
    their properties.

    ``remove`` names labels to take off (stale class labels found on the server by push;
    empty for a fresh load and in the cypher export). Properties are written only when they
    differ, so a second push changes nothing; the returned ``changed`` counts the nodes
    created, given a label, stripped of one or whose properties were rewritten.

    >>> print(node_statement(["Barrier"]))
    UNWIND $rows AS row
    MERGE (n:InnovationKG {id: row.id})
    WITH n, row, NOT (n:Barrier) AS relabel
    SET n:Barrier
    WITH n, row, relabel
    WHERE relabel OR properties(n) <> row.props
    SET n = row.props
    RETURN count(n) AS changed
    >>> print(node_statement(["Organization", "Platform"], remove=["Problem"]))
    UNWIND $rows AS row
    MERGE (n:InnovationKG {id: row.id})
    WITH n, row, NOT (n:Organization AND n:Platform) OR n:Problem AS relabel
    REMOVE n:Problem
    SET n:Organization:Platform
    WITH n, row, relabel
    WHERE relabel OR properties(n) <> row.props
    SET n = row.props
    RETURN count(n) AS changed
    """
    names = [_identifier(label) for label in labels if label != MARKER]
    if not names:
        raise ValueError("a node needs at least one class label")
    stale = sorted({_identifier(label) for label in remove} - set(names) - {MARKER})
    has_all = " AND ".join(f"n:{name}" for name in names)
    relabel = "".join([f"NOT ({has_all})"] + [f" OR n:{name}" for name in stale])
    removal = f"REMOVE n:{':'.join(stale)}\n" if stale else ""
    return (f"UNWIND $rows AS row\n"
            f"MERGE (n:{MARKER} {{id: row.id}})\n"
            f"WITH n, row, {relabel} AS relabel\n"
            f"{removal}"
            f"SET n:{':'.join(names)}\n"
            f"WITH n, row, relabel\n"
            f"WHERE relabel OR properties(n) <> row.props\n"
            f"SET n = row.props\n"
            f"RETURN count(n) AS changed")


def relationship_statement(rel_type: str) -> str:
    """MATCH both ends through the constraint, MERGE the relationship, sync its properties.

    >>> print(relationship_statement("HINDERS"))
    UNWIND $rows AS row
    MATCH (a:InnovationKG {id: row.source})
    MATCH (b:InnovationKG {id: row.target})
    MERGE (a)-[r:HINDERS]->(b)
    WITH r, row
    WHERE properties(r) <> row.props
    SET r = row.props
    RETURN count(r) AS changed
    """
    return (f"UNWIND $rows AS row\n"
            f"MATCH (a:{MARKER} {{id: row.source}})\n"
            f"MATCH (b:{MARKER} {{id: row.target}})\n"
            f"MERGE (a)-[r:{_identifier(rel_type)}]->(b)\n"
            f"WITH r, row\n"
            f"WHERE properties(r) <> row.props\n"
            f"SET r = row.props\n"
            f"RETURN count(r) AS changed")


def delete_relationships_statement(rel_type: str, keep_one: bool = False) -> str:
    """Delete the ``rel_type`` relationships between two project nodes (``$rows`` of
    ``source`` and ``target`` ids); with ``keep_one``, all but one of them (duplicates).

    >>> print(delete_relationships_statement("HINDERS"))
    UNWIND $rows AS row
    MATCH (:InnovationKG {id: row.source})-[r:HINDERS]->(:InnovationKG {id: row.target})
    DELETE r
    RETURN count(*) AS deleted
    """
    match = (f"UNWIND $rows AS row\n"
             f"MATCH (:{MARKER} {{id: row.source}})-[r:{_identifier(rel_type)}]->"
             f"(:{MARKER} {{id: row.target}})\n")
    if not keep_one:
        return match + "DELETE r\nRETURN count(*) AS deleted"
    return (match + "WITH row, collect(r) AS found\n"
            "UNWIND found[1..] AS extra\n"
            "DELETE extra\n"
            "RETURN count(*) AS deleted")


def drop_statement(kind: str, name: str) -> str:
    """``DROP CONSTRAINT|INDEX name IF EXISTS`` for a name of this project only.

    >>> drop_statement("INDEX", "innovation_kg_barrier_id")
    'DROP INDEX innovation_kg_barrier_id IF EXISTS'
    """
    if kind not in ("CONSTRAINT", "INDEX"):
        raise ValueError(f"cannot drop a {kind}")
    if not (name.startswith(NAME_PREFIX) and SCHEMA_NAME.match(name)):
        raise ValueError(f"not a constraint or index of this project: {name!r}")
    return f"DROP {kind} {name} IF EXISTS"


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def load_plan(graph: PropertyGraph, batch_size: int = DEFAULT_BATCH_SIZE,
              remove: Mapping[str, Iterable[str]] | None = None) -> list[Batch]:
    """Every batch push runs after the constraints: nodes by label set, then relationships.

    ``remove`` maps node ids to stale labels to take off them (see :func:`stale_labels`);
    a batch holding such a node removes them (a no-op for the other nodes of the batch)."""
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    remove = remove or {}
    by_labels: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for node in graph.nodes:
        by_labels.setdefault(node.labels, []).append({"id": node.id, "props": node.props})
    by_type: dict[str, list[dict[str, Any]]] = {}
    for rel in graph.relationships:
        by_type.setdefault(rel.type, []).append(
            {"source": rel.source, "target": rel.target, "props": rel.props})
    plan = []
    for labels in sorted(by_labels):
        for chunk in _chunks(by_labels[labels], batch_size):
            stale = {label for row in chunk for label in remove.get(row["id"], ())}
            plan.append(Batch("nodes", node_statement(labels, stale), list(chunk)))
    for rel_type in sorted(by_type):
        statement = relationship_statement(rel_type)
        plan += [Batch("relationships", statement, list(chunk))
                 for chunk in _chunks(by_type[rel_type], batch_size)]
    return plan


def stale_labels(graph: PropertyGraph,
                 on_server: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """For each node of ``graph`` found on the server (id -> its labels there), the labels
    it has there but not in the build. Only names this project could have written (plain
    identifiers) count: others are left alone."""
    out = {}
    for node in graph.nodes:
        if node.id in on_server:
            extra = set(on_server[node.id]) - set(node.labels) - {MARKER}
            extra = {label for label in extra if IDENTIFIER.match(label)}
            if extra:
                out[node.id] = sorted(extra)
    return out


def cleanup_plan(graph: PropertyGraph, node_ids: Iterable[Any],
                 relationships: Mapping[tuple[Any, Any, Any], int],
                 batch_size: int = DEFAULT_BATCH_SIZE) -> list[Batch]:
    """The batches that remove what a new build no longer has, given the server's project
    node ids and ``(type, source, target) -> count`` of the relationships between them:
    first the stale relationships (and extra copies of a relationship of the build), by type,
    then the stale nodes (``DETACH DELETE``). Types that are not plain identifiers (never
    written by push) are left alone, and so are relationships whose ends have no id."""
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    keep = {(rel.type, rel.source, rel.target) for rel in graph.relationships}
    stale: dict[tuple[str, bool], list[dict[str, Any]]] = {}
    for (rel_type, source, target), count in sorted(relationships.items(), key=repr):
        if source is None or target is None or not isinstance(rel_type, str) \
                or not IDENTIFIER.match(rel_type):
            continue
        kept = (rel_type, source, target) in keep
        if kept and count <= 1:
            continue
        stale.setdefault((rel_type, kept), []).append({"source": source, "target": target})
    plan = []
    for (rel_type, kept), rows in sorted(stale.items()):
        statement = delete_relationships_statement(rel_type, keep_one=kept)
        plan += [Batch("stale-relationships", statement, list(chunk))
                 for chunk in _chunks(rows, batch_size)]
    wanted = {node.id for node in graph.nodes}
    gone = sorted((i for i in node_ids if i is not None and i not in wanted), key=repr)
    plan += [Batch("stale-nodes", STALE_NODES, [{"id": i} for i in chunk])
             for chunk in _chunks(gone, batch_size)]
    return plan


def all_statements(graph: PropertyGraph, schema: Schema) -> list[str]:
    """Every distinct statement text push and wipe can run, in order (the stale-label and
    stale-relationship variants for the first label set and every type)."""
    out = constraint_statements(schema)
    out += [PROJECT_NODES, PROJECT_RELATIONSHIPS]
    types = sorted({rel.type for rel in graph.relationships})
    out += [delete_relationships_statement(t, keep) for t in types for keep in (False, True)]
    out += [STALE_NODES, NO_ID_BATCH]
    plan = load_plan(graph)
    out += list(dict.fromkeys(batch.statement for batch in plan))
    labels = sorted({node.labels for node in graph.nodes})
    if len(labels) > 1:
        out.append(node_statement(labels[0], [label for label in labels[1]
                                              if label not in labels[0]]))
    out += [SHOW_CONSTRAINTS, SHOW_INDEXES, WIPE_BATCH]
    return list(dict.fromkeys(out))


_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
            "\f": "\\f"}


#: What a Cypher string literal cannot hold as is: quotes, backslashes, control characters
#: and the Unicode line and paragraph separators.
_SPECIAL = re.compile("[\\\\'\x00-\x1f\x7f\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    return _ESCAPES.get(ch) or f"\\u{ord(ch):04x}"


def _string_literal(text: str) -> str:
    return "'" + _SPECIAL.sub(_escape, text) + "'"


def _key(name: str) -> str:
    return name if IDENTIFIER.match(name) else "`" + name.replace("`", "``") + "`"


def cypher_literal(value: Any) -> str:
    r"""A Cypher literal for a JSON-like value; strings escaped, always on one line.

    >>> print(cypher_literal({"id": "a'b", "n": [1, 2.5], "t": "x\ny", "ok": True, "no": None}))
    {id: 'a\'b', n: [1, 2.5], t: 'x\ny', ok: true, no: null}
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"no Cypher literal for {value!r}")
        return repr(value)
    if isinstance(value, str):
        return _string_literal(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(str(k))}: {cypher_literal(v)}"
                               for k, v in value.items()) + "}"
    raise ValueError(f"no Cypher literal for {type(value).__name__}")


def param_command(rows: list[dict[str, Any]]) -> str:
    """The cypher-shell / Neo4j Browser command that sets ``$rows`` (one line).

    >>> param_command([{"id": "x"}])
    ":param rows => [{id: 'x'}]"
    """
    return ":param rows => " + cypher_literal(rows)


def script(graph: PropertyGraph, schema: Schema, batch_size: int = DEFAULT_BATCH_SIZE,
           header: Sequence[str] = ()) -> str:
    """A cypher-shell script: the constraints, then per batch ``:param rows => …;`` and the
    same parameterised statement that push runs (``cypher-shell -f``, Neo4j Browser).

    The ``;`` after ``:param`` is what Neo4j's Cypher front end requires between a command and
    the next statement; cypher-shell strips it from the parameter expression.
    """
    return "".join(script_lines(schema, load_plan(graph, batch_size), header))


def script_lines(schema: Schema, batches: Iterable[Batch],
                 header: Sequence[str] = ()) -> Iterator[str]:
    """The lines of :func:`script` (each with its line break) for these batches, one by one."""
    for line in header:
        yield (f"// {line}" if line else "//") + "\n"
    if header:
        yield "\n"
    for statement in constraint_statements(schema):
        yield statement + ";\n"
    for batch in batches:
        yield "\n"
        yield param_command(batch.rows) + ";\n"
        yield batch.statement + ";\n"


def stream_plan(node_groups: Iterable[tuple[tuple[str, ...], Iterable[Node]]],
                rel_groups: Iterable[tuple[str, Iterable[Relationship]]],
                batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[Batch]:
    """The batches of :func:`load_plan` (without stale labels), from the nodes of each label
    set (label sets sorted, nodes by id) and the relationships of each type (types sorted,
    relationships by source and target), given as streams: one batch in memory at a time."""
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    for labels, nodes in node_groups:
        statement = node_statement(labels)
        rows = ({"id": node.id, "props": node.props} for node in nodes)
        for chunk in _batched(rows, batch_size):
            yield Batch("nodes", statement, chunk)
    for rel_type, rels in rel_groups:
        statement = relationship_statement(rel_type)
        rows = ({"source": rel.source, "target": rel.target, "props": rel.props} for rel in rels)
        for chunk in _batched(rows, batch_size):
            yield Batch("relationships", statement, chunk)


def _batched(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while True:
        chunk = list(itertools.islice(iterator, size))
        if not chunk:
            return
        yield chunk
