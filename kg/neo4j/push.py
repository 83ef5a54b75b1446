"""Push to, query and wipe a Neo4j server with the official driver (managed transactions).

Every write runs inside ``session.execute_write``, which retries transient errors; each
batch is idempotent (``MERGE`` plus write-only-if-different, deletes matched by id), so a
retried or repeated batch changes nothing. A push leaves this project's part of the database
(``:InnovationKG`` nodes and the relationships between them) equal to the build: what the
build no longer has is removed first. Driver errors become one-line :class:`KgError`s; the
password never appears in any message.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import unquote, unquote_plus, urlsplit

from kg.errors import KgError
from kg.neo4j.mapping import PropertyGraph, Schema
from kg.neo4j.params import parse_param  # noqa: F401 - `kg neo4j query --param`
from kg.neo4j.statements import (
    DEFAULT_BATCH_SIZE, NAME_PREFIX, NO_ID_BATCH, PROJECT_NODES, PROJECT_RELATIONSHIPS,
    SHOW_CONSTRAINTS, SHOW_INDEXES, WIPE_BATCH, WIPE_BATCH_SIZE, cleanup_plan,
    constraint_statements, drop_statement, load_plan, stale_labels)

SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
DATABASE_NOT_FOUND = "Neo.ClientError.Database.DatabaseNotFound"


@dataclass
class Counts:
    """Created, updated, unchanged and removed entities of one kind (``total`` counts the
    build's; ``removed`` the stale ones deleted from the server)."""

    total: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0

    @property
    def unchanged(self) -> int:
        return self.total - self.created - self.updated

    def add(self, rows: int, created: int, changed: int) -> None:
        """One batch: ``changed`` counts the rows that were written (new ones included,
        except relationships without properties, which have nothing to write)."""
        self.total += rows
        self.created += created
        self.updated += max(changed - created, 0)

    def as_dict(self) -> dict[str, int]:
        return {"total": self.total, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "removed": self.removed}


@dataclass
class PushSummary:
    """What a push did.

    ``labels_removed`` counts stale labels taken off nodes that stay (those nodes count as
    updated); ``detached`` counts relationships of other data (to or from a node that is not
    this project's) deleted because their project node was removed.
    """

    schema_statements: int = 0
    schema_added: int = 0
    batches: int = 0
    nodes: Counts = field(default_factory=Counts)
    relationships: Counts = field(default_factory=Counts)
    labels_removed: int = 0
    detached: int = 0
    wiped: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"schema_statements": self.schema_statements, "schema_added": self.schema_added,
                "batches": self.batches, "nodes": self.nodes.as_dict(),
                "relationships": self.relationships.as_dict(),
                "labels_removed": self.labels_removed,
                "other_relationships_removed": self.detached, "wiped": dict(self.wiped)}

    def line(self) -> str:
        """One human line: ``nodes 914 (914 created, 0 updated, 0 unchanged, 0 removed); …``."""
        def part(name: str, counts: Counts) -> str:
            return (f"{name} {counts.total} ({counts.created} created, {counts.updated} updated, "
                    f"{counts.unchanged} unchanged, {counts.removed} removed)")
        parts = [part("nodes", self.nodes), part("relationships", self.relationships)]
        if self.labels_removed:
            parts.append(f"{self.labels_removed} stale label{_s(self.labels_removed)} removed")
        if self.detached:
            parts.append(f"{self.detached} relationship{_s(self.detached)} of other data "
                         "removed with their nodes")
        parts.append(f"{self.schema_statements} constraints/indexes ensured "
                     f"({self.schema_added} new)")
        text = "; ".join(parts)
        if self.wiped:
            text = (f"wiped {self.wiped.get('nodes', 0)} nodes and "
                    f"{self.wiped.get('relationships', 0)} relationships; " + text)
        return text


def _s(count: int) -> str:
    return "" if count == 1 else "s"


