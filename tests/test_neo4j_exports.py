"""`kg export --format cypher | neo4j-csv | graphml`: structure, round trips, stable bytes."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.exporters.graphml import EDGE_EXTRA, NODE_EXTRA, decode, export_graphml
from kg.exporters.neo4j_csv import ARRAY_DELIMITER, export_neo4j_csv, node_files, relationship_files
from kg.exporters.neo4j_cypher import export_cypher
from kg.neo4j.mapping import MARKER, Node, PropertyGraph, Relationship, load, schema_of

HEADER = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)?:(?P<type>ID|LABEL|START_ID|END_ID|TYPE|"
                    r"string|long|double|boolean)(?P<array>\[\])?$")
PARSE = {"string": str, "long": int, "double": float,
         "boolean": lambda v: {"true": True, "false": False}[v]}


@pytest.fixture(scope="module")
def mapped(seed_store: Path):
    return load(seed_store)


@pytest.fixture(scope="module")
def csv_dir(seed_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("neo4j-csv") / "import"
    export_neo4j_csv(seed_store, out)
    return out


def read(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def column(header: str) -> tuple[str, str, bool]:
    """``name:type[]`` -> (name, type, is_array); a bare ``name`` is a string."""
    if ":" not in header:
        return header, "string", False
    match = HEADER.match(header)
    assert match, f"bad header {header!r}"
    return match["name"] or "", match["type"], bool(match["array"])


def parsed(value: str, kind: str, array: bool):
    if array:
        return [PARSE[kind](item) for item in value.split(ARRAY_DELIMITER)] if value else []
    return PARSE[kind](value)


def test_neo4j_csv_structure(csv_dir: Path, mapped) -> None:
    graph, schema = mapped
    node_ids: dict[str, set[str]] = {}
    property_types: dict[str, tuple[str, bool]] = {}
    for path in sorted((csv_dir / "nodes").glob("*.csv")):
        header, rows = read(path)
        assert header[:2] == ["id:ID", ":LABEL"], path.name
        columns = [column(h) for h in header]
        for row in rows:
            assert len(row) == len(header)
            labels = row[1].split(ARRAY_DELIMITER)
            assert labels[0] == MARKER and path.stem in labels
            assert set(labels) <= set(schema.label_names)
            assert row[0] not in node_ids, f"duplicate node id {row[0]}"
            node_ids[row[0]] = set(labels)
            for (_name, kind, array), value in zip(columns[2:], row[2:], strict=True):
                if value:
                    parsed(value, kind, array)  # raises when the value does not fit its type
        for name, kind, array in columns[2:]:
            assert property_types.setdefault(name, (kind, array)) == (kind, array), name
    assert len(node_ids) == len(graph.nodes)
    rel_count = 0
    for path in sorted((csv_dir / "relationships").glob("*.csv")):
        header, rows = read(path)
        assert header[:3] == [":START_ID", ":END_ID", ":TYPE"], path.name
        columns = [column(h) for h in header]
        for row in rows:
            assert len(row) == len(header)
            start, end, rel_type = row[:3]
            assert start in node_ids and end in node_ids, f"{path.name}: {start} -> {end}"
            assert rel_type == path.stem and rel_type in schema.type_names
            values = {name: parsed(v, kind, array)
                      for (name, kind, array), v in zip(columns[3:], row[3:], strict=True)}
            arrays = [v for k, v in values.items() if k.startswith("evidence_")]
            assert len({len(a) for a in arrays}) <= 1, "parallel evidence arrays stay parallel"
            rel_count += 1
        for name, kind, array in columns[3:]:
            assert property_types.setdefault(name, (kind, array)) == (kind, array), name
    assert rel_count == len(graph.relationships)
    assert property_types["yearsOnPlatform"] == ("long", False)
    assert property_types["platformTransactionRatio"] == ("double", False)
    assert property_types["evidence_quotes"] == ("string", True)


def test_neo4j_csv_keeps_the_values(csv_dir: Path, mapped) -> None:
    graph, _ = mapped
    header, rows = read(csv_dir / "nodes" / "Case.csv")
    columns = [column(h) for h in header]
    case = next(n for n in graph.nodes if n.id == "case/large-electronics-maker")
    row = next(r for r in rows if r[0] == case.id)
    values = {name: parsed(v, kind, array)
              for (name, kind, array), v in zip(columns[2:], row[2:], strict=True) if v}
    for key, value in case.props.items():
        if key != "id":
            assert values[key] == value, key
    header, rows = read(csv_dir / "nodes" / "Passage.csv")
    quotes = {r[0]: r[header.index("quote:string")] for r in rows}
    passage = next(n for n in graph.nodes if n.kind == "Passage" and "\n" in n.props["quote"])
    assert quotes[passage.id] == passage.props["quote"], "line breaks survive (multiline fields)"


def test_neo4j_csv_readme_has_the_import_command_for_every_file(csv_dir: Path) -> None:
    text = (csv_dir / "README.md").read_text(encoding="utf-8")
    assert "neo4j-admin database import full neo4j" in text
    assert f"--array-delimiter='{ARRAY_DELIMITER}'" in text and "--multiline-fields=true" in text
    files = sorted(str(p.relative_to(csv_dir)) for p in csv_dir.rglob("*.csv"))
    listed = re.findall(r"--(?:nodes|relationships)=(\S+)", text)
    assert sorted(listed) == files
    assert "schema.cypher" in text and (csv_dir / "schema.cypher").is_file()


def digest(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def test_neo4j_csv_via_cli_replaces_an_earlier_export_and_refuses_other_dirs(
        seed_store: Path, runner: CliRunner, tmp_path: Path, csv_dir: Path) -> None:
    out = tmp_path / "import"
    args = ["export", "--format", "neo4j-csv", "--data-dir", str(seed_store)]
    assert runner.invoke(app, args + ["--out", str(out)]).exit_code == 0
    first = digest(out)
    assert first == digest(csv_dir)
    again = runner.invoke(app, args + ["--out", str(out)])
    assert again.exit_code == 0 and digest(out) == first
    assert [p.name for p in tmp_path.iterdir()] == ["import"], "no staging directory left"
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    refused = runner.invoke(app, args + ["--out", str(foreign)])
    assert refused.exit_code == 1 and "not an earlier neo4j-csv export" in refused.stderr
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    missing = runner.invoke(app, args)
    assert missing.exit_code == 1 and "pass --out DIR" in missing.stderr


def test_neo4j_csv_fields_say_missing_empty_and_unwritable_apart() -> None:
    """neo4j-admin reads an unquoted empty field as no property and ``""`` as the empty string
    (tests/test_neo4j_import.py runs it); an empty list, or one holding only ``""``, has no
    field it reads back, so it is written as missing."""
    nodes = (Node("a", "T", ("T",), {"id": "a", "s": "", "l": [], "b": [""], "c": ["", "x"]}),
             Node("b", "T", ("T",), {"id": "b", "s": 'q"x', "l": ["y"]}),
             Node("c", "T", ("T",), {"id": "c"}))
    rels = (Relationship("a", "b", "R", {"s": "", "l": []}),)
    graph = PropertyGraph(nodes, rels)
    schema = schema_of(graph)
    text = node_files(graph, schema)["nodes/T.csv"]
    assert text.splitlines() == [
        "id:ID,:LABEL,b:string[],c:string[],l:string[],s:string",
        f"a,{MARKER}|T,,|x,,\"\"",
        f'b,{MARKER}|T,,,y,"q""x"',
        f"c,{MARKER}|T,,,,",
    ]
    assert relationship_files(graph, schema)["relationships/R.csv"].splitlines()[1] == 'a,b,R,,""'


def test_neo4j_csv_export_replaces_a_dir_the_import_ran_in(seed_store: Path, tmp_path: Path,
                                                           csv_dir: Path) -> None:
    """The README's command, run in the export dir, leaves neo4j-admin's import.report there."""
    out = tmp_path / "import"
    export_neo4j_csv(seed_store, out)
    (out / "import.report").write_text("")
    export_neo4j_csv(seed_store, out)
    assert digest(out) == digest(csv_dir)


def test_graphml_round_trips_through_networkx(seed_store: Path, mapped, tmp_path: Path) -> None:
    import networkx as nx

    graph, schema = mapped
    path = tmp_path / "graph.graphml"
    path.write_bytes(b"".join(export_graphml(seed_store)))
    back = nx.read_graphml(path, force_multigraph=True)
    assert set(back.nodes) == {n.id for n in graph.nodes}
    for node in graph.nodes:
        attributes = dict(back.nodes[node.id])
        assert attributes.pop("labels") == "".join(f":{label}" for label in (MARKER, *node.labels))
        for key in NODE_EXTRA:
            attributes.pop(key, None)
        assert decode(attributes, schema) == node.props
    edges = {(u, v, k): d for u, v, k, d in back.edges(keys=True, data=True)}
    assert len(edges) == len(graph.relationships)
    for rel in graph.relationships:
        attributes = dict(edges[(rel.source, rel.target, rel.type)])
        assert attributes.pop("label") == rel.type
        for key in EDGE_EXTRA:
            attributes.pop(key, None)
        assert decode(attributes, schema) == rel.props


def test_exports_are_byte_stable(seed_store: Path) -> None:
    assert b"".join(export_cypher(seed_store)) == b"".join(export_cypher(seed_store))
    assert b"".join(export_graphml(seed_store)) == b"".join(export_graphml(seed_store))


def test_cypher_export_carries_every_row(seed_store: Path, mapped) -> None:
    graph, _ = mapped
    text = b"".join(export_cypher(seed_store)).decode("utf-8")
    params = [line for line in text.splitlines() if line.startswith(":param rows => ")]
    row_start = re.compile(r"\{(?:id: '[^']*'|source: '[^']*', target: '[^']*'), props: \{")
    rows = sum(len(row_start.findall(line)) for line in params)
    assert rows == len(graph.nodes) + len(graph.relationships)
    assert text.startswith("// innovation-kg property graph, build ")


def test_export_lists_the_new_formats(runner: CliRunner, seed_store: Path) -> None:
    result = runner.invoke(app, ["export", "--list"])
    assert {"cypher", "neo4j-csv (directory)", "graphml"} <= set(result.stdout.split("\n"))
    cypher = runner.invoke(app, ["export", "--format", "cypher", "--data-dir", str(seed_store)])
    assert cypher.exit_code == 0 and cypher.stdout.startswith("// innovation-kg")
