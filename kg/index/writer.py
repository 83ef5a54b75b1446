"""Write the SQLite index of a projection, or update the previous build's (deterministic).

The file is always finished by ``VACUUM INTO`` from a working copy, which lays out every table
and index by its content alone: an index written whole and one updated from the previous
build's (:func:`update_index`) with the same rows are the same bytes.

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
  that search scores only the nodes with a text that can match. ``tid`` is taken from the
  text's digest (:func:`text_id`), so adding a text never renumbers the others.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any, Iterable

from kg.errors import KgError
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

    folded: dict[str, str] = {}  # a quote is often on a node and on its edges: fold it once

    def fold_once(text: str) -> str:
        value = folded.get(text)
        if value is None:
            value = folded[text] = fold(text)
        return value

    for node in nodes:
        node_id = node["id"]
        labels.update((norm, node_id, kind) for kind, label in labels_of(node)
                      if (norm := normalize(label)))
        for item in node_texts(node):
            owners.setdefault((fold_once(item.text), int(item.kind in ("label", "alt label"))),
                              set()).add(node_id)
    for edge in edges:
        for item in edge.get("evidence", []):
            owners.setdefault((fold_once(item["quote"]), 0), set()).update(
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


def text_id(folded: str, label: int) -> int:
    """The ``tid`` of a searchable text: 63 bits of its SHA-256 (the same in every build).

    >>> text_id("barrier", 1) == text_id("barrier", 1) != text_id("barrier", 0)
    True
    """
    digest = hashlib.sha256(f"{label}\0{folded}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def write_index_rows(meta: dict[str, Any], nodes: Iterable[NodeRow], edges: Iterable[EdgeRow],
                     labels: Labels, owners: Owners, path: Path) -> None:
    """Write the index to ``path`` (a new file) from nodes sorted by id and edges sorted by
    key, each given once (both are read once, as they come), and their terms."""
    work = _work_path(path)
    conn = _open_work(work)
    try:
        conn.executescript(TABLES)
        conn.execute("BEGIN")
        _insert_meta(conn, meta)
        _insert_rows(conn, nodes, edges, labels)
        rows = sorted((text_id(*key), *key) for key in owners)
        _check_text_ids(rows)
        conn.executemany("INSERT INTO texts VALUES (?, ?, ?)", rows)
        conn.executemany("INSERT INTO text_owners VALUES (?, ?)",
                         ((tid, node_id) for tid, folded, label in rows
                          for node_id in sorted(owners[(folded, label)])))
        for statement in INDEXES.strip().split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("COMMIT")
        _finish(conn, work, path)
    finally:
        conn.close()
        _unlink(work)


#: Index rows of some units: nodes, edges, label rows and text owner rows (folded text, 1 for a
#: label else 0, owner id).
Change = tuple[list[NodeRow], list[EdgeRow], Labels, list[tuple[str, int, str]]]


def update_index(previous: Path, path: Path, meta: dict[str, Any], removed: Change,
                 added: Change, owner_counts: dict[tuple[str, int, str], int]) -> None:
    """Write to ``path`` the index of the previous build (``previous``, already checked) with
    the rows of ``removed`` units taken out and those of ``added`` units put in.

    A text owner row may come from several units (a quote on an edge and on its end node):
    ``owner_counts`` holds how many units give each row that more than one gives, and is
    updated in place; a row goes when no unit gives it any more. Other rows belong to one
    unit each. The result is the bytes :func:`write_index_rows` writes for the same rows.
    """
    work = _work_path(path)
    _copy(previous, work)
    conn = _open_work(work)
    try:
        conn.execute("BEGIN")
        conn.execute("DELETE FROM meta")
        _insert_meta(conn, meta)
        r_nodes, r_edges, r_labels, r_owners = removed
        a_nodes, a_edges, a_labels, a_owners = added
        conn.executemany("DELETE FROM nodes WHERE id = ?", ((n[0],) for n in r_nodes))
        conn.executemany("DELETE FROM edges WHERE source = ? AND relation = ? AND target = ?",
                         (key for key, _text in r_edges))
        conn.executemany("DELETE FROM labels WHERE norm = ? AND id = ? AND kind = ?",
                         sorted(r_labels))
        _insert_rows(conn, a_nodes, a_edges, a_labels)
        _update_owners(conn, r_owners, a_owners, owner_counts)
        conn.execute("COMMIT")
        _finish(conn, work, path)
    finally:
        conn.close()
        _unlink(work)


def _insert_rows(conn: sqlite3.Connection, nodes: Iterable[NodeRow], edges: Iterable[EdgeRow],
                 labels: Labels) -> None:
    """Insert nodes, edges and label rows (what a whole write and an update both add)."""
    conn.executemany("INSERT INTO nodes VALUES (?, ?, ?, ?, ?)",
                     ((i, cls, doc, i.split("/", 1)[-1], text) for i, cls, doc, text in nodes))
    conn.executemany("INSERT INTO edges VALUES (?, ?, ?, ?)",
                     ((*key, text) for key, text in edges))
    conn.executemany("INSERT INTO labels VALUES (?, ?, ?)", sorted(labels))


def _update_owners(conn: sqlite3.Connection, removed: list[tuple[str, int, str]],
                   added: list[tuple[str, int, str]],
                   counts: dict[tuple[str, int, str], int]) -> None:
    change: dict[tuple[str, int, str], int] = {}
    for row in removed:
        change[row] = change.get(row, 0) - 1
    for row in added:
        change[row] = change.get(row, 0) + 1
    touched: set[int] = set()
    for (folded, label, node_id), delta in sorted(change.items()):
        if not delta:
            continue
        row = (folded, label, node_id)
        tid = text_id(folded, label)
        before = counts.get(row) or (1 if conn.execute(
            "SELECT 1 FROM text_owners WHERE tid = ? AND id = ?", (tid, node_id)).fetchone()
            else 0)
        after = before + delta
        if after >= 2:
            counts[row] = after
        else:
            counts.pop(row, None)
        if before > 0 and after <= 0:
            conn.execute("DELETE FROM text_owners WHERE tid = ? AND id = ?", (tid, node_id))
            touched.add(tid)
        elif before <= 0 < after:
            existing = conn.execute("SELECT folded, label FROM texts WHERE tid = ?",
                                    (tid,)).fetchone()
            if existing is None:
                conn.execute("INSERT INTO texts VALUES (?, ?, ?)", (tid, folded, label))
            else:
                _check_text_ids([(tid, *existing), (tid, folded, label)])
            conn.execute("INSERT INTO text_owners VALUES (?, ?)", (tid, node_id))
    for tid in sorted(touched):
        conn.execute("DELETE FROM texts WHERE tid = ? AND NOT EXISTS "
                     "(SELECT 1 FROM text_owners WHERE tid = ?)", (tid, tid))


def _check_text_ids(rows: list[tuple[int, str, int]]) -> None:
    """Two different texts with one ``tid`` (rows sorted by tid): about one chance in 10^10
    for a million texts, but never a wrong answer."""
    for (tid, *first), (other, *second) in itertools.pairwise(rows):
        if tid == other and first != second:
            raise KgError("two searchable texts have the same index id",
                          hint="please report this; change one of the texts by a character "
                               f"to build meanwhile: {first[0][:60]!r}, {second[0][:60]!r}")


def _insert_meta(conn: sqlite3.Connection, meta: dict[str, Any]) -> None:
    meta = {**meta, "index_version": INDEX_VERSION}
    conn.executemany("INSERT INTO meta VALUES (?, ?)",
                     sorted((k, _json(v)) for k, v in meta.items()))


def _work_path(path: Path) -> Path:
    return path.with_name(path.name + ".work")


def _open_work(work: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(work, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA page_size = 4096")
    conn.execute(f"PRAGMA mmap_size = {MAP_BYTES}")  # VACUUM INTO reads a fifth faster
    return conn


#: Bytes of the working copy read through a memory map.
MAP_BYTES = 1 << 32


#: The schema cookie every index is written with (any value; one for all builds).
SCHEMA_COOKIE = 100


def _finish(conn: sqlite3.Connection, work: Path, path: Path) -> None:
    """The canonical file: ``VACUUM INTO`` copies every table and index in key order, so the
    bytes depend on the rows alone. (No ``ANALYZE``: every query of the index is a lookup or
    a scan by a key, which the planner chooses right without statistics, and it took a fifth
    of a rebuild's index update.)"""
    # the schema cookie counts the working copy's schema changes, and VACUUM INTO copies it:
    # a fixed value, as nothing else has the copy open
    conn.execute(f"PRAGMA schema_version = {SCHEMA_COOKIE}")
    conn.execute("VACUUM INTO ?", (str(path),))


def _copy(source: Path, target: Path) -> None:
    """Copy a file, in the kernel where it can."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        try:
            size = os.fstat(src.fileno()).st_size
            while size > 0:
                done = os.copy_file_range(src.fileno(), dst.fileno(), size)
                if done == 0:
                    break
                size -= done
        except (AttributeError, OSError):  # no copy_file_range here: copy in blocks
            src.seek(0)
            dst.seek(0)
            dst.truncate()
            shutil.copyfileobj(src, dst, 1 << 20)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
