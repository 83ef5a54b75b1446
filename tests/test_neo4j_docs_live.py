"""Every ```cypher example of README.md and docs/*.md runs on a live Neo4j 5 with the
documented result (fixture ``neo4j_uri``: ``$NEO4J_URI`` or the throw-away server of
``scripts/neo4j-test-server``; skipped without one, failed with CI=true).

The seed build is pushed (after a wipe of this project's data) and each example runs through
:func:`kg.neo4j.push.run_query`, as `kg neo4j query` runs it: in a read transaction, so an
example that writes fails instead of changing the database. Its rows, converted to text as
``tests/test_neo4j_docs.py`` converts the embedded engine's, must equal the Markdown table
under it, row for row and column for column (the tables are Neo4j's answers; the embedded
engine must give the same). An example without a table must run without error. An example
whose marker comment starts with ``skip-live:`` is skipped with the reason that follows.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest

from kg.neo4j.mapping import load
from kg.neo4j.push import connect, push, run_query, wipe
from tests.test_neo4j_docs import as_text, examples, table_rows

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
USER = os.environ.get("NEO4J_USER") or "neo4j"
DATABASE = os.environ.get("NEO4J_DATABASE") or None
SKIP = "skip-live:"

ALL = [example for path in DOCS for example in examples(path)]


@pytest.fixture(scope="module")
def seeded(neo4j_uri: str, neo4j_password: str, seed_store: Path) -> Iterator[Any]:
    """A driver on the live server holding exactly the seed build (this project's part)."""
    graph, schema = load(seed_store)
    with connect(neo4j_uri, USER, neo4j_password, DATABASE) as driver:
        wipe(driver, DATABASE)
        summary = push(driver, graph, schema, database=DATABASE)
        assert summary.nodes.created == len(graph.nodes)
        yield driver


def test_every_cypher_block_is_an_example() -> None:
    blocks = sum(path.read_text(encoding="utf-8").count("```cypher\n") for path in DOCS)
    assert blocks == len(ALL) >= 17


@pytest.mark.parametrize("example", ALL, ids=[e["where"] for e in ALL])
def test_example_runs_on_neo4j_with_the_documented_result(example: dict[str, str],
                                                          seeded: Any) -> None:
    if example["marker"].startswith(SKIP):
        pytest.skip(example["marker"].removeprefix(SKIP).strip())
    rows = run_query(seeded, example["query"], {}, DATABASE)
    if not example["table"]:
        return
    expected = table_rows(example["table"])
    assert rows, "an example should return something on the seed graph"
    assert list(rows[0]) == list(expected[0]), "the columns, in the documented order"
    assert as_text(rows) == expected
