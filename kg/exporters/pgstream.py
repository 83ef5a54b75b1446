"""The Neo4j property graph of a build, read row by row from its ``index.sqlite``.

:func:`kg.neo4j.mapping.load` builds every node and relationship in memory (1–3.4 GB for the
property-graph exports of a 600-paper corpus). :class:`IndexedGraph` gives the same nodes and
relationships, in the same orders, as streams over the index's ``nodes`` and ``edges`` tables
(sorted by SQLite), mapped one at a time by :mod:`kg.neo4j.mapping`, so that the ``cypher``,
``neo4j-csv`` and ``graphml`` exports write with flat memory.

Opening it makes one pass over the index: the distinct evidence passages (the first evidence
of each span, in the projection's order, as :func:`kg.neo4j.mapping.property_graph` keeps it)
go to a private temporary SQLite database (on disk, removed when the connection closes), and a
:class:`kg.neo4j.mapping.SchemaBuilder` sees every node and relationship, so that the schema,
the counts and the checks (labels, property types, relationship ends) are known before
anything is written.
"""

from __future__ import annotations

import heapq
import itertools
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from kg.errors import KgError
from kg.neo4j.mapping import (
    EXTRA_TYPES, HAS_EVIDENCE, IN_DOCUMENT, PASSAGE, Node, Relationship, Schema, SchemaBuilder,
    class_descriptions, document_node_id, edge_relationship, entity_node, passage_node,
    relation_names, unknown_end)
from kg.propertygraph import passage_id

#: Rows inserted into the passage table per ``executemany``.
_BATCH = 5000


def _damaged(path: Path, detail: str) -> KgError:
    from kg.index.view import IndexCorrupt

    return IndexCorrupt(detail, path)


