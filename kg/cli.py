"""The ``kg`` command: a thin layer that parses options, calls the library and prints."""

from __future__ import annotations

import functools
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Callable, Optional, TypeVar

import typer

from kg.errors import KgError

app = typer.Typer(
    name="kg",
    help="innovation-kg: a provenance-checked knowledge graph of the innovation mechanism model.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

DataDirOption = Annotated[Optional[Path], typer.Option(
    "--data-dir", help="Store directory (default: $KG_DATA_DIR or ./.kg).", show_default=False)]
ReviewedOnlyOption = Annotated[bool, typer.Option(
    "--reviewed-only", help="Leave out draft items (proposed by `kg ingest`, not reviewed).")]


class StatsFormat(str, Enum):
    table = "table"
    json = "json"


class ReportFormat(str, Enum):
    text = "text"
    json = "json"


def friendly(func: F) -> F:
    """Turn library errors into one line on stderr and a non-zero exit, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KgError as exc:
            from kg.render import safe

            typer.echo(f"error: {safe(exc.line())}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # The reader (e.g. `| head`) went away: stop quietly, as other CLI tools do.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - last line of defence for the user
            from kg.render import safe

            typer.echo(f"error: unexpected {type(exc).__name__}: {safe(str(exc))} "
                       "(please report this with the command you ran)", err=True)
            raise typer.Exit(70) from None

    return wrapper  # type: ignore[return-value]


def _data_dir(option: Optional[Path], reviewed_only: bool = False) -> Path:
    """The data dir to read; with ``reviewed_only``, a view of its build without drafts."""
    from kg.store import data_dir_from

    target = data_dir_from(str(option) if option else None)
    if reviewed_only:
        from kg.store import reviewed_only as without_drafts

        return without_drafts(target)
    return target


def _print_json(data: Any) -> None:
    from kg.store import dump_json

    sys.stdout.write(dump_json(data))


@app.command()
@friendly
def build(
    source: Annotated[Path, typer.Option(help="Directory with documents/ and annotations/.")]
    = Path("seed_data"),
    data_dir: DataDirOption = None,
    validate: Annotated[bool, typer.Option(help="Check the graph against the SHACL shapes.")]
    = True,
    shacl_engine: Annotated[str, typer.Option(
        "--shacl-engine", metavar="auto|jena|pyshacl",
        help="SHACL engine for the validation (as for `kg validate`): auto takes Apache Jena "
             "for large graphs when it is built and java runs, else pySHACL.")] = "auto",
    lock_timeout: Annotated[float, typer.Option(
        help="Seconds to wait for another build of the same data dir to finish writing.",
        min=0)] = 60.0,
) -> None:
    """Build, validate and persist the graph from SOURCE (atomically; only what changed since
    the last build of the data dir is read again)."""
    from kg.build import build as run_build
    from kg.validation import choose_engine

    if validate:
        choose_engine(shacl_engine, 0)  # an unknown engine fails before any work
    target = _data_dir(data_dir)
    result = run_build(source, target, validate=validate, shacl_engine=shacl_engine,
                       lock_timeout=lock_timeout, notify=lambda line: typer.echo(line, err=True))
    units = result.reused + result.made
    reused = f"; {result.reused} of {units} units unchanged" if result.reused else ""
    typer.echo(f"built {result.manifest['triples']} triples from {source} into {target} "
               f"(build {result.manifest['build']}{reused})", err=True)


@app.command()
@friendly
def stats(
    fmt: Annotated[StatsFormat, typer.Option("--format", help="Output format.")]
    = StatsFormat.table,
    data_dir: DataDirOption = None,
    reviewed_only: ReviewedOnlyOption = False,
) -> None:
    """Counts per class and per relation, overall and per document."""
    from kg.stats import compute_stats
    from kg.store import load_build

    result = compute_stats(*load_build(_data_dir(data_dir, reviewed_only)))
    if fmt is StatsFormat.json:
        _print_json(result)
        return
    from kg.render import stats_tables

    stats_tables(result)


@app.command()
@friendly
def validate(
    fmt: Annotated[ReportFormat, typer.Option("--format", help="Output format.")]
    = ReportFormat.text,
    data_dir: DataDirOption = None,
    shacl_engine: Annotated[str, typer.Option(
        "--shacl-engine", metavar="auto|jena|pyshacl",
        help="SHACL engine: Apache Jena (tools/jena-shacl, Java 17; built by "
             "scripts/ensure-jena-shacl), pySHACL, or auto (Jena for large graphs when it is "
             "built and java runs, else pySHACL). Both give the same findings.")] = "auto",
) -> None:
    """Validate the stored graph against the SHACL shapes; exit 1 if it does not conform."""
    from kg.store import read_ntriples
    from kg.validation import choose_engine, validate_ntriples

    choose_engine(shacl_engine, 0)  # an unknown engine fails before the store is read
    report = validate_ntriples(read_ntriples(_data_dir(data_dir)), engine=shacl_engine)
    if fmt is ReportFormat.json:
        _print_json({"conforms": report.conforms,
                     "results": [vars(finding) for finding in report.results]})
    else:
        typer.echo(f"conforms: {str(report.conforms).lower()} ({len(report.results)} results)")
        for finding in report.results:
            typer.echo(f"{finding.severity}: {finding.focus} {finding.path}: {finding.message}")
    if not report.conforms:
        raise typer.Exit(1)


@app.command()
@friendly
def export(
    fmt: Annotated[str, typer.Option("--format", help="ttl | nt | jsonld (and the formats "
                                     "listed by `kg export --list`).")] = "ttl",
    out: Annotated[Optional[Path], typer.Option(help="Output file or directory "
                                                "(default or `-`: stdout for file formats); "
                                                "never a symbolic link or special file.")]
    = None,
    parents: Annotated[bool, typer.Option(
        "--parents", help="Create the missing parent directories of --out.")] = False,
    follow_symlinks: Annotated[bool, typer.Option(
        "--follow-symlinks", help="If --out is a symbolic link, write to its target.")] = False,
    list_formats: Annotated[bool, typer.Option("--list", help="List the formats.")] = False,
    data_dir: DataDirOption = None,
    reviewed_only: ReviewedOnlyOption = False,
) -> None:
    """Export the stored graph (RDF, and the exchange formats registered in kg.exporters)."""
    from kg.exporters import DIRECTORY_FORMATS, FORMATS, exporter
    from kg.fileio import check_output, is_stdout, write_output

    if list_formats:
        for name in FORMATS:
            typer.echo(name + (" (directory)" if name in DIRECTORY_FORMATS else ""))
        return
    if fmt not in FORMATS:
        raise KgError(f"unknown export format {fmt!r}", hint="use one of: " + ", ".join(FORMATS))
    if fmt in DIRECTORY_FORMATS:
        if is_stdout(out):
            raise KgError(f"format {fmt} writes a directory", hint="pass --out DIR")
        check_output(out, directory=True, parents=parents, follow_symlinks=follow_symlinks)
        exporter(fmt)(_data_dir(data_dir, reviewed_only), out,  # type: ignore[call-arg]
                      parents=parents,
                      follow_symlinks=follow_symlinks)
        typer.echo(f"wrote {fmt} into {out}", err=True)
        return
    if not is_stdout(out):  # refuse a bad --out before the work
        check_output(out, parents=parents, follow_symlinks=follow_symlinks)
    data = exporter(fmt)(_data_dir(data_dir, reviewed_only), None)
    assert data is not None
    written = write_output(out, data, parents=parents, follow_symlinks=follow_symlinks)
    if written is not None:
        typer.echo(f"wrote {written.stat().st_size} bytes to {written}", err=True)


class OutputFormat(str, Enum):
    tree = "tree"
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"


class TabularFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"


class Lang(str, Enum):
    zh = "zh"
    en = "en"
    both = "both"


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]
TabularOption = Annotated[TabularFormat, typer.Option("--format", help="Output format.")]
LangOption = Annotated[Lang, typer.Option("--lang", help="Label language.")]
DocumentOption = Annotated[Optional[str], typer.Option(
    "--document", help="Only items of this paper (a document id, e.g. 000 or 003).",
    show_default=False)]

trace_app = typer.Typer(help="Walk the graph from a barrier, a strategy or a mechanism.",
                        no_args_is_help=True)
app.add_typer(trace_app, name="trace")


def _view(data_dir: Optional[Path], reviewed_only: bool = False) -> Any:
    from kg.graphview import GraphView

    return GraphView.from_store(_data_dir(data_dir, reviewed_only))


def _resolve(view: Any, query: str, classes: tuple[str, ...] = ()) -> dict[str, Any]:
    """Resolve a query; ambiguous and unknown queries print their candidates and exit."""
    from kg.resolve import EXACT, Ambiguous, NotFound, resolve_match

    try:
        match = resolve_match(view, query, classes=classes)
    except (Ambiguous, NotFound) as exc:
        from kg.render import safe

        typer.echo(f"error: {safe(exc.line())}", err=True)
        for cand in exc.candidates:
            typer.echo(f"  {cand.describe()}", err=True)
        raise typer.Exit(exc.exit_code) from None
    if match.how not in EXACT:
        from kg.render import safe

        typer.echo(f"note: {safe(query)!r} resolved to {match.describe()} "
                   f"(by {match.how} match)", err=True)
    return match.node


def _check_document(view: Any, document: Optional[str]) -> None:
    from kg.queries import check_document

    check_document(view, document)


def _emit_result(result: dict[str, Any], fmt: OutputFormat, lang: Lang) -> None:
    from kg import render

    if fmt is OutputFormat.json:
        _print_json(result)
    elif fmt is OutputFormat.csv:
        sys.stdout.write(render.rows_csv(render.trace_rows(result, lang.value)))
    elif fmt is OutputFormat.markdown:
        sys.stdout.write(render.trace_markdown(result, lang.value))
    elif fmt is OutputFormat.table:
        render.rows_table(render.trace_rows(result, lang.value))
    else:
        render.trace_tree(result, lang.value)


def _emit_rows(rows: list[dict[str, Any]], fmt: TabularFormat, title: str = "",
               columns: Optional[list[str]] = None) -> None:
    from kg import render

    if fmt is TabularFormat.json:
        _print_json(rows)
    elif fmt is TabularFormat.csv:
        if not rows and columns:
            sys.stdout.write(render.rows_csv([dict.fromkeys(columns, "")])
                             .splitlines(keepends=True)[0])
            return
        sys.stdout.write(render.rows_csv(rows))
    elif fmt is TabularFormat.markdown:
        sys.stdout.write(render.rows_markdown(rows))
    else:
        render.rows_table(rows, title)


def _trace(kind: str, query: str, fmt: OutputFormat, lang: Lang, data_dir: Optional[Path],
           document: Optional[str] = None, reviewed_only: bool = False) -> None:
    from kg.traces import TRACES, only_document

    function, classes = TRACES[kind]
    view = _view(data_dir, reviewed_only)
    _check_document(view, document)
    node = _resolve(view, query, classes)
    result = function(view, node["id"])
    _emit_result(only_document(result, document) if document else result, fmt, lang)


TRACE_HELP = {
    "barrier": "A barrier → the mechanisms it hinders → strategies, policies, cases, evidence.",
    "strategy": "A strategy → the barriers it mitigates and the mechanisms it strengthens or "
                "unblocks.",
    "mechanism": "A mechanism → what hinders and strengthens it, its cases, theories and stages.",
}


def _add_trace_command(kind: str) -> None:
    """Register ``kg trace KIND QUERY`` (the three walks share options and rendering)."""

    def command(query: Annotated[str, typer.Argument(help="Id, zh/en label or words.")],
                fmt: FormatOption = OutputFormat.tree, lang: LangOption = Lang.both,
                document: DocumentOption = None, data_dir: DataDirOption = None,
                reviewed_only: ReviewedOnlyOption = False) -> None:
        _trace(kind, query, fmt, lang, data_dir, document, reviewed_only)

    command.__name__ = f"trace_{kind}"
    command.__doc__ = TRACE_HELP[kind]
    trace_app.command(kind)(friendly(command))


for _kind in TRACE_HELP:
    _add_trace_command(_kind)


@app.command()
@friendly
def show(query: Annotated[str, typer.Argument(help="Id, zh/en label or words.")],
         fmt: FormatOption = OutputFormat.tree, lang: LangOption = Lang.both,
         data_dir: DataDirOption = None, reviewed_only: ReviewedOnlyOption = False) -> None:
    """An entity card: labels, definition, properties and every relation with evidence."""
    from kg.queries import show as show_entity

    view = _view(data_dir, reviewed_only)
    node = _resolve(view, query)
    _emit_result(show_entity(view, node["id"]), fmt, lang)


#: What `kg list` takes (any class of the ontology works; these are the ones with entities).
LIST_KINDS = ("barriers", "problems", "strategies", "policies", "mechanisms", "mechanism-stages",
              "innovation-types", "innovation-modes", "competition-effects", "effects", "cases",
              "practices", "outcomes", "theories", "statistics", "samples", "dimensions",
              "organizations", "platforms", "programmes", "references", "documents")


@app.command("list")
@friendly
def list_(kind: Annotated[str, typer.Argument(help="A class: " + ", ".join(LIST_KINDS) + ".")],
          fmt: TabularOption = TabularFormat.table, lang: LangOption = Lang.both,
          document: DocumentOption = None, data_dir: DataDirOption = None,
          reviewed_only: ReviewedOnlyOption = False) -> None:
    """A table of all entities of one class (KIND, singular or plural, any case)."""
    from kg import render
    from kg.queries import list_entities, resolve_class

    view = _view(data_dir, reviewed_only)
    _check_document(view, document)
    cls = resolve_class(view, kind)
    rows = [r for r in list_entities(view, cls) if document is None or r["document"] == document]
    if fmt is not TabularFormat.json:
        mixed = len({r["class"] for r in rows}) > 1  # a class column only when it says something
        rows = [{"id": r["id"], **({"class": r["class"]} if mixed else {}),
                 "label": render.label(r, lang.value), "doc": r["document"],
                 "details": render.list_details(r)} for r in rows]
    _emit_rows(rows, fmt, f"{cls} ({len(rows)})")


@app.command()
@friendly
def cases(fmt: TabularOption = TabularFormat.table, lang: LangOption = Lang.both,
          data_dir: DataDirOption = None) -> None:
    """Table 1 of paper 000 rebuilt from the graph: indicators, practices, outcomes.

    Practice columns follow the paper's order of the mechanisms; indicators are in years and
    percent. The terminal table is split in two (indicators; type, practices and outcomes) so
    that it reads at 80 columns; csv, markdown and json keep one row per case.
    """
    from kg import render
    from kg.queries import cases_table

    rows = cases_table(_view(data_dir))
    if fmt is TabularFormat.json:
        _print_json(rows)
        return
    mechanisms = sorted({p["mechanism"]["id"]: p["mechanism"] for r in rows
                         for p in r["practices"]}.values(), key=lambda m: m["order"])
    units = {"yearsOnPlatform": "years", "platformTransactionRatio": "platform transaction %",
             "innovationInvestmentRatio": "innovation investment %",
             "feedbackResponseRate": "24h response %"}

    def number(value: Any) -> str:
        return "" if value is None else f"{value:g}"

    flat = []
    for r in rows:
        practice = {p["mechanism"]["id"]: render.label(p, lang.value) for p in r["practices"]}
        flat.append({"id": r["id"], "case": render.label(r, lang.value),
                     "type": render.label({"label": r["enterpriseTypeLabel"]}, lang.value),
                     **{header: number(r["indicators"][key]) for key, header in units.items()},
                     **{render.label(m, lang.value): practice.get(m["id"], "") for m in mechanisms},
                     "outcomes": render.join(render.label(o, lang.value) for o in r["outcomes"])})
    if fmt is not TabularFormat.table:
        _emit_rows(flat, fmt, "Table 1 (paper 000)")
        return
    from rich.table import Table
    from rich.text import Text

    indicators = Table(title="Table 1 (paper 000): indicators")
    cards = Table(title="Table 1 (paper 000): type, practices by mechanism, outcomes",
                  show_lines=True)
    for table in (indicators, cards):
        table.add_column("id", no_wrap=True)
    for header in units.values():
        # one word a line: the four indicators and the ids fit 80 columns without folding
        indicators.add_column(header.replace(" ", "\n"), justify="right", overflow="fold")
    cards.add_column("case", overflow="fold")
    for row in flat:
        indicators.add_row(Text(row["id"]), *(Text(row[h]) for h in units.values()))
        lines = [f"{row['case']} ({row['type']})" if row["type"] else row["case"]]
        lines += [f"{render.label(m, lang.value)}: {row[render.label(m, lang.value)]}"
                  for m in mechanisms]
        lines.append(f"outcomes: {row['outcomes']}")
        cards.add_row(Text(row["id"]), Text("\n".join(lines)))
    out = render.console()
    out.print(indicators)
    out.print(cards)


@app.command()
@friendly
def search(text: Annotated[str, typer.Argument(help="Words in zh or en.")],
           limit: Annotated[int, typer.Option(help="Most hits to show.", min=1)] = 20,
           fmt: TabularOption = TabularFormat.table, lang: LangOption = Lang.both,
           document: DocumentOption = None, data_dir: DataDirOption = None,
           reviewed_only: ReviewedOnlyOption = False) -> None:
    """Ranked, typo-tolerant search; each hit shows the matched snippet.

    Searches labels, alternative labels, definitions, key content and the passages of entities
    and of their relations.
    """
    from kg import render
    from kg.search import search as run_search

    view = _view(data_dir, reviewed_only)
    _check_document(view, document)
    hits = run_search(view, text, limit=limit, document=document)
    if fmt is not TabularFormat.json:
        hits = [{"score": h["score"], "id": h["id"], "class": h["class"],
                 "label": render.label(h, lang.value), "paper": h["document"],
                 "matched": h["matched"], "snippet": render.search_snippet(h)} for h in hits]
    _emit_rows(hits, fmt, f"search: {render.safe(text)}")


@app.command()
@friendly
def path(source: Annotated[str, typer.Argument(help="From: id, label or words.")],
         target: Annotated[str, typer.Argument(help="To: id, label or words.")],
         limit: Annotated[int, typer.Option(help="Most paths to show.", min=1)] = 5,
         fmt: FormatOption = OutputFormat.tree, lang: LangOption = Lang.both,
         data_dir: DataDirOption = None, reviewed_only: ReviewedOnlyOption = False) -> None:
    """Meaningful short paths between two entities, each hop with its evidence and direction."""
    from kg import render
    from kg.queries import paths

    view = _view(data_dir, reviewed_only)
    a, b = _resolve(view, source), _resolve(view, target)
    found = paths(view, a["id"], b["id"], limit=limit)
    if fmt is OutputFormat.json:
        _print_json({"source": a["id"], "target": b["id"], "paths": found})
        return
    if not found:
        typer.echo(f"no path between {a['id']} and {b['id']}")
        raise typer.Exit(1)
    for number, hops in enumerate(found, 1):
        lines = [f"path {number}:"]
        for hop in hops:
            lines.append("  " + render.path_hop(hop, lang.value))
            lines += [f"      {render.evidence_line(ev)}" for ev in hop["evidence"]]
        if fmt is OutputFormat.markdown:
            sys.stdout.write("\n".join(["```", *lines, "```"]) + "\n")
        else:
            typer.echo("\n".join(lines))


@app.command()
@friendly
def sparql(query: Annotated[Optional[str], typer.Argument(help="SPARQL text or a .rq file.")]
           = None,
           name: Annotated[Optional[str], typer.Option(help="A named query (see --list).")]
           = None,
           bind: Annotated[Optional[list[str]], typer.Option(
               help="var=value (entity ids become IRIs; passed as bindings, never pasted).")]
           = None,
           list_names: Annotated[bool, typer.Option("--list", help="List named queries.")]
           = False,
           fmt: TabularOption = TabularFormat.table,
           data_dir: DataDirOption = None, reviewed_only: ReviewedOnlyOption = False) -> None:
    """Run read-only SPARQL (SELECT/ASK/CONSTRUCT/DESCRIBE) on the stored graph and ontology.

    Prefixes ikg:, id:, skos:, rdf:, rdfs:, owl:, xsd:, prov:, dcterms:, cito: and schema: are
    predeclared. A bound variable must occur in the query (and be selected by a SELECT).
    """
    from kg.rdfstore import open_store
    from kg.sparql_runner import (describe_named_queries, empty_result_note, parse_bindings,
                                  query_text, run_sparql)

    if list_names:
        typer.echo("\n".join(describe_named_queries()))
        return
    text = query_text(query, name)
    bindings = parse_bindings(bind or [])
    result = run_sparql(open_store(_data_dir(data_dir, reviewed_only)), text, bindings,
                        name=name)
    if result["kind"] == "select" and not result["rows"] and bindings:
        typer.echo(f"note: {empty_result_note(bindings, name)}", err=True)
    if result["kind"] == "ask":
        if fmt is TabularFormat.json:
            _print_json({"boolean": result["boolean"]})
        else:
            typer.echo(str(result["boolean"]).lower())
        return
    if result["kind"] == "graph":
        sys.stdout.write(result["turtle"])
        return
    _emit_rows(result["rows"], fmt, f"{len(result['rows'])} rows")


@app.command()
@friendly
def cypher(query: Annotated[str, typer.Argument(help="A read-only Cypher query.")],
           param: Annotated[Optional[list[str]], typer.Option(
               "--param", help="name=value (JSON when it parses, else a string); passed as a "
               "parameter, never pasted into the query.")] = None,
           fmt: TabularOption = TabularFormat.table,
           data_dir: DataDirOption = None, reviewed_only: ReviewedOnlyOption = False) -> None:
    """Run read-only Cypher locally, answered as Neo4j answers it (embedded LadybugDB; the
    labels, types and properties of `kg neo4j push`)."""
    from kg.cypher import run_cypher
    from kg.neo4j.params import parse_param

    parameters = dict(parse_param(p) for p in param or [])
    result = run_cypher(_data_dir(data_dir, reviewed_only), query, parameters)
    _emit_rows(result.rows, fmt, f"{len(result.rows)} rows", result.columns)


def _register_extensions() -> None:
    """Commands that live in their own modules (each imports its heavy libraries lazily)."""
    import importlib

    for name in ("kg.cli_viz", "kg.cli_neo4j", "kg.cli_cite", "kg.cli_review",
                 "kg.cli_ingest"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


_register_extensions()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
