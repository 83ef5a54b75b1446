"""``--format cypher``: a cypher-shell / Neo4j Browser script of the statements push runs.

The script is streamed from the build's index (:class:`kg.exporters.pgstream.IndexedGraph`):
one batch of rows in memory at a time, the same bytes as :func:`kg.neo4j.statements.script`
writes for the whole property graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from kg.fileio import encoded_chunks

if TYPE_CHECKING:
    from kg.exporters.pgstream import IndexedGraph

HEADER = (
    "innovation-kg property graph, build {build}: {nodes} nodes, {rels} relationships.",
    "Run with: cypher-shell -a bolt://localhost:7687 -u neo4j -f graph.cypher",
    "(or paste into Neo4j Browser). The statements are the ones `kg neo4j push` runs;",
    "values travel as the $rows parameter, set by the `:param rows => [...]` line before each.",
    "Re-running the script changes nothing; remove it all with `kg neo4j wipe`.",
)


def header(build: str, nodes: int, rels: int) -> list[str]:
    """The comment lines at the top of the script."""
    return [line.format(build=build or "?", nodes=nodes, rels=rels) for line in HEADER]


def export_cypher(data_dir: Path, out: Path | None = None) -> Iterator[bytes]:
    """The script for the current build (same store, same bytes), streamed in chunks; the
    index is read (and checked) before the first chunk."""
    from kg.exporters.pgstream import IndexedGraph

    graph = IndexedGraph(data_dir)
    return _chunks(graph)


def _chunks(graph: IndexedGraph) -> Iterator[bytes]:
    from kg.neo4j.statements import DEFAULT_BATCH_SIZE, script_lines, stream_plan

    try:
        node_groups = ((labels, graph.nodes(kinds, passages))
                       for labels, kinds, passages in graph.label_groups())
        rel_groups = ((rel_type, graph.relationships(rel_type))
                      for rel_type in graph.relationship_types())
        lines = script_lines(graph.schema, stream_plan(node_groups, rel_groups,
                                                       DEFAULT_BATCH_SIZE),
                             header(graph.build, graph.node_count, graph.relationship_count))
        yield from encoded_chunks(lines)
    finally:
        graph.close()
