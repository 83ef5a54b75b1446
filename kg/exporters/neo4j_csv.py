"""``--format neo4j-csv``: CSV files for ``neo4j-admin database import full`` (a directory).

Layout: ``nodes/<Class>.csv`` (``id:ID``, ``:LABEL``, typed properties), ``relationships/
<TYPE>.csv`` (``:START_ID``, ``:END_ID``, ``:TYPE``, typed properties), ``schema.cypher``
(the constraint and indexes, to run after the import) and ``README.md`` with the exact
import command. The directory appears complete or not at all.

The files keep the data exactly as it is (a label starting with ``=`` stays so, control
characters stay raw): they are for ``neo4j-admin``, not for a spreadsheet; the spreadsheet
CSV of the query commands is :func:`kg.render.rows_csv`. A missing property is an empty field,
an empty string the quoted field ``""`` (which neo4j-admin imports as ``''``). An empty list,
or a list holding only the empty string, has no form neo4j-admin reads back: it is written as a
missing property (so the import lacks it where ``kg neo4j push`` stores it), and the README
says so. ``tests/test_neo4j_import.py`` runs the import for real.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from kg.errors import KgError
from kg.neo4j.mapping import (
    MARKER, BOOLEAN, FLOAT, INTEGER, STRING, Node, PropertyGraph, Relationship, Schema, TypeSpec,
    neo4j_labels)

if TYPE_CHECKING:
    from kg.exporters.pgstream import IndexedGraph

ARRAY_DELIMITER = "|"
CSV_TYPES = {STRING: "string", INTEGER: "long", FLOAT: "double", BOOLEAN: "boolean"}
README_TITLE = "# innovation-kg: neo4j-admin import files"
#: What an export directory holds: its files, and the report that the README's import command
#: (run in the directory) leaves there (neo4j-admin's --report-file, default import.report).
OWN_ENTRIES = {"nodes", "relationships", "schema.cypher", "README.md", "import.report"}


def csv_type(neo4j_type: str) -> str:
    """The neo4j-admin header type of a Neo4j type.

    >>> csv_type("INTEGER"), csv_type("LIST<STRING>")
    ('long', 'string[]')
    """
    if neo4j_type.startswith("LIST<"):
        return CSV_TYPES[neo4j_type[5:-1]] + "[]"
    return CSV_TYPES[neo4j_type]


def csv_value(value: Any, where: str) -> str:
    """A property value as neo4j-admin reads it (arrays joined by :data:`ARRAY_DELIMITER`)."""
    if isinstance(value, list):
        items = [csv_value(v, where) for v in value]
        for item in items:
            if ARRAY_DELIMITER in item:
                raise KgError(f"an array value contains the array delimiter "
                              f"{ARRAY_DELIMITER!r}: {item[:60]!r}", where=where,
                              hint="change ARRAY_DELIMITER in kg/exporters/neo4j_csv.py")
        return ARRAY_DELIMITER.join(items)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def csv_field(value: Any, where: str) -> str | None:
    """A property's field: ``None`` (an empty field, no property) for a value that neo4j-admin
    cannot read back, i.e. an empty list or a list holding only ``""`` (both read as missing)."""
    text = csv_value(value, where)
    if isinstance(value, list) and text == "":
        return None
    return text


def _quoted(field: str | None) -> str:
    """One CSV field: empty for ``None`` (missing), ``""`` for the empty string (neo4j-admin
    reads an unquoted empty field as no property, a quoted one as ``''``), otherwise quoted as
    :mod:`csv` does (only when it holds a comma, a quote or a line break)."""
    if field is None:
        return ""
    if field == "" or any(c in field for c in ',"\r\n'):
        return '"' + field.replace('"', '""') + '"'
    return field


def _table(header: list[str], rows: Iterable[list[str | None]]) -> str:
    return "".join(_table_lines(header, rows))


def _table_lines(header: list[str], rows: Iterable[list[str | None]]) -> Iterator[str]:
    """The lines of a CSV file (each with its line break): the header, then the rows."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(header)
    yield buffer.getvalue()
    for row in rows:
        yield ",".join(_quoted(field) for field in row) + "\n"