#: Names of parameters or keys whose values are credentials (``password``, ``auth``, ``token`` …).
_SECRET_NAME = r"[\w.\-]*(?:pass|pwd|auth|secret|token|credential|key)[\w.\-]*"
#: ``name=value`` (a query parameter) with such a name; group 1 is kept.
_SECRET_PARAM = re.compile(rf"(?i)((?<![\w.\-]){_SECRET_NAME}=)([^&#;\s'\"]*)")
#: ``'name': 'value'`` (a printed map) with such a name; groups 1 and 2 are kept.
_SECRET_ITEM = re.compile(rf"""(?i)(['"]{_SECRET_NAME}['"]\s*:\s*)(['"])((?:(?!\2).)*)\2""")
#: What may precede the user:password of a token that has no ``//`` (``neo4j:pw@host``).
_TOKEN_HEAD = re.compile(r"['\"(\[<{`=,;]*(?:[A-Za-z][A-Za-z0-9+.\-]*:/?)?")
#: Secrets shorter than this are not masked as plain substrings (they would mask ordinary
#: words); the ``user:password@`` and ``password=`` shapes are removed whatever their length.
MIN_SECRET = 4
MASK = "***"


def _userinfo(token: str) -> tuple[int, int] | None:
    """Start and end of the ``user:password@`` part of a URI-like token (any shape: ``//``
    missing, extra slashes, percent-encoding, an ``@`` in the password), or None."""
    at = token.rfind("@")
    if at < 0:
        return None
    sep = token.find("//")
    start = sep + 2 if 0 <= sep < at else _TOKEN_HEAD.match(token).end()  # type: ignore[union-attr]
    return (start, at + 1) if start <= at else None


def _credentials(text: str, *, one_uri: bool = False) -> set[str]:
    """The credentials ``text`` spells out: the user:password (and the password alone) of
    its URI-like words (or of the whole text if it is ``one_uri``, spaces and all), the
    values of secret parameters and map items; as written and percent-decoded, as long as
    :data:`MIN_SECRET`."""
    found: set[str] = set()
    for piece in ([text] if one_uri else []) + text.split():
        span = _userinfo(piece)
        if span is not None:
            userinfo = piece[span[0]:span[1] - 1]
            found.update({userinfo, userinfo.partition(":")[2] or userinfo})
    found.update(match.group(2) for match in _SECRET_PARAM.finditer(text))
    found.update(match.group(3) for match in _SECRET_ITEM.finditer(text))
    return {form for secret in found for form in (secret, unquote(secret), unquote_plus(secret))
            if len(form) >= MIN_SECRET}


def redact(text: str, *, uri: str = "", password: str = "") -> str:
    """``text`` without credentials: every ``user:password@`` of a URI-like word is removed;
    the values of ``password=``, ``auth=``, ``token=`` … parameters and map items are masked,
    and so is, wherever it appears, every credential that ``text`` or ``uri`` spells out and
    the ``password`` (as long as :data:`MIN_SECRET`). The one redaction of this package:
    error lines and anything that shows a URI go through it.

    >>> redact("neo4j://alice:secret@db.example:7687")
    'neo4j://db.example:7687'
    >>> redact("not a Neo4j URI: 'bolt//neo4j:s3cret@host:1'")
    "not a Neo4j URI: 'bolt//host:1'"
    >>> redact("neo4j://db:7687?region=eu&password=s3cret")
    'neo4j://db:7687?region=eu&password=***'
    """
    secrets = _credentials(text) | _credentials(uri, one_uri=True)
    if len(password) >= MIN_SECRET:
        secrets.add(password)
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)

    def word(match: re.Match[str]) -> str:
        token = match.group(0)
        span = _userinfo(token)
        return token if span is None else token[:span[0]] + token[span[1]:]

    text = _SECRET_ITEM.sub(rf"\1\2{MASK}\2", re.sub(r"\S+", word, text))
    return _SECRET_PARAM.sub(rf"\1{MASK}", text)


def shown_uri(uri: str) -> str:
    """``uri`` as messages show it: without its credentials (see :func:`redact`).

    >>> shown_uri("bolt://alice:my secret@db:7687?auth=x1234")
    'bolt://db:7687?auth=***'
    """
    return redact(uri, uri=uri)