class IndexedGraph:
    """The property graph of the current build of ``data_dir`` as sorted streams.

    ``nodes()`` and ``relationships(type)`` give what :class:`kg.neo4j.mapping.PropertyGraph`
    holds (``graph.nodes``; ``graph.relationships`` of one type), in the same order;
    ``schema``, ``node_count``, ``relationship_count`` and ``kind_props`` are known once the
    object exists. Close it (or use it as a context manager) to drop the temporary table.
    """

    def __init__(self, data_dir: Path) -> None:
        from kg.index import INDEX_VERSION
        from kg.store import index_path, load_manifest

        self._path = index_path(data_dir)
        self.build = str(load_manifest(data_dir).get("build", ""))
        try:
            self._conn = sqlite3.connect(f"file:{self._path}?mode=ro&immutable=1", uri=True)
            self._conn.execute("ATTACH DATABASE '' AS scratch")
            self._conn.execute("CREATE TABLE scratch.passages (pid TEXT PRIMARY KEY, "
                               "data TEXT NOT NULL) WITHOUT ROWID")
            meta = {key: json.loads(value) for key, value in self._conn.execute(
                "SELECT key, value FROM meta WHERE key IN "
                "('classes', 'relations', 'index_version')")}
        except sqlite3.DatabaseError as exc:
            raise _damaged(self._path, str(exc)) from None
        if meta.get("index_version") != INDEX_VERSION:
            raise _damaged(self._path, "not an index of this version")
        self.classes: dict[str, Any] = meta.get("classes", {})
        #: relation name -> relationship type
        self._type_of = {name: info["type"] for name, info in meta.get("relations", {}).items()}
        clash = sorted(set(self._type_of.values()) & set(EXTRA_TYPES))
        if clash:
            raise KgError(f"relation type {clash[0]} is also a type of the Neo4j mapping",
                          hint="rename the relation in the ontology")
        self._labels: dict[str, tuple[str, ...]] = {}
        self._builder = SchemaBuilder()
        self._first_pass()
        projection = {"relations": meta.get("relations", {}), "classes": self.classes}
        self.schema: Schema = self._builder.schema(relation_names(projection),
                                                   class_descriptions(projection))
        self.node_count = self._builder.nodes
        self.relationship_count = self._builder.relationships
        #: class -> the property names of its nodes (the columns of its neo4j-csv file)
        self.kind_props = {kind: frozenset(names)
                           for kind, names in self._builder.kind_props.items()}

    # -- reading -------------------------------------------------------------------------

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of a query, fetched as they are consumed (a fresh cursor per query)."""
        try:
            cursor = self._conn.execute(sql, args)
            while True:
                rows = cursor.fetchmany(1000)
                if not rows:
                    return
                yield from rows
        except sqlite3.DatabaseError as exc:
            raise _damaged(self._path, str(exc)) from None

    def close(self) -> None:
        """Close the index (and drop the temporary passage table)."""
        self._conn.close()

    def __enter__(self) -> "IndexedGraph":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _entity(self, node: dict[str, Any]) -> Node:
        """:func:`entity_node`, its labels computed (and checked) once per class."""
        labels = self._labels.get(node["class"])
        if labels is None:
            labels = self._labels[node["class"]] = entity_node(node, self.classes).labels
        return entity_node(node, self.classes, labels)

    def _relations_of(self, rel_type: str) -> list[str]:
        return sorted(name for name, t in self._type_of.items() if t == rel_type)

    # -- the first pass ------------------------------------------------------------------

    def _first_pass(self) -> None:
        """Passages to the scratch table; every node and relationship to the schema builder."""
        builder = self._builder
        pending: list[tuple[str, str]] = []

        def flush() -> None:
            self._conn.executemany("INSERT OR IGNORE INTO scratch.passages VALUES (?, ?)",
                                   pending)
            pending.clear()

        for _node_id, data in self._rows("SELECT id, data FROM nodes ORDER BY id"):
            raw = json.loads(data)
            node = self._entity(raw)
            builder.node(node)
            for pid in _evidence_ids(raw):
                builder.relationship(Relationship(node.id, pid, HAS_EVIDENCE, {}), node.kind,
                                     PASSAGE)
            pending.extend((passage_id(e), json.dumps(e, ensure_ascii=False))
                           for e in raw.get("evidence", []))
            if len(pending) >= _BATCH:
                flush()
        duplicates = self._duplicates()
        seen: dict[tuple[str, str, str], dict[str, Any]] = {}
        loose: list[tuple[Relationship, str | None, str | None]] = []
        for data, source_kind, target_kind in self._rows(
                "SELECT e.data, s.class, t.class FROM edges e "
                "LEFT JOIN nodes s ON s.id = e.source LEFT JOIN nodes t ON t.id = e.target "
                "ORDER BY e.source, e.relation, e.target"):
            raw = json.loads(data)
            rel = self._domain(raw)
            pending.extend((passage_id(e), json.dumps(e, ensure_ascii=False))
                           for e in raw.get("evidence", []))
            if len(pending) >= _BATCH:
                flush()
            if _repeated(rel, duplicates, seen):
                continue
            if source_kind is None or target_kind is None:
                loose.append((rel, source_kind, target_kind))
                continue
            builder.relationship(rel, source_kind, target_kind)
        flush()
        clash = next(self._rows("SELECT p.pid FROM scratch.passages p "
                                "JOIN nodes n ON n.id = p.pid LIMIT 1"), None)
        if clash is not None:
            raise KgError(f"passage id {clash[0]!r} is also an entity id")
        for rel, source_kind, target_kind in loose:  # an end that is a passage, or unknown
            builder.relationship(rel, source_kind or self._passage_kind(rel, rel.source),
                                 target_kind or self._passage_kind(rel, rel.target))
        documents: dict[str, str] = {}
        self.has_passages = False
        for node, target in self._passages():
            self.has_passages = True
            builder.node(node)
            kind = documents.get(target)
            if kind is None:
                row = next(self._rows("SELECT class FROM nodes WHERE id = ?", (target,)), None)
                rel = Relationship(node.id, target, IN_DOCUMENT, {})
                kind = documents[target] = row[0] if row else self._passage_kind(rel, target)
            builder.relationship(Relationship(node.id, target, IN_DOCUMENT, {}), PASSAGE, kind)

    def _passage_kind(self, rel: Relationship, end: str) -> str:
        """``Passage`` if ``end`` is a passage id, else the unknown-end error."""
        if next(self._rows("SELECT 1 FROM scratch.passages WHERE pid = ?", (end,)), None):
            return PASSAGE
        raise unknown_end(rel, end)

    def _domain(self, raw: dict[str, Any]) -> Relationship:
        """The relationship of an edge row, its type checked against the relation's."""
        rel = edge_relationship(raw)
        if self._type_of.get(raw["relation"]) != rel.type:
            raise _damaged(self._path, f"edge {raw['source']} -{raw['relation']}-> "
                                       f"{raw['target']} has type {rel.type!r}, not its "
                                       f"relation's")
        return rel

    def _duplicates(self) -> set[tuple[str, str, str]]:
        """(type, source, target) of the pairs linked by two relations of the same type (the
        property graph keeps one relationship: they must agree)."""
        out: set[tuple[str, str, str]] = set()
        for rel_type in sorted(set(self._type_of.values())):
            relations = self._relations_of(rel_type)
            if len(relations) < 2:
                continue
            marks = ",".join("?" * len(relations))
            out.update((rel_type, s, t) for s, t in self._rows(
                f"SELECT source, target FROM edges WHERE relation IN ({marks}) "
                "GROUP BY source, target HAVING count(*) > 1", tuple(relations)))
        return out

    # -- the streams -----------------------------------------------------------------------

    def _passages(self) -> Iterator[tuple[Node, str]]:
        """Every passage node (sorted by id) and the id of its document."""
        for _pid, data in self._rows("SELECT pid, data FROM scratch.passages ORDER BY pid"):
            evidence = json.loads(data)
            yield passage_node(evidence), document_node_id(evidence)

    def _entities(self, kinds: Iterable[str] | None) -> Iterator[tuple[Node, dict[str, Any]]]:
        if kinds is not None and not kinds:
            return
        if kinds is None:
            rows = self._rows("SELECT data FROM nodes ORDER BY id")
        else:
            kinds = sorted(kinds)
            rows = self._rows(f"SELECT data FROM nodes WHERE class IN "
                              f"({','.join('?' * len(kinds))}) ORDER BY id", tuple(kinds))
        for (data,) in rows:
            raw = json.loads(data)
            yield self._entity(raw), raw

    def nodes(self, kinds: Iterable[str] | None = None, passages: bool = True
              ) -> Iterator[Node]:
        """Every node, by id: the entities of the classes ``kinds`` (all if ``None``) and, with
        ``passages``, the passages."""
        return (node for node, _raw in self.nodes_raw(kinds, passages))

    def nodes_raw(self, kinds: Iterable[str] | None = None, passages: bool = True
                  ) -> Iterator[tuple[Node, dict[str, Any] | None]]:
        """:meth:`nodes` with each entity's projection node (``None`` for a passage)."""
        entities = self._entities(kinds)
        if not passages:
            return entities  # type: ignore[return-value]
        spans = ((node, None) for node, _doc in self._passages())
        return heapq.merge(entities, spans, key=lambda pair: pair[0].id)

    def label_groups(self) -> list[tuple[tuple[str, ...], list[str], bool]]:
        """(labels, the entity classes with these labels, whether passages have them) for
        every label set of the graph, sorted by labels (:func:`load_plan`'s node order)."""
        groups: dict[tuple[str, ...], tuple[list[str], list[bool]]] = {}
        for kind, labels in sorted(self._labels.items()):
            groups.setdefault(labels, ([], [False]))[0].append(kind)
        if self.has_passages:
            groups.setdefault((PASSAGE,), ([], [False]))[1][0] = True
        return [(labels, kinds, flag[0]) for labels, (kinds, flag) in sorted(groups.items())]

    def kinds(self) -> list[tuple[str, list[str], bool]]:
        """(class, [the class] if entities have it, whether passages have it) for every class
        of the graph's nodes, sorted (the node files of ``neo4j-csv``)."""
        names = set(self._labels) | ({PASSAGE} if self.has_passages else set())
        return [(kind, [kind] if kind in self._labels else [],
                 kind == PASSAGE and self.has_passages) for kind in sorted(names)]

    def relationship_types(self) -> list[str]:
        """The relationship types of the graph, sorted."""
        return [spec.name for spec in self.schema.types]

    def relationships(self, rel_type: str) -> Iterator[Relationship]:
        """The relationships of one type, sorted by source and target."""
        if rel_type == HAS_EVIDENCE:
            for node, raw in self._entities(None):
                for pid in _evidence_ids(raw):
                    yield Relationship(node.id, pid, HAS_EVIDENCE, {})
            return
        if rel_type == IN_DOCUMENT:
            for node, target in self._passages():
                yield Relationship(node.id, target, IN_DOCUMENT, {})
            return
        relations = self._relations_of(rel_type)
        if not relations:
            return
        duplicates = self._duplicates() if len(relations) > 1 else set()
        seen: dict[tuple[str, str, str], dict[str, Any]] = {}
        for (data,) in self._rows(f"SELECT data FROM edges WHERE relation IN "
                                  f"({','.join('?' * len(relations))}) "
                                  "ORDER BY source, target", tuple(relations)):
            rel = self._domain(json.loads(data))
            if not _repeated(rel, duplicates, seen):
                yield rel

    def all_relationships(self) -> Iterator[Relationship]:
        """Every relationship, sorted by type, source and target."""
        for rel_type in self.relationship_types():
            yield from self.relationships(rel_type)

    def outgoing(self) -> Iterator[tuple[str, list[Relationship]]]:
        """(source id, its relationships) for every node with some, sorted by source id; a
        source's relationships in any order."""
        def evidence() -> Iterator[Relationship]:
            for node, raw in self._entities(None):
                for pid in _evidence_ids(raw):
                    yield Relationship(node.id, pid, HAS_EVIDENCE, {})

        def domain() -> Iterator[Relationship]:
            duplicates = self._duplicates()
            seen: dict[tuple[str, str, str], dict[str, Any]] = {}
            for (data,) in self._rows("SELECT data FROM edges "
                                      "ORDER BY source, relation, target"):
                rel = self._domain(json.loads(data))
                if not _repeated(rel, duplicates, seen):
                    yield rel

        def documents() -> Iterator[Relationship]:
            for node, target in self._passages():
                yield Relationship(node.id, target, IN_DOCUMENT, {})

        merged = heapq.merge(evidence(), domain(), documents(), key=lambda rel: rel.source)
        for source, rels in itertools.groupby(merged, key=lambda rel: rel.source):
            yield source, list(rels)


def _evidence_ids(raw: dict[str, Any]) -> list[str]:
    """The distinct passage ids of a projection node's evidence, sorted."""
    return sorted({passage_id(e) for e in raw.get("evidence", [])})


def _repeated(rel: Relationship, duplicates: set[tuple[str, str, str]],
              seen: dict[tuple[str, str, str], dict[str, Any]]) -> bool:
    """Whether ``rel`` repeats one already given (same type and ends; the props must agree)."""
    key = (rel.type, rel.source, rel.target)
    if key not in duplicates:
        return False
    if key in seen:
        if seen[key] != rel.props:
            raise KgError(f"two {rel.type} relationships from {rel.source} to {rel.target}",
                          hint="the property graph keeps one relationship per type and pair")
        return True
    seen[key] = rel.props
    return False
