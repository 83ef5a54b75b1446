"""Push to, query and wipe a Neo4j server with the official driver (managed transactions).

Every write runs inside ``session.execute_write``, which retries transient errors; each
batch is idempotent (``MERGE`` plus write-only-if-different), so a retried or repeated batch
changes nothing. Driver errors become one-line :class:`KgError`s; the password never appears
in any message.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

from kg.errors import KgError
from kg.neo4j.mapping import PropertyGraph, Schema
from kg.neo4j.statements import (
    DEFAULT_BATCH_SIZE, NAME_PREFIX, SHOW_CONSTRAINTS, SHOW_INDEXES, WIPE_BATCH, WIPE_BATCH_SIZE,
    constraint_statements, drop_statement, load_plan)

SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
DATABASE_NOT_FOUND = "Neo.ClientError.Database.DatabaseNotFound"


@dataclass
class Counts:
    """Created, updated and unchanged entities of one kind."""

    total: int = 0
    created: int = 0
    updated: int = 0

    @property
    def unchanged(self) -> int:
        return self.total - self.created - self.updated

    def add(self, rows: int, created: int, changed: int) -> None:
        """One batch: ``changed`` counts the rows whose properties were written (new ones
        included, except relationships without properties, which have nothing to write)."""
        self.total += rows
        self.created += created
        self.updated += max(changed - created, 0)

    def as_dict(self) -> dict[str, int]:
        return {"total": self.total, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged}


@dataclass
class PushSummary:
    """What a push did."""

    schema_statements: int = 0
    schema_added: int = 0
    batches: int = 0
    nodes: Counts = field(default_factory=Counts)
    relationships: Counts = field(default_factory=Counts)
    wiped: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"schema_statements": self.schema_statements, "schema_added": self.schema_added,
                "batches": self.batches, "nodes": self.nodes.as_dict(),
                "relationships": self.relationships.as_dict(), "wiped": dict(self.wiped)}

    def line(self) -> str:
        """One human line: ``nodes 914 (914 created, 0 updated, 0 unchanged), …``."""
        def part(name: str, counts: Counts) -> str:
            return (f"{name} {counts.total} ({counts.created} created, {counts.updated} updated, "
                    f"{counts.unchanged} unchanged)")
        text = (f"{part('nodes', self.nodes)}; {part('relationships', self.relationships)}; "
                f"{self.schema_statements} constraints/indexes ensured ({self.schema_added} new)")
        if self.wiped:
            text = (f"wiped {self.wiped.get('nodes', 0)} nodes and "
                    f"{self.wiped.get('relationships', 0)} relationships; " + text)
        return text


def redact(uri: str) -> str:
    """The URI without any user:password part.

    >>> redact("neo4j://alice:secret@db.example:7687")
    'neo4j://db.example:7687'
    """
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def check_uri(uri: str) -> str:
    """``uri`` if it names a Bolt server (``bolt://`` or ``neo4j://`` and their TLS forms)."""
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme not in SCHEMES or not urlsplit(uri).hostname:
        raise KgError(f"not a Neo4j URI: {redact(uri)!r}",
                      hint="use bolt://host:7687 or neo4j://host:7687 (+s / +ssc for TLS)")
    return uri


def _first_line(text: str) -> str:
    return " ".join(str(text).split("\n", 1)[0].split())[:240]


def translate(exc: BaseException, *, uri: str, user: str, database: str | None) -> KgError:
    """A one-line error for a driver exception (no password, no traceback)."""
    from neo4j import exceptions as ex

    where = redact(uri)
    db = database or "the default database"
    if isinstance(exc, ex.AuthError):
        return KgError(f"Neo4j refused the credentials of user {user!r}", where=where,
                       hint="check --user and NEO4J_PASSWORD")
    if isinstance(exc, ex.Neo4jError) and exc.code == DATABASE_NOT_FOUND:
        name = repr(database) if database else "the default database"
        return KgError(f"database {name} does not exist", where=where,
                       hint="create it (CREATE DATABASE) or pass another --database")
    if isinstance(exc, (ex.ServiceUnavailable, ex.SessionExpired)):
        return KgError("cannot reach the Neo4j server", where=where,
                       hint="is it running? check --uri, e.g. bolt://localhost:7687")
    if isinstance(exc, ex.ConfigurationError):
        return KgError(f"bad Neo4j connection settings: {_first_line(str(exc))}", where=where)
    if isinstance(exc, ex.CypherSyntaxError):
        return KgError(f"Neo4j rejected the Cypher: {_first_line(exc.message or str(exc))}",
                       where=where, hint="check the query syntax")
    if isinstance(exc, ex.Forbidden):
        return KgError(f"user {user!r} may not do this on {db}: "
                       f"{_first_line(exc.message or str(exc))}", where=where)
    if isinstance(exc, ex.Neo4jError):
        return KgError(f"Neo4j error {exc.code}: {_first_line(exc.message or str(exc))}",
                       where=where)
    if isinstance(exc, ex.DriverError):
        return KgError(f"Neo4j driver error: {_first_line(str(exc))}", where=where)
    return KgError(f"{type(exc).__name__}: {_first_line(str(exc))}", where=where)


def _scrub(error: KgError, uri: str, secret: str) -> KgError:
    """The error with the raw URI redacted and any trace of the password masked."""
    def clean(text: str) -> str:
        text = text.replace(uri, redact(uri))
        return text.replace(secret, "***") if len(secret) >= 4 else text

    return KgError(clean(error.what), where=clean(error.where), hint=clean(error.hint))


@contextmanager
def errors_as_kg(uri: str, user: str, database: str | None, secret: str = "") -> Iterator[None]:
    """Turn driver (and socket) errors raised inside the block into one-line KgErrors."""
    from neo4j.exceptions import DriverError, Neo4jError

    try:
        yield
    except (DriverError, Neo4jError, OSError) as exc:
        error = translate(exc, uri=uri, user=user, database=database)
        raise _scrub(error, uri, secret) from None


@contextmanager
def connect(uri: str, user: str, password: str, database: str | None) -> Iterator[Any]:
    """A verified driver (closed on exit); errors while connecting are one-line KgErrors."""
    from neo4j import GraphDatabase

    check_uri(uri)
    with errors_as_kg(uri, user, database, password):
        try:
            driver = GraphDatabase.driver(uri, auth=(user, password))
        except ValueError as exc:
            raise _scrub(KgError(f"bad Neo4j URI: {_first_line(str(exc))}", where=redact(uri),
                                 hint="use bolt://host:7687 or neo4j://host:7687"),
                         uri, password) from None
        try:
            try:
                driver.verify_connectivity()
            except ValueError as exc:  # e.g. an address that does not resolve
                error = KgError(f"cannot reach the Neo4j server: {_first_line(str(exc))}",
                                where=redact(uri), hint="check --uri")
                raise _scrub(error, uri, password) from None
            yield driver
        finally:
            driver.close()


def _run_write(tx: Any, statement: str, parameters: dict[str, Any]) -> tuple[int, Any]:
    """Run one statement in a managed transaction: its ``changed`` value and its counters."""
    result = tx.run(statement, parameters)
    record = result.single()
    counters = result.consume().counters
    return (int(record[0]) if record is not None else 0), counters


def ensure_schema(session: Any, schema: Schema) -> tuple[int, int]:
    """Create the constraint and indexes (IF NOT EXISTS): (statements run, new ones)."""
    statements = constraint_statements(schema)
    added = 0
    for statement in statements:
        _, counters = session.execute_write(_run_write, statement, {})
        added += counters.constraints_added + counters.indexes_added
    return len(statements), added


def push(driver: Any, graph: PropertyGraph, schema: Schema, *, database: str | None = None,
         batch_size: int = DEFAULT_BATCH_SIZE, wipe_first: bool = False,
         progress: Callable[[int], None] | None = None) -> PushSummary:
    """Constraints first, then every node batch, then every relationship batch."""
    summary = PushSummary()
    plan = load_plan(graph, batch_size)
    with driver.session(database=database) as session:
        if wipe_first:
            summary.wiped = wipe_session(session)
        summary.schema_statements, summary.schema_added = ensure_schema(session, schema)
        for batch in plan:
            changed, counters = session.execute_write(_run_write, batch.statement,
                                                      {"rows": batch.rows})
            if batch.kind == "nodes":
                summary.nodes.add(len(batch.rows), counters.nodes_created, changed)
            else:
                summary.relationships.add(len(batch.rows), counters.relationships_created, changed)
            summary.batches += 1
            if progress is not None:
                progress(len(batch.rows))
    return summary


def _names(tx: Any, statement: str) -> list[str]:
    return [record["name"] for record in tx.run(statement, {"prefix": NAME_PREFIX})]


def wipe_session(session: Any, batch_size: int = WIPE_BATCH_SIZE) -> dict[str, int]:
    """Delete every ``:InnovationKG`` node (and so its relationships), then drop this
    project's constraints and indexes; nothing else in the database is touched."""
    totals = {"nodes": 0, "relationships": 0, "schema": 0}
    while True:
        deleted, counters = session.execute_write(_run_write, WIPE_BATCH, {"limit": batch_size})
        totals["nodes"] += counters.nodes_deleted
        totals["relationships"] += counters.relationships_deleted
        if deleted == 0:
            break
    for kind, show in (("CONSTRAINT", SHOW_CONSTRAINTS), ("INDEX", SHOW_INDEXES)):
        for name in session.execute_read(_names, show):
            if not name.startswith(NAME_PREFIX) or not re.match(r"^[a-z0-9_]+$", name):
                continue
            _, counters = session.execute_write(_run_write, drop_statement(kind, name), {})
            totals["schema"] += counters.constraints_removed + counters.indexes_removed
    return totals


def wipe(driver: Any, database: str | None = None) -> dict[str, int]:
    """Remove what this project created (see :func:`wipe_session`)."""
    with driver.session(database=database) as session:
        return wipe_session(session)


def run_query(driver: Any, query: str, parameters: dict[str, Any],
              database: str | None = None) -> list[dict[str, Any]]:
    """Rows of a query run in a managed write transaction (retried on transient errors)."""
    def work(tx: Any) -> list[dict[str, Any]]:
        result = tx.run(query, parameters)
        return [{key: plain(value) for key, value in record.items()} for record in result]

    with driver.session(database=database) as session:
        return session.execute_write(work)


def plain(value: Any) -> Any:
    """Driver values as JSON-ready data: nodes and relationships become flat dicts."""
    from neo4j.graph import Node, Path, Relationship

    if isinstance(value, Node):
        return {"_labels": sorted(value.labels), **{k: plain(v) for k, v in value.items()}}
    if isinstance(value, Relationship):
        ends = [n.get("id") if n is not None else None
                for n in (value.start_node, value.end_node)]
        return {"_type": value.type, "_start": ends[0], "_end": ends[1],
                **{k: plain(v) for k, v in value.items()}}
    if isinstance(value, Path):
        return {"nodes": [plain(n) for n in value.nodes],
                "relationships": [plain(r) for r in value.relationships]}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def parse_param(text: str) -> tuple[str, Any]:
    """``name=value``: the value is JSON when it parses (numbers, true, lists, "quoted"),
    else the plain string.

    >>> parse_param("limit=5"), parse_param("id=barrier/x"), parse_param('n="5"')
    (('limit', 5), ('id', 'barrier/x'), ('n', '5'))
    """
    import json

    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
        raise KgError(f"bad --param {text!r}", hint="write name=value, e.g. --param id=barrier/x")
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw
