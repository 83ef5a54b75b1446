"""``kg cypher``: read-only Cypher on the stored graph, answered as Neo4j answers it.

The engine is LadybugDB (the maintained fork of Kùzu), embedded: no server. Its copy of the
graph (:mod:`kg.cypher.database`) holds the nodes, labels, relationships and properties
``kg neo4j push`` creates; the query is rewritten where the two dialects differ
(:mod:`kg.cypher.translate`); the rows come back as ``kg neo4j query`` shows Neo4j's
(:mod:`kg.cypher.values`). tests/test_cypher_conformance.py runs the same queries on both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import KgError


@dataclass(frozen=True)
class CypherResult:
    """Column names in order and rows (dicts keyed by column)."""

    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)


def run_cypher(data_dir: Path, query: str, params: dict[str, Any] | None = None
               ) -> CypherResult:
    """Run a read-only query on the current build of ``data_dir``."""
    from kg.cypher.database import open_engine
    from kg.cypher.translate import translate
    from kg.cypher.values import plain

    if len(query) > 100_000:
        raise KgError("the Cypher query is longer than 100,000 characters")
    params = dict(params or {})
    missing = sorted(needed_parameters(query) - set(params))
    if missing:
        raise KgError(f"the query uses ${missing[0]} but no value was given",
                      hint=f"pass --param {missing[0]}=VALUE")
    engine = open_engine(data_dir)
    try:
        text = translate(query, engine.layout.schema())
        try:
            result = engine.connection.execute(text, params)
        except RuntimeError as exc:
            raise _engine_error(exc) from None
        columns = list(result.get_column_names())
        rows = []
        while result.has_next():
            rows.append({c: plain(v) for c, v in zip(columns, result.get_next(), strict=True)})
        return CypherResult(columns, rows)
    finally:
        engine.close()


def needed_parameters(query: str) -> set[str]:
    """The ``$names`` a query uses."""
    from kg.cypher.lexer import tokenize

    return {t.text[1:].strip("`") for t in tokenize(query) if t.kind == "param"}


_PROPERTY = re.compile(r"Cannot find property (\w+) for (\w+)")
_PARAM = re.compile(r"Parameter (\w+) not found")
_INVALID = re.compile(r"Invalid input <(.*?)>: expected")


def _engine_error(exc: RuntimeError) -> KgError:
    """The engine's message as one line; the common cases said in Neo4j's terms."""
    text = " ".join(str(exc).split())
    found = _PROPERTY.search(text)
    if found:
        return KgError(f"no node or relationship of this graph has a property "
                       f"{found.group(1)!r} ({found.group(2)}.{found.group(1)})",
                       hint="`kg neo4j schema` lists the properties; Neo4j would return null")
    found = _PARAM.search(text)
    if found:
        return KgError(f"the query uses ${found.group(1)} but no value was given",
                       hint=f"pass --param {found.group(1)}=VALUE")
    kind, _, detail = text.partition(":")
    if "Parser exception" in kind:
        near = _INVALID.search(text)
        where = f" near {near.group(1)[-40:]!r}" if near else ""
        return KgError(f"cannot parse the Cypher query{where}",
                       hint="check the syntax; the local engine reads openCypher as Neo4j 5 does")
    return KgError(f"cannot run this Cypher locally: {text[:240]}",
                   hint="run it on a server with `kg neo4j query`")
