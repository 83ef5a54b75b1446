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
from typing import Any

from kg.index import INDEX_VERSION

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE nodes (id TEXT PRIMARY KEY, class TEXT NOT NULL, document TEXT,
                    suffix TEXT NOT NULL, data TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX nodes_suffix ON nodes (suffix, id);
CREATE TABLE edges (source TEXT NOT NULL, relation TEXT NOT NULL, target TEXT NOT NULL,
                    data TEXT NOT NULL, PRIMARY KEY (source, relation, target)) WITHOUT ROWID;
CREATE INDEX edges_in ON edges (target, relation, source);
CREATE TABLE labels (norm TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL,
                     PRIMARY KEY (norm, id, kind)) WITHOUT ROWID;
CREATE INDEX nodes_class ON nodes (class, id);
CREATE TABLE texts (tid INTEGER PRIMARY KEY, folded TEXT NOT NULL, label INTEGER NOT NULL);
CREATE TABLE text_owners (tid INTEGER NOT NULL, id TEXT NOT NULL,
                          PRIMARY KEY (tid, id)) WITHOUT ROWID;
"""


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def write_index(projection: dict[str, Any], path: Path) -> None:
    """Write the index of ``projection`` to ``path`` (a new file)."""
    from kg.resolve import labels_of, normalize

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA page_size = 4096")
        conn.executescript(SCHEMA)
        conn.execute("BEGIN")
        meta = {k: v for k, v in projection.items() if k not in ("nodes", "edges")}
        meta["index_version"] = INDEX_VERSION
        conn.executemany("INSERT INTO meta VALUES (?, ?)",
                         sorted((k, _json(v)) for k, v in meta.items()))
        nodes = sorted(projection["nodes"], key=lambda n: n["id"])
        conn.executemany("INSERT INTO nodes VALUES (?, ?, ?, ?, ?)",
                         ((n["id"], n["class"], n.get("document"), n["id"].split("/", 1)[-1],
                           _json(n)) for n in nodes))
        edges: dict[tuple[str, str, str], dict[str, Any]] = {}
        for edge in projection["edges"]:
            edges[(edge["source"], edge["relation"], edge["target"])] = edge
        conn.executemany("INSERT INTO edges VALUES (?, ?, ?, ?)",
                         ((*key, _json(edges[key])) for key in sorted(edges)))
        rows = sorted({(normalize(text), n["id"], kind) for n in nodes
                       for kind, text in labels_of(n) if normalize(text)})
        conn.executemany("INSERT INTO labels VALUES (?, ?, ?)", rows)
        _write_texts(conn, nodes, edges.values())
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("VACUUM")
    finally:
        conn.close()


def _write_texts(conn: sqlite3.Connection, nodes: list[dict[str, Any]],
                 edges: Any) -> None:
    """The searchable texts of every node (what :func:`kg.search.texts_of` yields)."""
    from kg.search import node_texts, fold

    owners: dict[tuple[str, int], set[str]] = {}
    for node in nodes:
        for text in node_texts(node):
            owners.setdefault((fold(text.text), int(text.kind in ("label", "alt label"))),
                              set()).add(node["id"])
    for edge in edges:
        for item in edge.get("evidence", []):
            key = (fold(item["quote"]), 0)
            owners.setdefault(key, set()).update((edge["source"], edge["target"]))
    rows = sorted(owners)
    conn.executemany("INSERT INTO texts VALUES (?, ?, ?)",
                     ((tid, folded, label) for tid, (folded, label) in enumerate(rows)))
    conn.executemany("INSERT INTO text_owners VALUES (?, ?)",
                     ((tid, node_id) for tid, key in enumerate(rows)
                      for node_id in sorted(owners[key])))