def _node_lines(names: Iterable[str], types: dict[str, str],
                nodes: Iterable[Node]) -> Iterator[str]:
    """A node file: nodes of one class with the property columns ``names`` (sorted, no id)."""
    names = sorted(set(names) - {"id"})
    header = ["id:ID", ":LABEL"] + [f"{n}:{csv_type(types[n])}" for n in names]
    rows = ([node.id, ARRAY_DELIMITER.join(neo4j_labels(node))]
            + [csv_field(node.props[n], node.id) if n in node.props else None for n in names]
            for node in nodes)
    return _table_lines(header, rows)


def _relationship_lines(spec: TypeSpec, types: dict[str, str],
                        rels: Iterable[Relationship]) -> Iterator[str]:
    """A relationship file: the relationships of one type, its properties as columns."""
    names = [p.name for p in spec.properties]
    header = [":START_ID", ":END_ID", ":TYPE"] + [f"{n}:{csv_type(types[n])}" for n in names]
    rows = ([r.source, r.target, r.type]
            + [csv_field(r.props[n], f"{r.source} -{r.type}-> {r.target}")
               if n in r.props else None for n in names]
            for r in rels)
    return _table_lines(header, rows)


def node_files(graph: PropertyGraph, schema: Schema) -> dict[str, str]:
    """``nodes/<Class>.csv`` -> text, one file per class."""
    by_kind: dict[str, list[Node]] = {}
    for node in graph.nodes:
        by_kind.setdefault(node.kind, []).append(node)
    return {f"nodes/{kind}.csv": "".join(_node_lines(
                {k for node in by_kind[kind] for k in node.props}, schema.property_types,
                by_kind[kind]))
            for kind in sorted(by_kind)}


def relationship_files(graph: PropertyGraph, schema: Schema) -> dict[str, str]:
    """``relationships/<TYPE>.csv`` -> text, one file per relationship type."""
    return {f"relationships/{spec.name}.csv": "".join(_relationship_lines(
                spec, schema.property_types, (r for r in graph.relationships
                                              if r.type == spec.name)))
            for spec in schema.types}


def import_command(files: Iterable[str], database: str = "neo4j") -> str:
    """The ``neo4j-admin database import full`` command for these files (run in the dir)."""
    lines = [f"neo4j-admin database import full {database}", "  --overwrite-destination=true",
             "  --id-type=string", f"  --array-delimiter='{ARRAY_DELIMITER}'",
             "  --multiline-fields=true"]
    for name in sorted(files):
        if name.startswith("nodes/"):
            lines.append(f"  --nodes={name}")
    for name in sorted(files):
        if name.startswith("relationships/"):
            lines.append(f"  --relationships={name}")
    return " \\\n".join(lines)


def readme(graph: PropertyGraph, files: Iterable[str]) -> str:
    """README.md of the export directory, with the exact import command."""
    return readme_text(graph.build, len(graph.nodes), len(graph.relationships), files)


def readme_text(build: str, nodes: int, relationships: int, files: Iterable[str]) -> str:
    """README.md of the export of a build with these counts and files."""
    files = sorted(files)
    return "\n".join([
        README_TITLE, "",
        f"Build {build or '?'}: {nodes} nodes, "
        f"{relationships} relationships, written by `kg export --format neo4j-csv`.",
        "Every node carries the marker label `" + MARKER + "`; arrays are joined with `"
        + ARRAY_DELIMITER + "`; passage quotes keep their line breaks (hence "
        "`--multiline-fields=true`). An empty list, or a list holding only the empty string, "
        "has no CSV form that neo4j-admin reads back: such a property is left out here (`kg "
        "neo4j push` stores it).", "",
        "## Import (Neo4j 5, the database stopped or not yet created)", "",
        "Run from this directory (the paths below are relative to it):", "",
        "```bash", import_command(files), "```", "",
        "Then start the database (`CREATE DATABASE neo4j` if it is new) and create the "
        "constraint and indexes that `kg neo4j push` would create:", "",
        "```bash", "cypher-shell -u neo4j -d neo4j -f schema.cypher", "```", "",
        "## Files", "", *[f"- `{name}`" for name in files], "",
    ])


