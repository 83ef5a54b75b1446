"""The embedded Cypher engine's copy of a build: a LadybugDB database of the Neo4j property graph.

The same nodes, labels, relationships and properties as ``kg neo4j push`` creates (from
:func:`kg.neo4j.mapping.load`), laid out as the engine needs: a node table per class (its Neo4j
labels in the column ``kg_labels``), a relationship table per type (its ends' ids in
``kg_start``/``kg_end``), every table with every property column of its kind.

It is derived data: made on the first query of a build into ``<data dir>/cache/``, written
under a temporary name and renamed (a crash leaves no half-made file), opened read-only after.
A store that cannot be written to gets an in-memory copy per query instead.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from kg.cypher.lexer import quote
from kg.cypher.translate import EngineSchema
from kg.errors import KgError

CACHE = "cache"
#: Bump when the layout of the engine's copy changes (old copies are then remade).
LAYOUT = 2
#: Buffer pools of the engine (bytes): memory is only taken as pages are used.
BUILD_MEMORY, QUERY_MEMORY = 2 << 30, 512 << 20
LABELS, START, END = "kg_labels", "kg_start", "kg_end"
_TYPES = {"STRING": "STRING", "INTEGER": "INT64", "FLOAT": "DOUBLE", "BOOLEAN": "BOOLEAN",
          "LIST<STRING>": "STRING[]", "LIST<INTEGER>": "INT64[]", "LIST<FLOAT>": "DOUBLE[]",
          "LIST<BOOLEAN>": "BOOLEAN[]"}


@dataclass(frozen=True)
class Layout:
    """Tables and columns of the engine's copy (also what the translation needs)."""

    node_tables: dict[str, tuple[str, ...]]                    # table -> Neo4j labels
    node_columns: dict[str, tuple[tuple[str, str], ...]]       # table -> (property, type)
    rel_tables: dict[str, tuple[tuple[str, str], ...]]         # type -> (from, to) tables
    rel_columns: dict[str, tuple[tuple[str, str], ...]]        # type -> (property, type)
    marker: str

    def schema(self) -> EngineSchema:
        return EngineSchema(
            {t: frozenset(labels) for t, labels in self.node_tables.items()},
            frozenset(self.rel_tables), self.marker, LABELS,
            {t: frozenset(n for n, _ in cols) for t, cols in self.node_columns.items()},
            {t: frozenset(n for n, _ in cols) for t, cols in self.rel_columns.items()})

    def as_json(self) -> dict[str, Any]:
        def cols(table: dict[str, tuple[tuple[str, str], ...]]) -> dict[str, Any]:
            return {t: [list(c) for c in v] for t, v in table.items()}

        return {"layout": LAYOUT, "marker": self.marker,
                "node_tables": {t: list(v) for t, v in self.node_tables.items()},
                "node_columns": cols(self.node_columns),
                "rel_tables": {t: [list(p) for p in v] for t, v in self.rel_tables.items()},
                "rel_columns": cols(self.rel_columns)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Layout":
        def pairs(table: dict[str, Any]) -> dict[str, tuple[tuple[str, str], ...]]:
            return {t: tuple((a, b) for a, b in v) for t, v in table.items()}

        return cls({t: tuple(v) for t, v in data["node_tables"].items()},
                   pairs(data["node_columns"]), pairs(data["rel_tables"]),
                   pairs(data["rel_columns"]), data["marker"])


def layout_of(graph: Any, schema: Any) -> Layout:
    """The engine layout of a :class:`kg.neo4j.mapping.PropertyGraph` and its schema: each
    table gets the columns its own rows use (narrow tables load fast and stay small; the
    translation reads a property no table of a variable has as null, as Neo4j does)."""
    from kg.neo4j.mapping import neo4j_labels

    kinds: dict[str, tuple[str, ...]] = {}
    node_props: dict[str, set[str]] = {}
    table_of: dict[str, str] = {}
    for node in graph.nodes:
        kinds.setdefault(node.kind, tuple(neo4j_labels(node)))
        node_props.setdefault(node.kind, {"id"}).update(node.props)
        table_of[node.id] = node.kind
    pairs: dict[str, set[tuple[str, str]]] = {}
    rel_props: dict[str, set[str]] = {}
    for rel in graph.relationships:
        pairs.setdefault(rel.type, set()).add((table_of[rel.source], table_of[rel.target]))
        rel_props.setdefault(rel.type, set()).update(rel.props)
    types = schema.property_types

    def columns(names: set[str]) -> tuple[tuple[str, str], ...]:
        ordered = ["id"] if "id" in names else []
        ordered += sorted(names - {"id"})
        return tuple((name, _TYPES[types[name]]) for name in ordered)

    return Layout(dict(sorted(kinds.items())),
                  {t: columns(node_props[t]) for t in sorted(kinds)},
                  {t: tuple(sorted(p)) for t, p in sorted(pairs.items())},
                  {t: columns(rel_props[t]) for t in sorted(pairs)}, schema.marker)


def _create(conn: Any, graph: Any, layout: Layout) -> None:
    """Tables, then rows in bulk (COPY from parameter lists)."""
    from kg.neo4j.mapping import neo4j_labels

    for table, cols in layout.node_columns.items():
        columns = ", ".join(f"{quote(n)} {t}" for n, t in cols)
        conn.execute(f"CREATE NODE TABLE {quote(table)}({columns}, {LABELS} STRING[], "
                     f"PRIMARY KEY(id))")
    for rel_type, pairs in layout.rel_tables.items():
        ends = ", ".join(f"FROM {quote(a)} TO {quote(b)}" for a, b in pairs)
        extra = "".join(f", {quote(n)} {t}" for n, t in layout.rel_columns[rel_type])
        conn.execute(f"CREATE REL TABLE {quote(rel_type)}({ends}{extra}, {START} STRING, "
                     f"{END} STRING)")
    by_table: dict[str, list[dict[str, Any]]] = {}
    table_of: dict[str, str] = {}
    for node in graph.nodes:
        table_of[node.id] = node.kind
        cols = layout.node_columns[node.kind]
        values = [node.props.get(n) for n, _ in cols] + [list(neo4j_labels(node))]
        by_table.setdefault(node.kind, []).append(_row(values))
    for table, rows in by_table.items():
        cols = layout.node_columns[table]
        picks = ", ".join(f"cast(row.c{i} AS {t})" for i, (_, t) in enumerate(cols))
        conn.execute(f"COPY {quote(table)} FROM (UNWIND $rows AS row RETURN {picks}, "
                     f"cast(row.c{len(cols)} AS STRING[]))", {"rows": rows})
    by_pair: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for rel in graph.relationships:
        key = (rel.type, table_of[rel.source], table_of[rel.target])
        values = [rel.source, rel.target, *(rel.props.get(n) for n, _ in
                                            layout.rel_columns[rel.type])]
        by_pair.setdefault(key, []).append(_row(values))
    for (rel_type, start, end), rows in sorted(by_pair.items()):
        cols = layout.rel_columns[rel_type]
        picks = "".join(f", cast(row.c{i + 2} AS {t})" for i, (_, t) in enumerate(cols))
        options = f" (from={_quoted(start)}, to={_quoted(end)})" \
            if len(layout.rel_tables[rel_type]) > 1 else ""
        conn.execute(f"COPY {quote(rel_type)} FROM (UNWIND $rows AS row RETURN row.c0, row.c1"
                     f"{picks}, row.c0, row.c1){options}", {"rows": rows})


def _row(values: list[Any]) -> dict[str, Any]:
    """A row as a struct parameter (positional field names; the casts give the types)."""
    return {f"c{i}": value for i, value in enumerate(values)}


def _quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def cache_path(data_dir: Path, build: str) -> Path:
    return data_dir / CACHE / f"cypher-{build}.lbug"


def _layout_path(path: Path) -> Path:
    return path.with_suffix(".json")


@dataclass
class Engine:
    """An open, read-only connection to the engine's copy of one build."""

    connection: Any
    layout: Layout
    database: Any

    def close(self) -> None:
        self.connection.close()
        self.database.close()


def _fresh(graph: Any, layout: Layout, path: str | None) -> tuple[Any, Any]:
    import ladybug

    database = ladybug.Database(path or ":memory:", auto_checkpoint=False,
                                buffer_pool_size=BUILD_MEMORY)
    conn = ladybug.Connection(database)
    _create(conn, graph, layout)
    if path:
        conn.execute("CHECKPOINT")
    return database, conn


def open_engine(data_dir: Path) -> Engine:
    """The engine's read-only copy of the current build (made on first use, and again when
    the build's graph file changed since: the remake re-verifies it against the manifest)."""
    import ladybug

    stamp = source_stamp(data_dir)
    path = cache_path(data_dir, stamp["build"])
    for attempt in (1, 2):
        layout = _read_layout(_layout_path(path), stamp)
        if layout is None or not path.exists():
            layout = _make(data_dir, path, stamp)
            if layout is None:  # the store is read-only: an in-memory copy for this query
                return _in_memory(data_dir)
        try:
            database = ladybug.Database(str(path), read_only=True,
                                        buffer_pool_size=QUERY_MEMORY)
        except RuntimeError as exc:
            if attempt == 1:  # a damaged copy: made again from the store
                _remove(path)
                continue
            raise KgError(f"cannot open the local Cypher copy of the graph: {_first(exc)}",
                          where=str(path), hint=f"delete {path.parent} and run the query again"
                          ) from None
        return Engine(ladybug.Connection(database), layout, database)
    raise AssertionError("not reached")


def source_stamp(data_dir: Path) -> dict[str, Any]:
    """The build id and the graph file's size and time: what the engine's copy was made from."""
    from kg.store import GRAPH_JSON, current_build

    build = current_build(data_dir)
    try:
        stat = (build / GRAPH_JSON).stat()
    except OSError:
        return {"build": build.name, "size": -1, "mtime_ns": -1}
    return {"build": build.name, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _in_memory(data_dir: Path) -> Engine:
    from kg.neo4j.mapping import load

    graph, schema = load(data_dir)
    layout = layout_of(graph, schema)
    database, conn = _fresh(graph, layout, None)
    return Engine(conn, layout, database)


def _remove(path: Path) -> None:
    for leftover in [path, _layout_path(path), *_siblings(path)]:
        try:
            leftover.unlink()
        except OSError:
            pass


def _first(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def _read_layout(meta: Path, stamp: dict[str, Any]) -> Layout | None:
    """The layout of a copy made from exactly this build file, else None."""
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
        if data.get("layout") != LAYOUT or data.get("source") != stamp:
            return None
        return Layout.from_json(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _make(data_dir: Path, path: Path, stamp: dict[str, Any]) -> Layout | None:
    """Write the engine's copy next to the store's builds; None when it cannot be written."""
    from kg.neo4j.mapping import load

    graph, schema = load(data_dir)  # reads through the store: digests checked
    layout = layout_of(graph, schema)
    try:
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".lbug", dir=path.parent)
    except OSError:
        return None
    os.close(fd)
    os.unlink(tmp)
    meta_tmp = Path(tmp).with_suffix(".json")
    try:
        database, conn = _fresh(graph, layout, tmp)
        conn.close()
        database.close()
        for leftover in _siblings(Path(tmp)):
            leftover.unlink()
        meta_tmp.write_text(json.dumps({**layout.as_json(), "source": stamp}, sort_keys=True),
                            encoding="utf-8")
        os.replace(tmp, path)
        os.replace(meta_tmp, _layout_path(path))
    except OSError:
        for leftover in [Path(tmp), meta_tmp, *_siblings(Path(tmp))]:
            leftover.unlink(missing_ok=True)
        return None
    _prune(path)
    return layout


def _siblings(path: Path) -> Iterator[Path]:
    """Files the engine may leave beside a database file (write-ahead log, shadow pages)."""
    for candidate in path.parent.glob(path.name + ".*"):
        yield candidate


def _prune(keep: Path) -> None:
    """Remove the copies of earlier builds."""
    for old in keep.parent.glob("cypher-*"):
        if old.name not in (keep.name, _layout_path(keep).name):
            try:
                old.unlink()
            except OSError:
                pass
