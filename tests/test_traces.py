"""Traces follow the model across both papers and say how each item was reached."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.graphview import GraphView
from kg.traces import sections, trace_barrier, trace_mechanism, trace_strategy

from .conftest import document_text

QUALIFIERS = ("via_part", "inherited_from", "via_match")


def assert_real(evidence: list[dict]) -> None:
    assert evidence
    for item in evidence:
        assert document_text(item["document"])[item["start"]:item["end"]] == item["quote"]


def test_alignment_hops_reach_the_other_papers_strategies(view: GraphView) -> None:
    result = trace_barrier(view, "barrier/innovation-homogenization")
    through_match = [s for s in result["strategies"] if s.get("via_match")]
    assert through_match, "the closeMatch to paper 003's problem is followed"
    for item in through_match:
        assert item["aligned"] is True and item["document"] == "003"
        match = item["via_match"]
        assert match["id"] == "problem/product-homogenization"
        assert match["relation"] == "closeMatch" and match["modality"] == "aligned"
        assert {ev["document"] for ev in match["evidence"]} == {"000", "003"}
        assert_real(match["evidence"])
        assert item["target"] == match["id"]
    direct = [s for s in result["strategies"]
              if s["id"] == "strategy/differentiation-uniqueness" and not s.get("via_match")]
    assert direct and direct[0]["modality"] == "aligned" and direct[0]["aligned"] is True
    own = [s for s in result["strategies"] if s["document"] == "000"]
    assert own and not any(s.get("aligned") for s in own), "paper 000's own claims stay unmarked"


def test_every_item_of_every_trace_says_its_paper_and_modality(view: GraphView) -> None:
    for function, root in ((trace_barrier, "barrier/data-quality-security"),
                           (trace_strategy, "strategy/data-governance"),
                           (trace_mechanism, "mechanism/information-empowerment")):
        result = function(view, root)
        for key, items in result.items():
            if not isinstance(items, list):
                continue
            for item in items:
                assert item["document"] in ("000", "003"), (key, item["id"])
                assert item["modality"] in ("stated", "evidenced", "recommended", "aligned")
                assert_real(item["evidence"])
                if item.get("aligned"):
                    assert item.get("via_match") or item["modality"] == "aligned"


def test_strategy_trace_does_not_take_its_parents_barriers_as_its_own(view: GraphView) -> None:
    result = trace_strategy(view, "strategy/dedicated-data-team")
    parent = "strategy/data-empowerment-professionalization"
    assert [p["id"] for p in result["strategy"]["part_of"]] == [parent]
    own_barriers = [b for b in result["barriers"] if not any(q in b for q in QUALIFIERS)]
    assert [b["id"] for b in own_barriers] == ["barrier/data-overload-analysis-deficit"]
    ids = [b["id"] for b in result["barriers"]]
    assert len(ids) == len(set(ids)), "an entity the strategy reaches itself is not repeated"
    for item in result["barriers"] + result["mechanisms"]:
        if item.get("inherited_from"):
            assert item["inherited_from"] == parent
    mechanisms = {m["id"]: m for m in result["mechanisms"]}
    unblocked = mechanisms["mechanism/information-empowerment"]
    assert unblocked["via"] == "unblocks" and "inherited_from" not in unblocked


def test_umbrella_strategy_shows_parts_as_parts(view: GraphView) -> None:
    result = trace_strategy(view, "strategy/data-empowerment-professionalization")
    parts = {p["id"] for p in result["strategy"]["parts"]}
    wholes = {p["id"] for p in result["strategy"]["part_of"]}
    assert parts
    for item in result["barriers"] + result["mechanisms"] + result["statistics"]:
        assert item.get("inherited_from", next(iter(wholes))) in wholes
        assert item.get("via_part", next(iter(parts))) in parts
    assert any("via_part" in s for s in result["statistics"]), "the parts' figures are shown"


def test_traces_carry_statistics_and_examples(view: GraphView) -> None:
    barrier = trace_barrier(view, "barrier/data-security-risk")
    values = {s["id"]: s["value"] for s in barrier["statistics"]}
    assert values["statistic/firms-abandon-deep-data-mining-share"] == "38 %"
    assert any(e["id"] == "org/machinery-firm-data-leakage" for e in barrier["examples"])
    strategy = trace_strategy(view, "strategy/data-empowerment-professionalization")
    values = {s["id"]: s["value"] for s in strategy["statistics"]}
    assert values["statistic/toy-firm-demand-identification-accuracy"] == "40 → 70 %"
    assert strategy["examples"]


def test_section_counts_are_distinct_entities(view: GraphView, seed_store: Path,
                                              runner: CliRunner) -> None:
    result = trace_barrier(view, "barrier/innovation-homogenization")
    counts = sections(result)
    assert counts["strategies"] == len({s["id"] for s in result["strategies"]})
    assert counts["strategies"] < len(result["strategies"]), "one strategy is reached twice"
    out = runner.invoke(app, ["trace", "barrier", "barrier/innovation-homogenization",
                              "--data-dir", str(seed_store)])
    assert f"strategies ({counts['strategies']} entities, {len(result['strategies'])} links)" \
        in out.stdout


@pytest.mark.parametrize("fmt", ["tree", "markdown", "table", "csv", "json"])
def test_alignment_is_visible_in_every_format(fmt: str, seed_store: Path,
                                              runner: CliRunner) -> None:
    out = runner.invoke(app, ["trace", "barrier", "barrier/innovation-homogenization",
                              "--format", fmt, "--lang", "en", "--data-dir", str(seed_store)])
    assert out.exit_code == 0, out.stderr
    if fmt == "json":
        data = json.loads(out.stdout)
        differentiation = [s for s in data["strategies"]
                           if s["id"] == "strategy/differentiation-uniqueness"]
        assert all(s["document"] == "003" and s["aligned"] for s in differentiation)
        return
    lines = [ln for ln in out.stdout.splitlines() if "strategy/differentiation-uniqueness" in ln]
    assert lines
    for line in lines:
        assert "003" in line and "aligned" in line, line
    if fmt in ("tree", "markdown"):
        assert "via alignment: closeMatch" in out.stdout


def test_document_filter_keeps_one_paper(seed_store: Path, runner: CliRunner) -> None:
    out = runner.invoke(app, ["trace", "barrier", "barrier/innovation-homogenization",
                              "--document", "003", "--format", "json",
                              "--data-dir", str(seed_store)])
    data = json.loads(out.stdout)
    items = [i for key, value in data.items() if key != "barrier" and isinstance(value, list)
             for i in value]
    assert items and {i["document"] for i in items} == {"003"}
    bad = runner.invoke(app, ["trace", "barrier", "barrier/innovation-homogenization",
                              "--document", "999", "--data-dir", str(seed_store)])
    assert bad.exit_code == 1 and "unknown document '999'" in bad.stderr


def test_trace_csv_has_paper_and_modality_columns(seed_store: Path, runner: CliRunner) -> None:
    out = runner.invoke(app, ["trace", "strategy", "strategy/data-governance", "--format", "csv",
                              "--data-dir", str(seed_store)])
    header = out.stdout.splitlines()[0].split(",")
    assert header == ["group", "id", "class", "label", "paper", "modality", "details", "evidence"]
    show = runner.invoke(app, ["show", "barrier/data-security-risk", "--format", "csv",
                               "--data-dir", str(seed_store)])
    assert show.exit_code == 0 and show.stdout.startswith("group,id,")


def test_path_prefers_relations_and_marks_hops_against_direction(view: GraphView) -> None:
    from kg.queries import paths

    found = paths(view, "barrier/data-security-risk", "policy/quality-improvement-action-plan")
    first = found[0]
    assert len(first) == 1 and first[0]["relation"] == "addresses"
    assert first[0]["direction"] == "backward", "the policy addresses the barrier, not the reverse"
    for route in paths(view, "barrier/data-security-risk", "strategy/capacity-cultivation"):
        classes = {hop[end]["class"] for hop in route for end in ("source", "target")}
        assert "Dimension" not in classes, "no detour through a generic hub when a relation exists"
        for hop in route:
            assert hop["direction"] in ("forward", "backward")


def test_path_cli_says_which_hops_run_against_direction(seed_store: Path,
                                                       runner: CliRunner) -> None:
    out = runner.invoke(app, ["path", "data security risk", "quality action plan", "--limit", "1",
                              "--lang", "en", "--data-dir", str(seed_store)])
    assert out.exit_code == 0, out.stderr
    assert "<-addresses-" in out.stdout and "against direction" in out.stdout


@pytest.mark.parametrize("columns", [80, 100])
@pytest.mark.parametrize("command", [["list", "barriers"], ["list", "policies"], ["cases"],
                                     ["trace", "barrier", "barrier/data-security-risk"]])
def test_output_fits_the_terminal(columns: int, command: list[str], seed_store: Path,
                                  runner: CliRunner) -> None:
    out = runner.invoke(app, [*command, "--lang", "en", "--data-dir", str(seed_store)],
                        env={"COLUMNS": str(columns)})
    assert out.exit_code == 0, out.stderr
    from rich.cells import cell_len

    widest = max(cell_len(line) for line in out.stdout.splitlines())
    assert widest <= columns
    ids = [n for n in ("barrier/data-security-risk", "policy/quality-improvement-action-plan")
           if n in out.stdout]
    assert ids or command == ["cases"], "ids are kept whole where they fit"