def export_neo4j_csv(data_dir: Path, out: Path | None, *, parents: bool = False,
                     follow_symlinks: bool = False) -> None:
    """Write the import directory ``out`` atomically (replacing an earlier export; missing
    parent directories only with ``parents``; a symbolic link only with ``follow_symlinks``,
    then its target). The files are streamed from the build's index, one row at a time."""
    from kg.exporters.pgstream import IndexedGraph
    from kg.fileio import check_output

    if out is None:
        raise KgError("format neo4j-csv writes a directory", hint="pass --out DIR")
    out = check_output(out, directory=True, parents=parents, follow_symlinks=follow_symlinks)
    with IndexedGraph(data_dir) as graph:
        write_directory(out, stream_texts(graph), parents=parents)


def stream_texts(graph: "IndexedGraph") -> dict[str, Iterable[str]]:
    """Every file of the import directory of an indexed graph: relative path -> its text as
    pieces, produced when written (the same text as :func:`export_texts`)."""
    from kg.neo4j.statements import constraint_statements

    types = graph.schema.property_types
    files: dict[str, Iterable[str]] = {}
    for kind, kinds, passages in graph.kinds():
        files[f"nodes/{kind}.csv"] = _lazy(_node_lines, graph.kind_props[kind], types,
                                           _lazy(graph.nodes, kinds, passages))
    for spec in graph.schema.types:
        files[f"relationships/{spec.name}.csv"] = _lazy(
            _relationship_lines, spec, types, _lazy(graph.relationships, spec.name))
    texts = dict(files)
    texts["schema.cypher"] = "".join(s + ";\n" for s in constraint_statements(graph.schema))
    texts["README.md"] = readme_text(graph.build, graph.node_count, graph.relationship_count,
                                     files)
    return texts


def _lazy(function: Callable[..., Iterable[Any]], *args: Any) -> Iterator[Any]:
    """``function(*args)``, called only when the result is first iterated."""
    yield from function(*args)


def export_texts(graph: PropertyGraph, schema: Schema) -> dict[str, str]:
    """Every file of the import directory of ``graph``: relative path -> text."""
    from kg.neo4j.statements import constraint_statements

    files = {**node_files(graph, schema), **relationship_files(graph, schema)}
    texts = dict(files)
    texts["schema.cypher"] = "".join(s + ";\n" for s in constraint_statements(schema))
    texts["README.md"] = readme(graph, files)
    return texts


def _replaceable(out: Path) -> bool:
    """Whether ``out`` may be replaced: missing, empty, or an earlier export of this format."""
    if not out.exists():
        return True
    if not out.is_dir():
        return False
    entries = {p.name for p in out.iterdir()}
    if not entries:
        return True
    try:
        first = (out / "README.md").read_text(encoding="utf-8").split("\n", 1)[0]
    except OSError:
        return False
    return entries <= OWN_ENTRIES and first == README_TITLE


def write_directory(out: Path, texts: Mapping[str, str | Iterable[str]], *,
                    parents: bool = False) -> None:
    """Write ``texts`` (relative path -> text, or its pieces) as directory ``out`` in one
    rename (``out`` checked by :func:`kg.fileio.check_output`: never a symbolic link or a
    special file)."""
    from kg.fileio import check_output

    check_output(out, directory=True, parents=parents)
    if not _replaceable(out):
        raise KgError("the output exists and is not an earlier neo4j-csv export", where=str(out),
                      hint="choose a new or empty directory")
    staging: Path | None = None
    try:
        if parents:
            out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        for name, text in texts.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8", newline="") as handle:
                handle.writelines((text,) if isinstance(text, str) else text)
        staging.chmod(0o755)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.replace(out, old / "previous")
        try:
            os.replace(staging, out)
        except OSError:
            if old is not None:  # put the earlier export back
                os.replace(old / "previous", out)
            raise
        staging = None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise KgError(f"cannot write the export: {exc.strerror}", where=str(out),
                      hint="choose a writable location") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
