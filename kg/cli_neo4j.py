"""``kg neo4j schema|push|query|wipe``: the Neo4j mapping and a live server (imported by kg.cli)."""

from __future__ import annotations

import functools
import os
import sys
from enum import Enum
from typing import Annotated, Any, Callable, Optional, TypeVar

import typer

from kg.cli import DataDirOption, TabularFormat, _data_dir, _emit_rows, _print_json, app, friendly
from kg.errors import KgError

neo4j_app = typer.Typer(help="Neo4j: the property-graph mapping, push to a server, query it.",
                        no_args_is_help=True)
app.add_typer(neo4j_app, name="neo4j")


class SchemaFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    json = "json"
    cypher = "cypher"


class SummaryFormat(str, Enum):
    text = "text"
    json = "json"


UriOption = Annotated[str, typer.Option(
    "--uri", envvar="NEO4J_URI", help="Server, e.g. bolt://localhost:7687 (or $NEO4J_URI).",
    show_default=False)]
UserOption = Annotated[str, typer.Option("--user", envvar="NEO4J_USER",
                                         help="User name (or $NEO4J_USER).")]
DatabaseOption = Annotated[Optional[str], typer.Option(
    "--database", envvar="NEO4J_DATABASE",
    help="Database (default: the server's default; or $NEO4J_DATABASE).", show_default=False)]


def _check_uri(uri: str) -> None:
    from kg.neo4j.push import check_uri

    if not uri:
        raise KgError("no Neo4j server given", where="--uri",
                      hint="pass --uri bolt://host:7687 or set NEO4J_URI")
    check_uri(uri)


#: The password typed at the prompt during this command (so that errors can mask it).
_typed: list[str] = []


def _password() -> str:
    """``$NEO4J_PASSWORD``, else a hidden prompt; never a command-line value."""
    password = os.environ.get("NEO4J_PASSWORD")
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise KgError("no Neo4j password and no terminal to prompt on",
                      hint="set NEO4J_PASSWORD")
    _typed.append(str(typer.prompt("Neo4j password", hide_input=True, err=True)))
    return _typed[-1]


F = TypeVar("F", bound=Callable[..., Any])


def redacted(func: F) -> F:
    """Every error leaving a server command is redacted before ``friendly`` prints it: no
    ``user:password@``, ``password=`` value, credential written in --uri or the password
    itself, whatever the error and the URI's shape (see :func:`kg.neo4j.push.redact`)."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from kg.neo4j.push import scrub

        _typed.clear()
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            password = os.environ.get("NEO4J_PASSWORD") or (_typed[-1] if _typed else "")
            cleaned = scrub(exc, uri=str(kwargs.get("uri") or ""), password=password)
            if cleaned is exc:
                raise
            raise cleaned from None
        finally:
            _typed.clear()

    return wrapper  # type: ignore[return-value]


@neo4j_app.command("schema")
@friendly
def schema_command(fmt: Annotated[SchemaFormat, typer.Option("--format", help="Output format.")]
                   = SchemaFormat.table,
                   data_dir: DataDirOption = None) -> None:
    """The property-graph mapping of the current build: labels, types, typed properties."""
    from kg.neo4j.mapping import load, schema_json, schema_markdown
    from kg.neo4j.statements import constraint_statements

    _, schema = load(_data_dir(data_dir))
    if fmt is SchemaFormat.json:
        _print_json(schema_json(schema))
    elif fmt is SchemaFormat.markdown:
        sys.stdout.write(schema_markdown(schema))
    elif fmt is SchemaFormat.cypher:
        sys.stdout.write("".join(s + ";\n" for s in constraint_statements(schema)))
    else:
        rows: list[dict[str, Any]] = [
            {"kind": "label", "name": s.name, "count": s.count, "ends": "",
             "properties": ", ".join(f"{p.name}: {p.type}" for p in s.properties)}
            for s in schema.labels]
        rows += [{"kind": "type", "name": s.name, "count": s.count,
                  "ends": f"{'|'.join(s.start)} -> {'|'.join(s.end)}",
                  "properties": ", ".join(f"{p.name}: {p.type}" for p in s.properties)}
                 for s in schema.types]
        _emit_rows(rows, TabularFormat.table, "Neo4j mapping")


@neo4j_app.command("push")
@friendly
@redacted
def push_command(uri: UriOption = "", user: UserOption = "neo4j", database: DatabaseOption = None,
                 wipe: Annotated[bool, typer.Option(
                     "--wipe", help="First remove everything this project created there.")]
                 = False,
                 batch_size: Annotated[Optional[int], typer.Option(
                     help="Rows per transaction (default: the documented batch size).", min=1)]
                 = None,
                 fmt: Annotated[SummaryFormat, typer.Option("--format", help="Summary format.")]
                 = SummaryFormat.text,
                 data_dir: DataDirOption = None) -> None:
    """Load the graph into Neo4j: constraints, then batched UNWIND … MERGE (idempotent).

    Removes this project's stale nodes, labels and relationships; touches nothing else."""
    from kg.neo4j.mapping import load
    from kg.neo4j.push import connect, push
    from kg.neo4j.statements import DEFAULT_BATCH_SIZE

    _check_uri(uri)
    graph, schema = load(_data_dir(data_dir))
    password = _password()
    total = len(graph.nodes) + len(graph.relationships)
    with connect(uri, user, password, database) as driver, _progress(total) as advance:
        summary = push(driver, graph, schema, database=database,
                       batch_size=batch_size or DEFAULT_BATCH_SIZE, wipe_first=wipe,
                       progress=advance)
    if fmt is SummaryFormat.json:
        _print_json(summary.as_dict())
    else:
        typer.echo(summary.line())


@neo4j_app.command("wipe")
@friendly
@redacted
def wipe_command(uri: UriOption = "", user: UserOption = "neo4j",
                 database: DatabaseOption = None) -> None:
    """Remove only what this project created (:InnovationKG nodes, innovation_kg_* schema)."""
    from kg.neo4j.push import connect, wipe

    _check_uri(uri)
    with connect(uri, user, _password(), database) as driver:
        totals = wipe(driver, database)
    typer.echo(f"wiped {totals['nodes']} nodes, {totals['relationships']} relationships, "
               f"{totals['schema']} constraints/indexes")


@neo4j_app.command("query")
@friendly
@redacted
def query_command(query: Annotated[str, typer.Argument(help="Cypher text.")],
                  param: Annotated[Optional[list[str]], typer.Option(
                      "--param", help="name=value (JSON when it parses, else a string); "
                      "passed as a parameter, never pasted into the query.")] = None,
                  uri: UriOption = "", user: UserOption = "neo4j",
                  database: DatabaseOption = None,
                  fmt: Annotated[TabularFormat, typer.Option("--format", help="Output format.")]
                  = TabularFormat.table) -> None:
    """Run Cypher against the server (same output formats as `kg cypher`)."""
    from kg.neo4j.push import connect, parse_param, run_query

    _check_uri(uri)
    parameters = dict(parse_param(p) for p in param or [])
    with connect(uri, user, _password(), database) as driver:
        rows = run_query(driver, query, parameters, database)
    _emit_rows(rows, fmt, f"{len(rows)} rows")


class _progress:
    """A rich progress bar on stderr (only on a terminal); yields an ``advance(n)`` callback."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not sys.stderr.isatty():
            return lambda n: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(TextColumn("pushing"), BarColumn(), MofNCompleteColumn(),
                            console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task("push", total=self.total)
        return lambda n: self.bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
