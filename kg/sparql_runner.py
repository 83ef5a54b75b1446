"""SPARQL over the stored graph plus the ontology (rdflib), with named queries and safe bindings."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

from kg.errors import KgError
from kg.ontology import ID

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*(?:/[a-z0-9.][a-z0-9.-]*)+$")


def named_queries() -> dict[str, str]:
    """The queries shipped in ``kg/sparql/*.rq`` by name."""
    folder = resources.files("kg.sparql")
    return {p.name.removesuffix(".rq"): p.read_text(encoding="utf-8")
            for p in sorted(folder.iterdir(), key=lambda p: p.name) if p.name.endswith(".rq")}


def query_text(query_or_file: str | None, name: str | None) -> str:
    """The query from a name, a file path or the argument itself."""
    if name:
        queries = named_queries()
        if name not in queries:
            raise KgError(f"no named query {name!r}", hint="available: " + ", ".join(queries))
        return queries[name]
    if not query_or_file:
        raise KgError("give a SPARQL query, a .rq file, or --name NAME")
    path = Path(query_or_file)
    if len(query_or_file) < 4096 and "\n" not in query_or_file and path.is_file():
        return path.read_text(encoding="utf-8")
    return query_or_file


def parse_binding(text: str) -> tuple[str, Any]:
    """``var=value``: ``<iri>`` an IRI, ``kind/slug`` an entity IRI, digits an integer, else text.

    >>> parse_binding("barrier=barrier/data-security-risk")[1].endswith("barrier/data-security-risk")
    True
    """
    from rdflib import Literal, URIRef

    if "=" not in text:
        raise KgError(f"binding {text!r} is not var=value", hint="e.g. --bind actor=enterprise")
    var, value = text.split("=", 1)
    var = var.strip().lstrip("?$")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
        raise KgError(f"binding variable {var!r} is not a SPARQL variable name")
    if value.startswith("<") and value.endswith(">"):
        return var, URIRef(value[1:-1])
    if _ID.match(value):
        return var, URIRef(ID + value)
    if re.fullmatch(r"-?\d+", value):
        return var, Literal(int(value))
    return var, Literal(value)


def run_sparql(ntriples: Path, query: str, bindings: dict[str, Any]) -> dict[str, Any]:
    """``{"kind": "select", "columns", "rows"}``, ``{"kind": "ask", "boolean"}`` or turtle text."""
    from rdflib import Graph
    from rdflib.plugins.sparql import prepareQuery

    from kg.ontology import ONTOLOGY_DIR, ontology_files

    graph = Graph().parse(ntriples, format="nt")
    for path in ontology_files(ONTOLOGY_DIR):
        graph.parse(path, format="turtle")
    try:
        prepared = prepareQuery(query)
    except Exception as exc:  # noqa: BLE001 - pyparsing raises its own exception types
        raise KgError(f"invalid SPARQL: {' '.join(str(exc).split())[:200]}",
                      hint="check the query syntax") from None
    if prepared.algebra.name not in ("SelectQuery", "AskQuery", "ConstructQuery", "DescribeQuery"):
        raise KgError("only SELECT, ASK, CONSTRUCT and DESCRIBE queries are supported")
    result = graph.query(prepared, initBindings=bindings)
    if result.type == "ASK":
        return {"kind": "ask", "boolean": bool(result.askAnswer)}
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        text = result.graph.serialize(format="turtle")
        return {"kind": "graph", "turtle": text}
    columns = [str(v) for v in result.vars]
    rows = [{c: _plain(row[i]) for i, c in enumerate(columns)} for row in result]
    return {"kind": "select", "columns": columns, "rows": rows}


def _plain(value: Any) -> Any:
    from rdflib import Literal, URIRef

    if value is None:
        return None
    if isinstance(value, URIRef):
        text = str(value)
        return text.removeprefix(ID) if text.startswith(ID) else text
    if isinstance(value, Literal):
        python = value.toPython()
        return python if isinstance(python, (int, float, bool)) else str(value)
    return str(value)
