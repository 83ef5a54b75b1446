"""Write the SQLite index of a projection (deterministic: rows in sorted order, then VACUUM).

Tables:

* ``meta(key, value)``: the projection's small top-level parts as JSON (classes, relations,
  documents …), and the index version;
* ``nodes(id, class, document, suffix, data)``: every node, ``data`` its JSON, ``suffix`` the
  id after its ``kind/`` prefix (what `kg trace barrier data-security-risk` gives);
* ``edges(source, relation, target, data)``: every edge, indexed both ways (one per source,
  relation and target: the last of the projection, as :class:`kg.graphview.GraphView` keeps);
* ``labels(norm, id, kind)``: each node's labels and alt labels, normalised, for exact
  lookups;
* ``texts(tid, folded, label)`` and ``text_owners(tid, id)``: every distinct searchable text
  (:func:`kg.search.texts_of`, folded as the search scores it) and the nodes it belongs to, so
  that search scores only the nodes with a text that can match.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Iterable

from kg.index import INDEX_VERSION

TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE nodes (id TEXT PRIMARY KEY, class TEXT NOT NULL, document TEXT,
                    suffix TEXT NOT NULL, data TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE edges (source TEXT NOT NULL, relation TEXT NOT NULL, target TEXT NOT NULL,
                    data TEXT NOT NULL, PRIMARY KEY (source, relation, target)) WITHOUT ROWID;
CREATE TABLE labels (norm TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL,
                     PRIMARY KEY (norm, id, kind)) WITHOUT ROWID;
CREATE TABLE texts (tid INTEGER PRIMARY KEY, folded TEXT NOT NULL, label INTEGER NOT NULL);
CREATE TABLE text_owners (tid INTEGER NOT NULL, id TEXT NOT NULL,
                          PRIMARY KEY (tid, id)) WITHOUT ROWID;
"""
#: Made after the rows are in (a sorted bulk load: compact, no VACUUM needed).
INDEXES = """
CREATE INDEX nodes_suffix ON nodes (suffix, id);
CREATE INDEX edges_in ON edges (target, relation, source);
CREATE INDEX nodes_class ON nodes (class, id);
"""
SCHEMA = TABLES + INDEXES

#: A node as (id, class, document, its JSON text) and an edge as ((source, relation, target),
#: its JSON text): the rows of the nodes and edges tables.
NodeRow = tuple[str, str, Any, str]
EdgeRow = tuple[tuple[str, str, str], str]
#: The label rows (normalised label, id, kind) and the searchable texts (folded text, 1 for a
#: label or alt label else 0) → ids of the nodes they belong to.
Labels = set[tuple[str, str, str]]
Owners = dict[tuple[str, int], set[str]]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def index_terms(nodes: Iterable[dict[str, Any]], edges: Iterable[dict[str, Any]],
                labels: Labels, owners: Owners) -> None:
    """Add the label rows and searchable texts of ``nodes`` and ``edges`` to ``labels`` and
    ``owners`` (an edge's evidence quotes belong to both its ends)."""
    from kg.resolve import labels_of, normalize
    from kg.search import fold, node_texts

    for node in nodes:
        node_id = node["id"]
        labels.update((norm, node_id, kind) for kind, label in labels_of(node)
                      if (norm := normalize(label)))
        for item in node_texts(node):
            owners.setdefault((fold(item.text), int(item.kind in ("label", "alt label"))),
                              set()).add(node_id)
    for edge in edges:
        for item in edge.get("evidence", []):
            owners.setdefault((fold(item["quote"]), 0), set()).update(
                (edge["source"], edge["target"]))


def write_index(projection: dict[str, Any], path: Path) -> None:
    """Write the index of ``projection`` to ``path`` (a new file)."""
    meta = {k: v for k, v in projection.items() if k not in ("nodes", "edges")}
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    for edge in projection["edges"]:
        edges[(edge["source"], edge["relation"], edge["target"])] = edge
    nodes = sorted(projection["nodes"], key=lambda n: n["id"])
    labels: Labels = set()
    owners: Owners = {}
    index_terms(nodes, edges.values(), labels, owners)
    write_index_rows(meta, ((n["id"], n["class"], n.get("document"), _json(n)) for n in nodes),
                     ((key, _json(edges[key])) for key in sorted(edges)), labels, owners, path)


def write_index_rows(meta: dict[str, Any], nodes: Iterable[NodeRow], edges: Iterable[EdgeRow],
                     labels: Labels, owners: Owners, path: Path) -> None:
    """Write the index to ``path`` (a new file) from nodes sorted by id and edges sorted by
    key, each given once (both are read once, as they come), and their terms."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA page_size = 4096")
        conn.executescript(TABLES)
        conn.execute("BEGIN")
        meta = {**meta, "index_version": INDEX_VERSION}
        conn.executemany("INSERT INTO meta VALUES (?, ?)",
                         sorted((k, _json(v)) for k, v in meta.items()))
        conn.executemany("INSERT INTO nodes VALUES (?, ?, ?, ?, ?)",
                         ((i, cls, doc, i.split("/", 1)[-1], text)
                          for i, cls, doc, text in nodes))
        conn.executemany("INSERT INTO edges VALUES (?, ?, ?, ?)",
                         ((*key, text) for key, text in edges))
        conn.executemany("INSERT INTO labels VALUES (?, ?, ?)", sorted(labels))
        rows = sorted(owners)
        conn.executemany("INSERT INTO texts VALUES (?, ?, ?)",
                         ((tid, folded, label) for tid, (folded, label) in enumerate(rows)))
        conn.executemany("INSERT INTO text_owners VALUES (?, ?)",
                         ((tid, node_id) for tid, key in enumerate(rows)
                          for node_id in sorted(owners[key])))
        for statement in INDEXES.strip().split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()