def scrub(error: BaseException, *, uri: str = "", password: str = "") -> BaseException:
    """``error`` with every text it will be shown as redacted (see :func:`redact`): a
    :class:`KgError`'s what, where and hint, any other exception's arguments (in place), or
    an exception of the same name carrying the redacted text."""
    def clean(text: str) -> str:
        return redact(text, uri=uri, password=password)

    if isinstance(error, KgError):
        error.what, error.where, error.hint = (clean(error.what), clean(error.where),
                                               clean(error.hint))
        error.args = (error.line(),)
        return error
    text = str(error)
    if clean(text) == text:
        return error
    error.args = tuple(clean(a) if isinstance(a, str) else a for a in error.args)
    if str(error) != clean(text):  # its text is not made of its arguments (e.g. OSError)
        error = type(type(error).__name__, (Exception,), {})(clean(text))
    return error


URI_HINT = "use bolt://host:7687 or neo4j://host:7687 (+s / +ssc for TLS)"


def check_uri(uri: str) -> str:
    """``uri`` if it names a Bolt server (``bolt://`` or ``neo4j://`` and their TLS forms),
    else a one-line :class:`KgError` (the URI shown without credentials)."""
    shown = repr(shown_uri(uri))

    def bad(what: str, hint: str = URI_HINT) -> KgError:
        return KgError(what, where="--uri", hint=hint)

    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme not in SCHEMES:
        raise bad(f"not a Neo4j URI: {shown}")
    if "@" in uri:
        raise bad(f"a user name or password inside {shown}",
                  "take them out of the URI; pass --user and set NEO4J_PASSWORD")
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        raise bad(f"{shown} has a malformed host", "write an IPv6 address in brackets "
                  "before the port, e.g. bolt://[::1]:7687") from None
    if not host:
        raise bad(f"{shown} names no host")
    if parts.path not in ("", "/"):
        raise bad(f"{shown} has a path ({parts.path!r})",
                  "a Neo4j URI names only the server, e.g. bolt://localhost:7687; "
                  "choose the database with --database")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise bad(f"{shown} has port {parts.netloc.rpartition(':')[2]!r}",
                  "a port is a number from 1 to 65535, e.g. bolt://localhost:7687")
    return uri


def _first_line(text: str) -> str:
    return " ".join(str(text).split("\n", 1)[0].split())[:240]


#: The server's answer to a write inside a read transaction.
WRITE_IN_READ_MODE = "Neo.ClientError.Statement.AccessMode"


def translate(exc: BaseException, *, uri: str, user: str, database: str | None) -> KgError:
    """A one-line error for a driver exception (no password, no traceback)."""
    from neo4j import exceptions as ex

    where = shown_uri(uri)
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
    if isinstance(exc, ex.Neo4jError) and exc.code == WRITE_IN_READ_MODE:
        return KgError("kg neo4j query only reads; the query writes", where=where,
                       hint="use `kg neo4j push` to load the graph, or a Neo4j client to write")
    if isinstance(exc, ex.Forbidden):
        return KgError(f"user {user!r} may not do this on {db}: "
                       f"{_first_line(exc.message or str(exc))}", where=where)
    if isinstance(exc, ex.Neo4jError):
        return KgError(f"Neo4j error {exc.code}: {_first_line(exc.message or str(exc))}",
                       where=where)
    if isinstance(exc, ex.DriverError):
        return KgError(f"Neo4j driver error: {_first_line(str(exc))}", where=where)
    return KgError(f"{type(exc).__name__}: {_first_line(str(exc))}", where=where)


@contextmanager
def errors_as_kg(uri: str, user: str, database: str | None, secret: str = "") -> Iterator[None]:
    """Turn driver (and socket) errors raised inside the block into one-line KgErrors, and
    redact every error leaving the block (see :func:`scrub`)."""
    from neo4j.exceptions import DriverError, Neo4jError

    try:
        yield
    except (DriverError, Neo4jError, OSError) as exc:
        raise scrub(translate(exc, uri=uri, user=user, database=database),
                    uri=uri, password=secret) from None
    except Exception as exc:
        cleaned = scrub(exc, uri=uri, password=secret)
        if cleaned is exc:
            raise
        raise cleaned from None


