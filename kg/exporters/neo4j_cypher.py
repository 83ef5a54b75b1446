"""``--format cypher``: a cypher-shell / Neo4j Browser script of the statements push runs."""

from __future__ import annotations

from pathlib import Path

HEADER = (
    "innovation-kg property graph, build {build}: {nodes} nodes, {rels} relationships.",
    "Run with: cypher-shell -a bolt://localhost:7687 -u neo4j -f graph.cypher",
    "(or paste into Neo4j Browser). The statements are the ones `kg neo4j push` runs;",
    "values travel as the $rows parameter, set by the `:param rows => [...]` line before each.",
    "Re-running the script changes nothing; remove it all with `kg neo4j wipe`.",
)


def export_cypher(data_dir: Path, out: Path | None = None) -> bytes:
    """The script for the current build (same store, same bytes)."""
    from kg.neo4j.mapping import load
    from kg.neo4j.statements import DEFAULT_BATCH_SIZE, script

    graph, schema = load(data_dir)
    header = [line.format(build=graph.build or "?", nodes=len(graph.nodes),
                          rels=len(graph.relationships)) for line in HEADER]
    return script(graph, schema, DEFAULT_BATCH_SIZE, header).encode("utf-8")
