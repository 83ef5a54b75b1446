"""A :class:`kg.graphview.GraphView` answered from the SQLite index: rows are read as asked."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from kg.graphview import GraphView, Hop
from kg.index import INDEX_VERSION
from kg.store import StoreDamaged


class IndexCorrupt(StoreDamaged):
    """The index file cannot be read as this version's index: one line, rebuild."""

    def __init__(self, detail: str, path: Path | None = None) -> None:
        where = f" at {path.parent.parent.parent}" if path is not None else ""
        super().__init__(f"the store{where} is damaged (index.sqlite: {detail})",
                         hint="run `kg build` to rebuild it")


class _Nodes(Mapping[str, dict[str, Any]]):
    """Nodes by id, fetched one by one (and kept); iterating reads them all."""

    def __init__(self, view: "IndexedView") -> None:
        self._view = view
        self._cache: dict[str, dict[str, Any]] = {}
        self._complete = False

    def __getitem__(self, node_id: str) -> dict[str, Any]:
        node = self._cache.get(node_id)
        if node is None:
            row = self._view._one("SELECT data FROM nodes WHERE id = ?", (node_id,))
            if row is None:
                raise KeyError(node_id)
            node = self._cache[node_id] = json.loads(row[0])
        return node

    def __contains__(self, node_id: object) -> bool:
        if not isinstance(node_id, str):
            return False
        if node_id in self._cache:
            return True
        return self._view._one("SELECT 1 FROM nodes WHERE id = ?", (node_id,)) is not None

    def _all(self) -> dict[str, dict[str, Any]]:
        if not self._complete:
            for node_id, data in self._view._rows("SELECT id, data FROM nodes ORDER BY id"):
                if node_id not in self._cache:
                    self._cache[node_id] = json.loads(data)
            self._cache = dict(sorted(self._cache.items()))
            self._complete = True
        return self._cache

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        if self._complete:
            return len(self._cache)
        return int(self._view._one("SELECT count(*) FROM nodes", ())[0])


class _Projection(Mapping[str, Any]):
    """The projection's parts: small ones from the index's meta table, nodes and edges only
    when asked for (then read whole)."""

    def __init__(self, view: "IndexedView") -> None:
        self._view = view
        self._meta = {key: json.loads(value)
                      for key, value in view._rows("SELECT key, value FROM meta")}
        if self._meta.pop("index_version", None) != INDEX_VERSION:
            raise IndexCorrupt("not an index of this version", view._path)
        self._big: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key == "nodes":
            return list(self._view.nodes.values())
        if key == "edges":
            if "edges" not in self._big:
                self._big["edges"] = [json.loads(data) for (data,) in self._view._rows(
                    "SELECT data FROM edges ORDER BY source, relation, target")]
            return self._big["edges"]
        return self._meta[key]

    def __iter__(self) -> Iterator[str]:
        return iter(["nodes", "edges", *self._meta])

    def __len__(self) -> int:
        return len(self._meta) + 2


class IndexedView(GraphView):
    """The GraphView calls answered by indexed lookups in ``index.sqlite``."""

    def __init__(self, path: Path) -> None:  # noqa: D107 - no networkx graph is built
        self._path = path
        try:
            self._conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True,
                                         check_same_thread=False)
            self.nodes = _Nodes(self)  # type: ignore[assignment]
            self.projection = _Projection(self)  # type: ignore[assignment]
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(str(exc), path) from None
        self._graph: Any = None

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(str(exc), self._path) from None

    def _one(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        rows = self._rows(sql, args)
        return rows[0] if rows else None

    @property  # type: ignore[override]
    def graph(self) -> Any:
        """The whole networkx graph (paths, the view): built from every edge on first use."""
        if self._graph is None:
            import networkx as nx

            graph = nx.MultiDiGraph()
            for node_id, cls in self._rows("SELECT id, class FROM nodes ORDER BY id"):
                graph.add_node(node_id, **{"class": cls})
            for edge in self.projection["edges"]:
                graph.add_edge(edge["source"], edge["target"], key=edge["relation"], data=edge)
            self._graph = graph
        return self._graph

    def _hops(self, sql: str, node_id: str, relations: tuple[str, ...],
              outgoing: bool) -> Iterator[Hop]:
        args: tuple[Any, ...] = (node_id,)
        if relations:
            sql += f" AND relation IN ({','.join('?' * len(relations))})"
            args += tuple(relations)
        for other, relation, data in self._rows(sql + " ORDER BY relation, other", args):
            yield Hop(self.nodes[other], relation, json.loads(data), outgoing)

    def out(self, node_id: str, *relations: str) -> Iterator[Hop]:
        return self._hops("SELECT target AS other, relation, data FROM edges WHERE source = ?",
                          node_id, relations, True)

    def into(self, node_id: str, *relations: str) -> Iterator[Hop]:
        return self._hops("SELECT source AS other, relation, data FROM edges WHERE target = ?",
                          node_id, relations, False)

    def of_class(self, *classes: str) -> list[dict[str, Any]]:
        if not classes:
            return []
        rows = self._rows(f"SELECT id FROM nodes WHERE class IN ({','.join('?' * len(classes))})"
                          " ORDER BY id", tuple(classes))
        return [self.nodes[node_id] for (node_id,) in rows]

    def search_candidates(self, key: str) -> set[str] | None:
        from kg.search import could_match

        rows = self._rows("SELECT tid, folded, label FROM texts ORDER BY tid")
        hits = could_match(key, [r[1] for r in rows], [bool(r[2]) for r in rows])
        found: set[str] = set()
        for start in range(0, len(hits), 500):
            chunk = [rows[i][0] for i in hits[start:start + 500]]
            found.update(node_id for (node_id,) in self._rows(
                f"SELECT id FROM text_owners WHERE tid IN ({','.join('?' * len(chunk))})",
                tuple(chunk)))
        return found

    def with_id_suffix(self, suffix: str) -> list[dict[str, Any]]:
        rows = self._rows("SELECT id FROM nodes WHERE suffix = ? ORDER BY id", (suffix,))
        return [self.nodes[node_id] for (node_id,) in rows]

    def labelled(self, norm: str) -> list[tuple[dict[str, Any], str]]:
        from kg.resolve import labels_of, normalize

        rows = self._rows("SELECT DISTINCT id FROM labels WHERE norm = ? ORDER BY id", (norm,))
        out = []
        for (node_id,) in rows:  # each label of the node in its order, as the scan gives them
            node = self.nodes[node_id]
            out.extend((node, kind) for kind, text in labels_of(node) if normalize(text) == norm)
        return out
