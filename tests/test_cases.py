"""`kg cases`: Table 1 of paper 000 with ids, mechanisms in the paper's order, English and units,
readable at 80 and 100 columns."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from kg import queries, render
from kg.cli import app
from kg.graphview import GraphView

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
#: The paper's order (sections 3.2.1–3.2.3 and the columns of Table 1).
PAPER_ORDER = ["mechanism/information-empowerment", "mechanism/resource-reconstruction",
               "mechanism/organizational-transformation"]
CASE_IDS = ["case/small-furniture-maker", "case/medium-food-company",
            "case/large-electronics-maker", "case/online-education-company"]
INDICATOR_HEADERS = ["years", "platform transaction %", "innovation investment %", "24h response %"]


def cases(runner: CliRunner, seed_store: Path, *args: str) -> str:
    result = runner.invoke(app, ["cases", *args, "--data-dir", str(seed_store)])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_rows_and_practices_come_in_the_papers_order(view: GraphView) -> None:
    rows = queries.cases_table(view)
    assert [r["id"] for r in rows] == CASE_IDS
    assert [r["label"]["en"].split(":")[0] for r in rows] == ["Case 1", "Case 2", "Case 3", "Case 4"]
    for row in rows:
        assert [p["mechanism"]["id"] for p in row["practices"]] == PAPER_ORDER
        assert [p["mechanism"]["order"] for p in row["practices"]] == [1, 2, 3]
        starts = [min(e["start"] for e in view.node(o["id"])["evidence"]) for o in row["outcomes"]]
        assert starts == sorted(starts)


def test_the_order_comes_from_the_graph_not_from_labels(view: GraphView) -> None:
    """The rank follows where each mechanism is first evidenced in its paper."""
    first = {m["id"]: min(e["start"] for e in m["evidence"]) for m in view.of_class("Mechanism")}
    assert sorted(first, key=first.get) == PAPER_ORDER
    assert sorted(PAPER_ORDER) != PAPER_ORDER  # an id (or label) sort would get it wrong


def test_json_has_types_in_both_languages_and_units(runner: CliRunner, seed_store: Path) -> None:
    rows = json.loads(cases(runner, seed_store, "--format", "json"))
    assert [r["id"] for r in rows] == CASE_IDS
    assert {r["enterpriseTypeLabel"]["en"] for r in rows} == {"manufacturing", "services"}
    assert all(r["enterpriseTypeLabel"]["zh"] == r["enterpriseType"] for r in rows)
    assert rows[0]["units"] == {"yearsOnPlatform": "years", "platformTransactionRatio": "%",
                                "innovationInvestmentRatio": "%", "feedbackResponseRate": "%"}


def test_csv_has_an_id_column_units_and_mechanism_columns_in_order(
        runner: CliRunner, seed_store: Path, view: GraphView) -> None:
    text = cases(runner, seed_store, "--format", "csv", "--lang", "en")
    header = next(csv.reader(io.StringIO(text)))
    mechanisms = [view.node(m)["label"]["en"] for m in PAPER_ORDER]
    assert header == ["id", "case", "type", *INDICATOR_HEADERS, *mechanisms, "outcomes"]
    rows = csv_rows(text)
    assert [r["id"] for r in rows] == CASE_IDS
    first = rows[0]
    assert (first["years"], first["platform transaction %"], first["innovation investment %"],
            first["24h response %"]) == ("5", "60", "30", "90")  # Table 1, case 1: no "60.0"


def test_english_values_under_lang_en(runner: CliRunner, seed_store: Path) -> None:
    text = cases(runner, seed_store, "--format", "csv", "--lang", "en")
    assert not CJK.search(text), CJK.findall(text)
    assert [r["type"] for r in csv_rows(text)] == ["manufacturing"] * 3 + ["services"]
    table = cases(runner, seed_store, "--lang", "en")
    assert not CJK.search(table)


def test_chinese_values_under_lang_zh(runner: CliRunner, seed_store: Path, view: GraphView) -> None:
    text = cases(runner, seed_store, "--format", "markdown", "--lang", "zh")
    header = text.splitlines()[0]
    labels = [view.node(m)["label"]["zh"] for m in PAPER_ORDER]
    assert header.startswith("| id | case | type |")
    assert [header.index(label) for label in labels] == sorted(header.index(lb) for lb in labels)
    assert "| 制造业 |" in text and "| 服务业 |" in text


@pytest.mark.parametrize("width", [80, 100])
@pytest.mark.parametrize("lang", ["en", "zh", "both"])
def test_the_table_fits_the_terminal(runner: CliRunner, seed_store: Path, view: GraphView,
                                     monkeypatch: pytest.MonkeyPatch, width: int,
                                     lang: str) -> None:
    """As on a terminal of that width (the CliRunner is not one, so the console is set)."""
    monkeypatch.setattr(render, "console",
                        lambda: Console(width=width, no_color=True, highlight=False))
    text = cases(runner, seed_store, "--lang", lang)
    lines = text.splitlines()
    assert max(cell_len(line) for line in lines) <= width
    for case_id in CASE_IDS:  # ids are whole, never folded
        assert sum(case_id in line for line in lines) == 2  # once in each of the two tables
    for header in ("years", "platform", "transaction", "innovation", "investment", "response"):
        assert re.search(rf"\b{header}\b", text), header  # headers wrap at spaces only
    labels = [render.label(view.node(m), lang) for m in PAPER_ORDER]
    card = text[text.index(CASE_IDS[0], text.index("practices by mechanism")):
                text.index(CASE_IDS[1], text.index("practices by mechanism"))]
    joined = " ".join(part.strip(" │") for part in card.splitlines())
    positions = [" ".join(joined.split()).find(label.split(" / ")[0]) for label in labels]
    assert -1 not in positions and positions == sorted(positions)