@contextmanager
def connect(uri: str, user: str, password: str, database: str | None) -> Iterator[Any]:
    """A verified driver (closed on exit); errors while connecting are one-line KgErrors."""
    import logging

    from neo4j import GraphDatabase

    # The driver logs warnings (``Unable to retrieve routing information``) that Python would
    # print on stderr next to our one-line error; they are shown only if the caller configures
    # logging.
    logger = logging.getLogger("neo4j")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
    check_uri(uri)
    with errors_as_kg(uri, user, database, password):
        try:
            driver = GraphDatabase.driver(uri, auth=(user, password))
        except ValueError as exc:
            raise KgError(f"bad Neo4j URI: {_first_line(str(exc))}", where=shown_uri(uri),
                          hint=URI_HINT) from None
        try:
            try:
                driver.verify_connectivity()
            except ValueError as exc:  # e.g. an address that does not resolve
                raise KgError(f"cannot reach the Neo4j server: {_first_line(str(exc))}",
                              where=shown_uri(uri), hint="check --uri") from None
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


def project_state(tx: Any) -> tuple[dict[Any, list[str]], int,
                                     dict[tuple[Any, Any, Any], int]]:
    """What the server holds of this project: node id -> labels, how many project nodes
    have no id, and ``(type, source id, target id) -> count`` of the relationships between
    two project nodes."""
    nodes: dict[Any, list[str]] = {}
    no_id = 0
    for record in tx.run(PROJECT_NODES, {}):
        if record["id"] is None:
            no_id += 1
        else:
            nodes[record["id"]] = list(record["labels"])
    rels = {(record["type"], record["source"], record["target"]): int(record["n"])
            for record in tx.run(PROJECT_RELATIONSHIPS, {})}
    return nodes, no_id, rels


def remove_stale(session: Any, graph: PropertyGraph, summary: PushSummary,
                 batch_size: int = DEFAULT_BATCH_SIZE) -> dict[str, list[str]]:
    """Delete what the server has of this project and ``graph`` no longer has: relationships
    between two project nodes that are not in the build (and extra copies of one that is),
    then project nodes whose id is not in the build (or that have none), with their
    relationships. Returns the stale labels of the nodes that stay, for the node batches to
    remove (see :func:`~kg.neo4j.statements.stale_labels`). Nothing without the marker label,
    and no relationship between two nodes that are not both this project's, is deleted,
    except the relationships of other data attached to a removed node (counted apart)."""
    nodes, no_id, rels = session.execute_read(project_state)
    for batch in cleanup_plan(graph, nodes, rels, batch_size):
        _, counters = session.execute_write(_run_write, batch.statement, {"rows": batch.rows})
        if batch.kind == "stale-nodes":
            summary.nodes.removed += counters.nodes_deleted
            summary.detached += counters.relationships_deleted
        else:
            summary.relationships.removed += counters.relationships_deleted
        summary.batches += 1
    while no_id:
        deleted, counters = session.execute_write(_run_write, NO_ID_BATCH,
                                                  {"limit": WIPE_BATCH_SIZE})
        summary.nodes.removed += counters.nodes_deleted
        summary.detached += counters.relationships_deleted
        summary.batches += 1
        if deleted == 0:
            break
    return stale_labels(graph, nodes)


def push(driver: Any, graph: PropertyGraph, schema: Schema, *, database: str | None = None,
         batch_size: int = DEFAULT_BATCH_SIZE, wipe_first: bool = False,
         progress: Callable[[int], None] | None = None) -> PushSummary:
    """Constraints first; then what the build no longer has is removed (see
    :func:`remove_stale`); then every node batch, then every relationship batch."""
    summary = PushSummary()
    with driver.session(database=database) as session:
        if wipe_first:
            summary.wiped = wipe_session(session)
        summary.schema_statements, summary.schema_added = ensure_schema(session, schema)
        stale = remove_stale(session, graph, summary, batch_size)
        for batch in load_plan(graph, batch_size, stale):
            changed, counters = session.execute_write(_run_write, batch.statement,
                                                      {"rows": batch.rows})
            if batch.kind == "nodes":
                summary.nodes.add(len(batch.rows), counters.nodes_created, changed)
                summary.labels_removed += counters.labels_removed
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
    """Rows of a query run in a managed read transaction (retried on transient errors): the
    server refuses writes in it, so `kg neo4j query` can never change the database."""
    def work(tx: Any) -> list[dict[str, Any]]:
        result = tx.run(query, parameters)
        return [{key: plain(value) for key, value in record.items()} for record in result]

    with driver.session(database=database) as session:
        return session.execute_read(work)


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
