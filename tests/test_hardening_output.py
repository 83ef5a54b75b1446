"""Hostile output (issue 9 rows 2, 3, 4, 6, 7, 24): where `--out` may write, and what a label
or quote with escape codes, formulas, HTML or XML-forbidden characters turns into in every
output format."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from kg.build import build
from kg.cli import app
from kg.errors import KgError
from kg.fileio import check_output, write_atomic
from kg.render import csv_cell, evidence_line, markdown_text, rows_csv, safe, search_snippet

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seed_data"
DOCS = ROOT / "docs" / "neo4j.md"

BARRIER = "barrier/data-security-risk"
CASE = "case/online-education-company"
POLICY = "policy/quality-improvement-action-plan"

#: A label with a formula start, terminal escape codes (CSI colour, OSC 8 hyperlink ended by
#: BEL, an 8-bit CSI), HTML, a line separator, a bidi override and a table pipe.
HOSTILE = ('=HYPERLINK("http://evil/","x")\x1b[31m<script>alert(1)</script> R&D a|b '
           '\x1b]8;;http://evil/\x07link\x1b]8;;\x07\u2028\u202eevil\u202c \x9b2J hostile')
#: A Chinese label that tries to close a Markdown code fence on a line of its own.
HOSTILE_ZH = "数据安全风险\n```\n<img src=x onerror=alert(1)>"
#: A definition with what XML 1.0 forbids.
NOT_XML = "\x01\x02\ufffe\uffff\x1b[2J definition"
CASE_LABEL = "@SUM(1+1)\x1b[2J case"
#: The labels as the build stores them (whitespace runs, U+2028 and newlines among them, joined).
STORED, STORED_ZH = " ".join(HOSTILE.split()), " ".join(HOSTILE_ZH.split())

#: What no text, table, Markdown or CSV output may hold raw (tab and newline are fine).
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _yaml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of the seed data whose barrier, case and definition hold hostile text."""
    source = tmp_path_factory.mktemp("hostile") / "source"
    shutil.copytree(SEED, source)
    barriers = source / "annotations" / "000-barriers.yaml"
    text = barriers.read_text(encoding="utf-8")
    old_label = "label: {zh: 数据安全风险, en: Data security risk}"
    old_definition = ('en: "Fear that core data (e.g. production parameters) will leak leads '
                      'firms to abandon deep data mining;')
    assert text.count(old_label) == 1 and text.count(old_definition) == 1
    text = text.replace(old_label, f"label: {{zh: {_yaml(HOSTILE_ZH)}, en: {_yaml(HOSTILE)}}}")
    text = text.replace(old_definition, f"en: {_yaml(NOT_XML)[:-1]} ")
    barriers.write_text(text, encoding="utf-8")
    model = source / "annotations" / "000-model.yaml"
    text = model.read_text(encoding="utf-8")
    old_case = 'label: {zh: 案例 4：在线教育公司, en: "Case 4: online education company"}'
    assert text.count(old_case) == 1
    model.write_text(text.replace(old_case, f"label: {{zh: 案例 4：在线教育公司, "
                                            f"en: {_yaml(CASE_LABEL)}}}"), encoding="utf-8")
    data_dir = source.parent / "store"
    build(source, data_dir, validate=False)
    return data_dir


def run(args: list[str], data_dir: Path) -> Result:
    return CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)])


def one_error_line(result: Result) -> str:
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


# --- row 2: --out is a FIFO, a symbolic link, a device; --out - ------------------------------

FILE_COMMANDS = [pytest.param(["viz"], id="viz"),
                 pytest.param(["export", "--format", "ttl"], id="export-ttl"),
                 pytest.param(["export", "--format", "graphml"], id="export-graphml")]
ALL_COMMANDS = [*FILE_COMMANDS,
                pytest.param(["export", "--format", "neo4j-csv"], id="export-neo4j-csv")]


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_out_fifo_is_refused_and_left_alone(command, seed_store: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run([*command, "--out", str(fifo)], seed_store)
    assert "FIFO" in one_error_line(result) and str(fifo) in result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]  # no temporary left behind


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_out_symlink_is_refused_and_left_alone(command, seed_store: Path, tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_text("keep me\n")
    link = tmp_path / "link"
    link.symlink_to(target)
    result = run([*command, "--out", str(link)], seed_store)
    assert "symbolic link" in one_error_line(result) and "--follow-symlinks" in result.stderr
    assert link.is_symlink() and target.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "target"]


