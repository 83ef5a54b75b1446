"""Every Cypher we ship passes Neo4j's own Cypher front end (npm @neo4j-cypher/language-support).

Checked with ``lintCypherQuery``: every statement push and wipe run, the whole ``cypher``
export, the neo4j-csv ``schema.cypher``, and every ```cypher block of docs/neo4j.md and
README.md. Zero errors are allowed, and zero warnings: the linter is given the mapping's
labels, relationship types and property names, so a warning means a name outside the mapping.
Without node or the npm package the tests are skipped (``scripts/ensure-cypher-linter``
installs it), except when ``CI=true``, where they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

from kg.exporters.neo4j_cypher import export_cypher
from kg.exporters.neo4j_csv import export_neo4j_csv
from kg.neo4j.mapping import load
from kg.neo4j.statements import all_statements, load_plan, param_command

ROOT = Path(__file__).resolve().parent.parent
LINTER = ROOT / "tools" / "cypher-lint"
DOCS = [ROOT / "docs" / "neo4j.md", ROOT / "README.md"]
#: Keys of the ``$rows`` maps (read as ``row.source``), not properties; the linter cannot tell.
ROW_KEYS = ["source", "target", "props"]
#: Columns of SHOW CONSTRAINTS / SHOW INDEXES used by wipe.
SHOW_COLUMNS = ["name", "owningConstraint"]

Lint = Callable[[list[str]], list[list[dict[str, Any]]]]


def unavailable(reason: str) -> None:
    """Skip, or fail on CI, when the linter cannot run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Cypher linter unavailable on CI: {reason}")
    pytest.skip(f"Cypher linter unavailable: {reason} (run scripts/ensure-cypher-linter)")


@pytest.fixture(scope="module")
def mapped(seed_store: Path):
    return load(seed_store)


@pytest.fixture(scope="module")
def lint(mapped) -> Lint:
    """Lint queries against the mapping's schema; one diagnostics list per query."""
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed")
    if not (LINTER / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        unavailable("tools/cypher-lint/node_modules lacks @neo4j-cypher/language-support")
    graph, schema = mapped
    db_schema = {
        "labels": schema.label_names,
        "relationshipTypes": schema.type_names,
        "propertyKeys": schema.property_names() + ROW_KEYS + SHOW_COLUMNS,
        "parameters": {"rows": load_plan(graph)[0].rows[:1], "limit": 1, "prefix": "x"},
    }

    def run(queries: list[str]) -> list[list[dict[str, Any]]]:
        done = subprocess.run([node, str(LINTER / "lint.mjs")], cwd=LINTER, check=False,
                              input=json.dumps({"queries": queries, "schema": db_schema}),
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return [entry["diagnostics"] for entry in json.loads(done.stdout)]

    return run


def problems(queries: list[str], results: list[list[dict[str, Any]]]) -> list[str]:
    """Every diagnostic, with the start of the query it is about."""
    out = []
    for query, diagnostics in zip(queries, results, strict=True):
        for d in diagnostics:
            out.append(f"{d['severity']} at {d['line']}:{d['character']}: {d['message']} "
                       f"in {query[:80]!r}")
    return out


def test_the_linter_catches_errors_and_unknown_names(lint: Lint) -> None:
    queries = ["MATCH (n) RETRN n", "MATCH (n:Barier) RETURN n.id",
               "MATCH (a)-[:HINDER]->(b) RETURN a.id", "MATCH (b:Barrier) RETURN b.colour",
               "RETURN $undeclared", "MATCH (n) RETURN m"]
    results = lint(queries)
    assert any(d["severity"] == "error" for d in results[0])
    assert "Label Barier is not present" in results[1][0]["message"]
    assert "HINDER is not present" in results[2][0]["message"]
    assert "colour is not present" in results[3][0]["message"]
    assert results[4][0]["severity"] == "error" and "$undeclared" in results[4][0]["message"]
    assert results[5] == [{"severity": "error", "message": "Variable `m` not defined",
                           "line": 1, "character": 18}]


def test_every_statement_push_and_wipe_run_lints_clean(lint: Lint, mapped) -> None:
    statements = all_statements(*mapped)
    assert len(statements) > 20
    assert problems(statements, lint(statements)) == []


def test_the_cypher_export_lints_clean(lint: Lint, seed_store: Path) -> None:
    script = b"".join(export_cypher(seed_store)).decode("utf-8")
    assert script.count(":param rows => ") > 1
    assert problems([script], lint([script])) == []


def test_the_admin_import_schema_lints_clean(lint: Lint, seed_store: Path,
                                             tmp_path: Path) -> None:
    export_neo4j_csv(seed_store, tmp_path / "import")
    text = (tmp_path / "import" / "schema.cypher").read_text(encoding="utf-8")
    assert problems([text], lint([text])) == []


def test_the_literal_encoder_writes_valid_cypher(lint: Lint) -> None:
    awkward = ["it's", 'say "hi"', "back\\slash", "line\nbreak\r\ttab", "\x00\x1f\x7f",
               "\u2028\u2029", "引号“”，；", "emoji 🙂", "`tick`", "// not a comment", "$rows", ""]
    rows = [{"id": text, "props": {"quote": text, "n": -3, "x": 1e-05, "big": 1e+16,
                                   "list": [text, text], "yes": True}} for text in awkward]
    script = param_command(rows) + ";\nUNWIND $rows AS row RETURN row.id AS id;"
    assert problems([script], lint([script])) == []


def cypher_blocks(path: Path) -> list[str]:
    """The ```cypher blocks of a Markdown file."""
    if not path.exists():
        return []
    return re.findall(r"^```cypher\n(.*?)^```$", path.read_text(encoding="utf-8"), re.M | re.S)


def test_every_cypher_block_of_the_docs_lints_clean(lint: Lint) -> None:
    blocks = [block for path in DOCS for block in cypher_blocks(path)]
    assert len(blocks) >= 5
    assert problems(blocks, lint(blocks)) == []
