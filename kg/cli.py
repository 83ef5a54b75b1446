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


class StatsFormat(str, Enum):
    table = "table"
    json = "json"


class ReportFormat(str, Enum):
    text = "text"
    json = "json"


class RdfFormat(str, Enum):
    ttl = "ttl"
    nt = "nt"
    jsonld = "jsonld"


def friendly(func: F) -> F:
    """Turn library errors into one line on stderr and a non-zero exit, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KgError as exc:
            typer.echo(f"error: {exc.line()}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - last line of defence for the user
            typer.echo(f"error: unexpected {type(exc).__name__}: {exc} "
                       "(please report this with the command you ran)", err=True)
            raise typer.Exit(70) from None

    return wrapper  # type: ignore[return-value]


def _data_dir(option: Optional[Path]) -> Path:
    from kg.store import data_dir_from

    return data_dir_from(str(option) if option else None)


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
) -> None:
    """Build, validate and persist the graph from SOURCE (atomically)."""
    from kg.build import build as run_build

    target = _data_dir(data_dir)
    result = run_build(source, target, validate=validate)
    typer.echo(f"built {result.manifest['triples']} triples from {source} into {target} "
               f"(build {result.manifest['build']})", err=True)


@app.command()
@friendly
def stats(
    fmt: Annotated[StatsFormat, typer.Option("--format", help="Output format.")]
    = StatsFormat.table,
    data_dir: DataDirOption = None,
) -> None:
    """Counts per class and per relation, overall and per document."""
    from kg.stats import compute_stats
    from kg.store import load_manifest, load_projection

    target = _data_dir(data_dir)
    result = compute_stats(load_projection(target), load_manifest(target))
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
) -> None:
    """Validate the stored graph against the SHACL shapes; exit 1 if it does not conform."""
    from kg.store import ntriples_path
    from kg.validation import load_graph, validate_graph

    report = validate_graph(load_graph(ntriples_path(_data_dir(data_dir))))
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
    fmt: Annotated[RdfFormat, typer.Option("--format", help="Serialisation.")],
    out: Annotated[Optional[Path], typer.Option(help="Output file (default: stdout).")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export the stored graph as Turtle, N-Triples or JSON-LD (byte-stable)."""
    from kg.exporters.rdf import export_rdf

    data = export_rdf(_data_dir(data_dir), fmt.value)
    if out is None:
        sys.stdout.buffer.write(data)
        return
    from kg.fileio import write_atomic

    write_atomic(out, data)
    typer.echo(f"wrote {len(data)} bytes to {out}", err=True)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