@pytest.mark.parametrize("command", FILE_COMMANDS)
def test_follow_symlinks_writes_the_target(command, seed_store: Path, tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_text("old\n")
    link = tmp_path / "link"
    link.symlink_to(target)
    result = run([*command, "--out", str(link), "--follow-symlinks"], seed_store)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") != "old\n" and target.stat().st_size > 1000
    assert f"wrote {target}" in result.stderr or f"to {target}" in result.stderr


def test_follow_symlinks_to_a_neo4j_csv_directory(seed_store: Path, tmp_path: Path) -> None:
    target = tmp_path / "import"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    result = run(["export", "--format", "neo4j-csv", "--out", str(link), "--follow-symlinks"],
                 seed_store)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and (target / "README.md").is_file()


def test_a_symlink_loop_is_one_line(seed_store: Path, tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    result = run(["viz", "--out", str(tmp_path / "a"), "--follow-symlinks"], seed_store)
    assert "does not resolve" in one_error_line(result)


def test_a_device_is_refused_before_any_write(tmp_path: Path) -> None:
    # the check only (no writer is run on a real device: as root, one replaced /dev/full)
    with pytest.raises(KgError, match="character device"):
        check_output(Path("/dev/null"))
    with pytest.raises(KgError, match="character device"):
        write_atomic(Path("/dev/null"), b"x")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    with pytest.raises(KgError, match="character device"):
        check_output(Path("/dev/null"), directory=True)


def test_a_socket_is_refused(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        with pytest.raises(KgError, match="socket"):
            write_atomic(path, b"x")
        assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_out_dash_is_stdout(seed_store: Path, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    nt = run(["export", "--format", "nt", "--out", "-"], seed_store)
    assert nt.exit_code == 0, nt.stderr
    assert nt.stdout == run(["export", "--format", "nt"], seed_store).stdout
    assert nt.stdout.startswith("<") and nt.stderr == ""
    page = run(["viz", "--out", "-"], seed_store)
    assert page.exit_code == 0, page.stderr
    assert page.stdout.lstrip().lower().startswith("<!doctype html")
    assert "stdout" in page.stderr
    directory = run(["export", "--format", "neo4j-csv", "--out", "-"], seed_store)
    assert "writes a directory" in one_error_line(directory)
    assert list(tmp_path.iterdir()) == []  # no file called "-"


# --- row 24: --out in a missing directory ------------------------------------------------------

@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_out_in_a_missing_directory_needs_parents(command, seed_store: Path,
                                                  tmp_path: Path) -> None:
    out = tmp_path / "missing" / "dir" / "x.out"
    result = run([*command, "--out", str(out)], seed_store)
    assert "does not exist" in one_error_line(result) and "--parents" in result.stderr
    assert list(tmp_path.iterdir()) == []
    made = run([*command, "--out", str(out), "--parents"], seed_store)
    assert made.exit_code == 0, made.stderr
    assert out.exists()


def test_out_under_a_file_is_one_line(seed_store: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = run(["viz", "--out", str(tmp_path / "file" / "x.html"), "--parents"], seed_store)
    one_error_line(result)
    assert (tmp_path / "file").read_text() == "x"


# --- row 3: control characters are shown escaped -----------------------------------------------

TEXT_OUTPUTS = [
    *[pytest.param(["trace", "barrier", BARRIER, "--format", f], id=f"trace-{f}")
      for f in ("tree", "table", "markdown", "csv")],
    *[pytest.param(["show", BARRIER, "--format", f], id=f"show-{f}")
      for f in ("tree", "markdown")],
    *[pytest.param(["show", "mechanism/information-empowerment", "--format", f],
                   id=f"show-mechanism-{f}") for f in ("table", "csv")],
    pytest.param(["show", CASE], id="show-case-tree"),
    *[pytest.param(["trace", "mechanism", "mechanism/information-empowerment", "--format", f],
                   id=f"trace-mechanism-{f}") for f in ("tree", "markdown")],
    *[pytest.param(["list", "barriers", "--format", f], id=f"list-{f}")
      for f in ("table", "markdown", "csv")],
    *[pytest.param(["search", "hostile", "--format", f], id=f"search-{f}")
      for f in ("table", "markdown", "csv")],
    *[pytest.param(["cases", "--format", f], id=f"cases-{f}") for f in ("table", "markdown", "csv")],
    *[pytest.param(["path", BARRIER, POLICY, "--format", f], id=f"path-{f}")
      for f in ("tree", "markdown", "table")],
    *[pytest.param(["cypher", 'MATCH (b:Barrier) WHERE b.id = "barrier/data-security-risk" '
                              'RETURN b.label_en', "--format", f], id=f"cypher-{f}")
      for f in ("table", "markdown", "csv")],
]


@pytest.mark.parametrize("args", TEXT_OUTPUTS)
def test_no_raw_control_characters(args: list[str], hostile_store: Path) -> None:
    result = run(args, hostile_store)
    assert result.exit_code == 0, result.stderr
    raw = RAW.findall(result.stdout)
    assert not raw, f"raw control characters {raw[:5]!r} in the output"
    assert "\\x1b" in result.stdout  # shown escaped, not dropped


def test_json_keeps_the_exact_text(hostile_store: Path) -> None:
    result = run(["show", BARRIER, "--format", "json"], hostile_store)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["entity"]["label"] == {"en": STORED, "zh": STORED_ZH}


def test_safe_escapes_controls_separators_and_bidi() -> None:
    text = "a\x00b\x1b[1mc\x7fd\x9be\u2028f\u2029g\u202ah\u202ei\u2066j\u2069k\tl\nm\rn"
    assert safe(text) == ("a\\x00b\\x1b[1mc\\x7fd\\x9be\\u2028f\\u2029g\\u202ah\\u202ei\\u2066j"
                          "\\u2069k\tl\nm\\x0dn")
    assert safe(safe(text)) == safe(text)


def test_evidence_lines_and_snippets_are_escaped() -> None:
    item = {"document": "000\x1b]0;title\x07", "section": "5.1\u202e", "start": 1, "end": 9,
            "quote": "数据\x1b[31m泄露\n继续"}
    line = evidence_line(item)
    assert not RAW.search(line) and "\n" not in line
    assert "\\x1b]0;title\\x07" in line and "\\u202e" in line and "\\x1b[31m" in line
    hit = {"snippet": "x\x1b[2Jy\nz", "passage": {"document": "000", "section": "5\x07",
                                                  "start": 1, "end": 2}}
    snippet = search_snippet(hit)
    assert not RAW.search(snippet) and "\\x1b[2J" in snippet and "\\x07" in snippet


# --- row 4: formulas in spreadsheet CSV -------------------------------------------------------

def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("args,column", [
    (["list", "barriers"], "label"),
    (["search", "hostile"], "label"),
    (["trace", "mechanism", "mechanism/information-empowerment"], "label"),
    (["show", "mechanism/information-empowerment"], "label"),
])
def test_csv_neutralises_formulas(args: list[str], column: str, hostile_store: Path) -> None:
    result = run([*args, "--format", "csv", "--lang", "en"], hostile_store)
    assert result.exit_code == 0, result.stderr
    rows = _csv(result.stdout)
    cells = [row[column] for row in rows if "HYPERLINK" in row[column]]
    assert cells and all(cell.startswith("'=HYPERLINK(") for cell in cells)
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for row in rows
                   for cell in row.values())


def test_cases_csv_neutralises_labels_and_keeps_numbers(hostile_store: Path) -> None:
    result = run(["cases", "--format", "csv", "--lang", "en"], hostile_store)
    assert result.exit_code == 0, result.stderr
    rows = {row["id"]: row for row in _csv(result.stdout)}
    assert rows[CASE]["case"].startswith("'@SUM(1+1)\\x1b[2J")
    assert rows[CASE]["years"] == "3"


def test_sparql_csv_neutralises_formulas_and_keeps_numbers(seed_store: Path) -> None:
    query = 'SELECT ?f ?n ?m WHERE { BIND("=1+1" AS ?f) BIND(-5 AS ?n) BIND("-x" AS ?m) }'
    result = run(["sparql", query, "--format", "csv"], seed_store)
    assert result.exit_code == 0, result.stderr
    assert _csv(result.stdout) == [{"f": "'=1+1", "n": "-5", "m": "'-x"}]


def test_rows_csv_rule() -> None:
    rows = [{"a": "=cmd", "b": "+1+1", "c": "-5", "d": -5, "e": "-1.5e3", "f": "@x",
             "g": "\tx", "h": "\rx", "i": "a=b", "j": None, "k": 2.5, "l": "-",
             "m": "line\nbreak\x1b"}]
    assert _csv(rows_csv(rows)) == [{
        "a": "'=cmd", "b": "'+1+1", "c": "-5", "d": "-5", "e": "-1.5e3", "f": "'@x",
        "g": "'\tx", "h": "\\x0dx", "i": "a=b", "j": "", "k": "2.5", "l": "'-",
        "m": "line\nbreak\\x1b"}]
    assert csv_cell("+5") == "+5"


def test_neo4j_csv_keeps_the_data_exact(hostile_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "import"
    result = run(["export", "--format", "neo4j-csv", "--out", str(out)], hostile_store)
    assert result.exit_code == 0, result.stderr
    with open(out / "nodes" / "Barrier.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    row = next(r for r in rows if r["id:ID"] == BARRIER)
    assert row["label_en:string"] == STORED and row["label_zh:string"] == STORED_ZH
    assert row["definition_en:string"].startswith(NOT_XML)
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    assert ("The files keep every value exactly as it is (a label starting with `=`, `+`, `-` "
            "or `@` is not neutralised") in text


# --- row 6: GraphML stays well-formed ---------------------------------------------------------

def test_graphml_with_control_characters_round_trips(hostile_store: Path, tmp_path: Path) -> None:
    import networkx as nx

    from kg.exporters.graphml import xml_text

    out = tmp_path / "graph.graphml"
    result = run(["export", "--format", "graphml", "--out", str(out)], hostile_store)
    assert result.exit_code == 0, result.stderr
    graph = nx.read_graphml(out, force_multigraph=True)
    node = graph.nodes[BARRIER]
    assert node["definition_en"].startswith("\\x01\\x02\\ufffe\\uffff\\x1b[2J definition")
    assert node["label_en"] == xml_text(STORED) == STORED.replace("\x1b", "\\x1b").replace(
        "\x07", "\\x07")  # C1 and bidi characters are allowed in XML: they stay exact
    assert node["label_zh"] == STORED_ZH
    assert graph.number_of_nodes() > 100


def test_graphml_escapes_lone_surrogates(seed_store: Path) -> None:
    import xml.etree.ElementTree as ET

    from kg.exporters.graphml import graphml_bytes
    from kg.neo4j.mapping import load

    graph, _ = load(seed_store)
    graph.nodes[0].props["label_en"] = "a\ud800b\uffffc\x00d"
    ET.fromstring(graphml_bytes(graph))  # well-formed
    assert b"a\\ud800b\\uffffc\\x00d" in graphml_bytes(graph)


# --- row 7: HTML in Markdown ------------------------------------------------------------------

MARKDOWN_OUTPUTS = [
    pytest.param(["trace", "barrier", BARRIER], id="trace-barrier"),
    pytest.param(["trace", "mechanism", "mechanism/information-empowerment"], id="trace-mech"),
    pytest.param(["show", BARRIER], id="show"),
    pytest.param(["list", "barriers"], id="list"),
    pytest.param(["search", "hostile"], id="search"),
]


@pytest.mark.parametrize("args", MARKDOWN_OUTPUTS)
def test_markdown_escapes_html(args: list[str], hostile_store: Path) -> None:
    result = run([*args, "--format", "markdown"], hostile_store)
    assert result.exit_code == 0, result.stderr
    assert "<script>" not in result.stdout and "<img" not in result.stdout
    assert "&lt;script&gt;" in result.stdout and "&lt;img src=x" in result.stdout
    assert "R&amp;D" in result.stdout
    assert not re.search(r"^\s{0,3}```", result.stdout, re.M)  # no fence opened by a label


def test_path_markdown_keeps_labels_inside_its_code_fence(hostile_store: Path) -> None:
    result = run(["path", BARRIER, POLICY, "--format", "markdown", "--limit", "1"],
                 hostile_store)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    fences = [i for i, line in enumerate(lines) if re.match(r"\s{0,3}```", line)]
    assert fences == [0, len(lines) - 1]  # the label's own ``` cannot close the block
    assert "<img src=x" in result.stdout  # literal text inside a code block, not HTML


def test_markdown_text() -> None:
    assert markdown_text("<b>&\x1b\nx") == "&lt;b&gt;&amp;\\x1b x"


def test_error_lines_and_candidates_are_escaped(seed_store: Path, runner: CliRunner) -> None:
    """Query text and labels echoed on stderr cannot drive the terminal either."""
    hostile = "\x1b]8;;http://evil/\x07click\x1b]8;;\x07 \x1b[2J"
    for args in (["show", hostile], ["trace", "barrier", hostile + "data"], ["show", "x" + hostile]):
        result = runner.invoke(app, [*args, "--data-dir", str(seed_store)])
        assert result.exit_code in (1, 2)
        assert "\x1b" not in result.stderr and "\x07" not in result.stderr
