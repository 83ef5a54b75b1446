"""`kg viz` without a browser: selection, layout, determinism, escaping, the command line.

The browser half (rendering, clicks, the filter, no network) is tests/test_viz_browser.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import KgError
from kg.graphview import GraphView
from kg.traces import trace_barrier
from kg.resolve import BACKGROUND_CLASSES
from kg.store import save
from kg.viz import make_page
from kg.viz.layout import positions
from kg.viz.page import SCRIPT_BODY, external_references, script_json
from kg.viz.selection import edge_key, select, trace_edges
from kg.viz.style import node_label, relation_label
from kg.viz.synthetic import synthetic_projection

BARRIER = "barrier/data-quality-security"
MECHANISM = "mechanism/information-empowerment"
DATA_BLOCK = re.compile(r'<script id="kg-data" type="application/json">(.*?)</script>', re.S)

# Text that would run if any of it reached the page as markup.
SCRIPT = "<script>window.__xss=1</script>"
IMG = "<img src=x onerror=\"window.__xss=2\">"
QUOTES = "\"double\" 'single' `back` </script><!-- &amp; \u2028"
SVG = "\"><svg onload=window.__xss=3>"
HOSTILE_TEXTS = (SCRIPT, IMG, QUOTES, SVG)


def page_data(html: str) -> dict[str, Any]:
    """The JSON data block of a generated page."""
    match = DATA_BLOCK.search(html)
    assert match, "the page has its data block"
    return json.loads(match.group(1))


def evidence(quote: str, section: str = "5.1") -> list[dict[str, Any]]:
    return [{"document": "000", "section": section, "start": 1, "end": 2, "quote": quote}]


def hostile_projection() -> dict[str, Any]:
    """A tiny graph whose every text field tries to inject markup or script."""
    def node(node_id: str, cls: str, zh: str, en: str, quote: str) -> dict[str, Any]:
        return {"id": node_id, "class": cls, "label": {"zh": zh, "en": en},
                "alt_labels": {"en": [SVG], "zh": [QUOTES]},
                "definition": {"en": f"{IMG} defined", "zh": SCRIPT},
                "document": "000", "origin": "annotation",
                "properties": {"note": SVG}, "evidence": evidence(quote, section=SVG)}

    nodes = [
        node("barrier/evil", "Barrier", SCRIPT + "障碍", IMG + " barrier", SCRIPT + IMG),
        node("mechanism/evil", "Mechanism", "机制" + QUOTES, "mechanism " + SVG, QUOTES),
        node('strategy/"><img src=x onerror=window.__xss=4>', "Strategy", "策略", IMG, IMG),
    ]
    edges = [
        {"source": "barrier/evil", "target": "mechanism/evil", "relation": "hinders",
         "type": "HINDERS", "modality": "evidenced", "origin": "annotation",
         "evidence": evidence(IMG + " hinders " + SCRIPT)},
        {"source": nodes[2]["id"], "target": "barrier/evil", "relation": "mitigates",
         "type": "MITIGATES", "modality": "recommended", "origin": "annotation",
         "evidence": evidence(QUOTES)},
    ]
    return {
        "documents": {"000": {"title": {"en": IMG, "zh": SCRIPT}, "file": "x.txt",
                              "sha256": "0" * 64, "language": ["zh", "en"]}},
        "classes": {"Barrier": {"label": {"en": "Barrier", "zh": SCRIPT}, "parents": [],
                                "definition": {"en": IMG}},
                    "Mechanism": {"label": {"en": "Mechanism", "zh": "机制"}, "parents": [],
                                  "definition": {}},
                    "Strategy": {"label": {"en": SVG, "zh": "对策"}, "parents": [],
                                 "definition": {}}},
        "relations": {"hinders": {"label": {"en": IMG, "zh": "阻碍"}, "type": "HINDERS"},
                      "mitigates": {"label": {"en": "mitigates", "zh": SCRIPT},
                                    "type": "MITIGATES"}},
        "nodes": sorted(nodes, key=lambda n: n["id"]),
        "edges": sorted(edges, key=edge_key),
    }


def save_hostile_store(data_dir: Path) -> dict[str, Any]:
    """Write the hostile graph as a store (only graph.json matters to `kg viz`)."""
    projection = hostile_projection()
    save(data_dir, ntriples="", projection=projection, manifest={"hostile": True})
    return projection


# --- selection -------------------------------------------------------------------------------

def test_default_view_is_the_whole_model_without_parser_background(view: GraphView) -> None:
    selection = select(view)
    expected = {i for i, n in view.nodes.items() if n["class"] not in BACKGROUND_CLASSES}
    assert selection.mode == "model"
    assert selection.node_ids == expected
    assert {"Barrier", "Mechanism", "InnovationType", "Strategy", "Case"} <= {
        n["class"] for n in selection.nodes}
    assert all(e["source"] in expected and e["target"] in expected for e in selection.edges)
    induced = [e for e in view.projection["edges"]
               if e["source"] in expected and e["target"] in expected]
    assert len(selection.edges) == len(induced)


def test_types_select_classes_and_can_bring_back_references(view: GraphView) -> None:
    from kg.viz.selection import parse_types

    selection = select(view, classes=parse_types(view, "Theory, references"))
    assert {n["class"] for n in selection.nodes} == {"Theory", "Reference"}
    assert {e["relation"] for e in selection.edges} == {"hasSource"}
    with pytest.raises(KgError, match="unknown type 'gadgets'"):
        parse_types(view, "Barrier,gadgets")


def test_document_filter_keeps_one_paper(view: GraphView) -> None:
    selection = select(view, document="003")
    assert selection.nodes and {n["document"] for n in selection.nodes} == {"003"}
    with pytest.raises(KgError) as caught:
        select(view, document="999")
    assert "unknown document '999'" in str(caught.value) and "000, 003" in str(caught.value)


def test_barrier_focus_shows_exactly_the_trace(view: GraphView, seed_store: Path,
                                               runner: CliRunner) -> None:
    cli = runner.invoke(app, ["trace", "barrier", BARRIER, "--format", "json",
                              "--data-dir", str(seed_store)])
    assert cli.exit_code == 0, cli.stderr
    reported = json.loads(cli.stdout)

    def ids(data: Any) -> set[str]:
        if isinstance(data, dict):
            return ({data["id"]} if isinstance(data.get("id"), str) else set()).union(
                *map(ids, data.values()))
        if isinstance(data, list):
            return set().union(*map(ids, data))
        return set()

    selection = select(view, focus=BARRIER)
    assert selection.mode == "trace" and selection.focus == BARRIER
    assert selection.node_ids == ids(reported)
    keys = {edge_key(e) for e in selection.edges}
    assert keys == set(trace_edges(view, reported))
    for mech in reported["mechanisms"]:
        assert (mech.get("via_barrier", BARRIER), "hinders", mech["id"]) in keys
        assert {(mech["id"], "promotes", t["id"]) for t in mech["innovation_types"]} <= keys
    assert {(s["id"], s["via"], s["target"]) for s in reported["strategies"]} <= keys
    assert selection.roles[BARRIER] == "barrier"
    assert selection.roles[MECHANISM] == "mechanism"
    assert selection.roles["innovation-type/product"] == "innovation-type"


@pytest.mark.parametrize("kind", ["Barrier", "Problem"])
def test_every_barrier_and_problem_focus_matches_its_trace(view: GraphView, kind: str) -> None:
    for node in view.of_class(kind):
        result = trace_barrier(view, node["id"])
        selection = select(view, focus=node["id"])
        assert {edge_key(e) for e in selection.edges} == set(trace_edges(view, result))
        ends = {i for e in selection.edges for i in (e["source"], e["target"])}
        assert ends <= selection.node_ids


def test_other_focus_is_a_neighbourhood_to_depth(view: GraphView) -> None:
    assert select(view, focus=MECHANISM, depth=0).node_ids == {MECHANISM}
    one = select(view, focus=MECHANISM)
    neighbours = {h.node["id"] for h in [*view.out(MECHANISM), *view.into(MECHANISM)]
                  if h.node["class"] not in BACKGROUND_CLASSES}
    assert one.mode == "neighbourhood" and one.node_ids == neighbours | {MECHANISM}
    assert one.distance[MECHANISM] == 0
    assert one.distance["innovation-type/product"] == 1  # promotes: outgoing, to the right
    assert one.distance[BARRIER] == -1  # hinders the mechanism: incoming, to the left
    two = select(view, focus=MECHANISM, depth=2)
    assert one.node_ids < two.node_ids
    assert select(view, focus=BARRIER, depth=1).mode == "neighbourhood"


def test_depth_needs_a_focus(view: GraphView) -> None:
    with pytest.raises(KgError, match="--depth needs --focus"):
        select(view, depth=2)


# --- layout and style ------------------------------------------------------------------------

def test_trace_layout_reads_left_to_right_with_strategies_beside(view: GraphView) -> None:
    selection = select(view, focus=BARRIER)
    xy = positions(selection)
    assert xy == positions(select(view, focus=BARRIER))
    assert all(isinstance(v, int) for pair in xy.values() for v in pair)
    itypes = [i for i, r in selection.roles.items() if r == "innovation-type"]
    assert xy[BARRIER][0] < xy[MECHANISM][0] < min(xy[i][0] for i in itypes)
    main_row_bottom = max(xy[i][1] for i, r in selection.roles.items()
                          if r in ("barrier", "part", "mechanism", "innovation-type"))
    strategies = [i for i, r in selection.roles.items() if r.startswith("strategy-")]
    assert strategies and min(xy[i][1] for i in strategies) > main_row_bottom
    assert len(set(xy.values())) == len(xy), "no two nodes share a position"


def test_whole_model_layout_is_deterministic_and_separates_nodes(view: GraphView) -> None:
    xy = positions(select(view))
    assert xy == positions(select(view))
    assert len(set(xy.values())) == len(xy)
    assert xy["strategy/data-governance"][0] < xy[BARRIER][0] < xy[MECHANISM][0] \
        < xy["innovation-type/product"][0]


def test_labels_follow_the_language(view: GraphView) -> None:
    node = view.nodes[BARRIER]
    assert node_label(node, "zh") == "数据质量与安全的双重困境"
    assert node_label(node, "en").startswith("Dual dilemma of data quality")
    assert node_label(node, "both").split("\n")[0] == "数据质量与安全的双重困境"
    info = view.projection["relations"]["hinders"]
    assert relation_label("hinders", info, "en") == "hinders"
    assert relation_label("hinders", info, "both") == f"{info['label']['zh']} hinders"


# --- the page --------------------------------------------------------------------------------

def test_same_store_gives_the_same_bytes(view: GraphView, seed_store: Path) -> None:
    first, _ = make_page(view)
    again, _ = make_page(GraphView(json.loads(json.dumps(dict(view.projection.items())))))
    assert first == again
    assert first == make_page(GraphView.loaded(seed_store))[0]  # index or graph.json: same page
    focus, _ = make_page(view, focus=BARRIER, lang="zh")
    assert focus == make_page(view, focus=BARRIER, lang="zh")[0]


def test_page_counts_and_data_match_the_selection(view: GraphView) -> None:
    html, selection = make_page(view, focus=BARRIER)
    data = page_data(html)
    base = data["base"]  # the selection first, then what only the embedded traces show
    assert [n["id"] for n in data["nodes"][:base["nodes"]]] == [n["id"] for n in selection.nodes]
    assert base["edges"] == len(selection.edges)
    assert data["options"]["physics"]["enabled"] is False
    assert all(isinstance(n["x"], int) and isinstance(n["y"], int) for n in data["nodes"])
    widths = {len(e["evidence"]): w["width"]
              for e, w in zip(selection.edges, data["edges"][:base["edges"]], strict=True)}
    assert widths[1] < widths[2]
    info = data["info"]["nodes"][BARRIER]
    document, section, start, end, quote = info["evidence"][0]  # the wire form
    assert (document, section, quote) == ("000", "5.1", "信息维度：数据质量与安全的双重困境")
    assert end - start == len(view.nodes[BARRIER]["evidence"][0]["quote"])


def test_page_is_self_contained_unlike_the_pyvis_template(view: GraphView) -> None:
    html, _ = make_page(view)
    assert external_references(html) == []
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    tags = re.findall(r"<script\b[^>]*>", SCRIPT_BODY.sub(r"\1\2", html))
    # the data block, then vis-network, search.js, path.js, export.js and viz.js
    assert tags == ['<script id="kg-data" type="application/json">', *["<script>"] * 5]
    from pyvis.network import Network

    stock = Network(cdn_resources="in_line").generate_html()
    assert any("cdn.jsdelivr.net" in ref or "https://" in ref
               for ref in external_references(stock)), "pyvis in_line still links Bootstrap"


def test_hostile_text_stays_inert_data() -> None:
    projection = hostile_projection()
    html, selection = make_page(GraphView(projection))
    assert len(selection.nodes) == 3
    block = DATA_BLOCK.search(html).group(1)
    assert "<" not in block and ">" not in block and "\u2028" not in block
    data = json.loads(block)
    assert data["info"]["nodes"]["barrier/evil"]["label"]["zh"] == SCRIPT + "障碍"
    assert data["info"]["edges"][0][2][0][4] == IMG + " hinders " + SCRIPT
    markup = DATA_BLOCK.sub("", html)
    markup = re.sub(r"<script>.*?</script>", "", markup, flags=re.S)
    for text in HOSTILE_TEXTS:
        assert text not in markup
    assert "onerror" not in markup and "__xss" not in markup


@given(st.text())
def test_script_json_is_inert_and_round_trips(text: str) -> None:
    encoded = script_json({"text": text})
    assert not set("<>&\u2028\u2029") & set(encoded)
    assert json.loads(encoded) == {"text": text}


def test_large_graph_page_builds_with_every_node() -> None:
    projection = synthetic_projection()
    html, selection = make_page(GraphView(projection))
    data = page_data(html)
    assert len(data["nodes"]) == len(selection.nodes) == 3000
    assert len(data["edges"]) == len(selection.edges) == 4500
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) == 3000


# --- command line ----------------------------------------------------------------------------

def test_cli_writes_the_page_and_says_where(seed_store: Path, runner: CliRunner,
                                             tmp_path: Path) -> None:
    out = tmp_path / "view.html"
    result = runner.invoke(app, ["viz", "--out", str(out), "--data-dir", str(seed_store)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f"wrote {out}" in result.stderr and "model view" in result.stderr
    again = tmp_path / "again.html"
    runner.invoke(app, ["viz", "--out", str(again), "--data-dir", str(seed_store)])
    assert out.read_bytes() == again.read_bytes()
    focus = tmp_path / "focus.html"
    result = runner.invoke(app, ["viz", "--focus", "数据质量与安全的双重困境", "--lang", "zh",
                                 "--out", str(focus), "--data-dir", str(seed_store)])
    assert result.exit_code == 0, result.stderr
    assert page_data(focus.read_text(encoding="utf-8"))["focus"] == BARRIER


@pytest.mark.parametrize("args, message", [
    (["--synthetic", "20000"], "error: --synthetic takes NODES,EDGES"),
    (["--synthetic", "5,100"], "error: --synthetic 5,100: need"),
    (["--focus", "no such thing at all zzz"], "error: no entity matches"),
    (["--types", "gadgets"], "error: unknown type 'gadgets'"),
    (["--document", "999"], "error: --document: unknown document '999'"),
    (["--depth", "2"], "error: --depth needs --focus"),
])
def test_cli_bad_options_fail_in_one_line_and_write_nothing(
        seed_store: Path, runner: CliRunner, tmp_path: Path, args: list[str],
        message: str) -> None:
    out = tmp_path / "view.html"
    result = runner.invoke(app, ["viz", *args, "--out", str(out), "--data-dir", str(seed_store)])
    assert result.exit_code != 0
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_cli_without_a_store_says_to_build(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["viz", "--data-dir", str(tmp_path / "none"),
                                 "--out", str(tmp_path / "v.html")])
    assert result.exit_code == 1
    assert "no graph built yet" in result.stderr and "kg build" in result.stderr


def test_cli_out_must_be_a_file(seed_store: Path, runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["viz", "--out", str(tmp_path), "--data-dir", str(seed_store)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "--out is a directory" in result.stderr


def test_page_bytes_do_not_depend_on_the_locale(seed_store: Path, tmp_path: Path,
                                                view: GraphView) -> None:
    import os
    import subprocess
    import sys

    kg = Path(sys.executable).with_name("kg")
    out = tmp_path / "c-locale.html"
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0",
           "PYTHONCOERCECLOCALE": "0"}
    done = subprocess.run([str(kg), "viz", "--focus", BARRIER, "--out", str(out),
                           "--data-dir", str(seed_store)], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == make_page(view, focus=BARRIER)[0].encode("utf-8")


# --- analyst view: styles, embedded traces, synthetic graphs ---------------------------------

def test_every_class_has_its_own_shape_and_colour() -> None:
    from kg.viz.style import CLASS_STYLES

    looks = [(style.shape, style.color) for style in CLASS_STYLES.values()]
    assert len(set(looks)) == len(looks)
    colours = [style.color for style in CLASS_STYLES.values()]
    assert len(set(colours)) == len(colours)
    for a, b in (("Organization", "Platform"), ("Organization", "Statistic"),
                 ("InnovationType", "Case"), ("Theory", "InnovationMode"),
                 ("Theory", "Outcome"), ("InnovationMode", "Outcome"), ("Barrier", "Problem")):
        assert CLASS_STYLES[a].shape != CLASS_STYLES[b].shape, (a, b)


def test_page_nodes_use_class_groups_not_their_own_colours(view: GraphView) -> None:
    data = page_data(make_page(view)[0])
    assert all("color" not in n and n["group"] == view.nodes[n["id"]]["class"]
               for n in data["nodes"])
    assert set(data["options"]["groups"]) == {n["group"] for n in data["nodes"]}
    assert all("label" not in e for e in data["edges"]), "relation labels drawn on demand"


def test_embedded_traces_are_the_python_traces_with_their_layout(view: GraphView) -> None:
    from kg.viz.traces import trace_kind, walk_trace

    data = page_data(make_page(view)[0])
    ids = [n["id"] for n in data["nodes"]]
    edge_keys = [(e["from"], wire[0], e["to"])
                 for e, wire in zip(data["edges"], data["info"]["edges"], strict=True)]
    roots = sorted(i for i in page_ids(data) if trace_kind(view.nodes[i]))
    assert sorted(data["traces"]) == roots and len(roots) > 50
    for root in roots:
        kind, nodes, edges, xy = data["traces"][root]
        trace = walk_trace(view, root, kind, None, None)
        assert [ids[i] for i in nodes] == [n["id"] for n in trace.nodes]
        assert [edge_keys[i] for i in edges] == [edge_key(e) for e in trace.edges]
        laid = positions(trace)
        assert xy == [c for n in trace.nodes for c in laid[n["id"]]]
    barrier = data["traces"][BARRIER]
    assert sorted(ids[i] for i in barrier[1]) == sorted(select(view, focus=BARRIER).node_ids)
    extra = ids[data["base"]["nodes"]:]
    assert extra and all(view.nodes[i]["class"] in BACKGROUND_CLASSES for i in extra)
    assert all(n.get("hidden") for n in data["nodes"][data["base"]["nodes"]:])


def page_ids(data: dict[str, Any]) -> list[str]:
    return [n["id"] for n in data["nodes"][:data["base"]["nodes"]]]


def test_a_statistic_reached_through_a_match_is_a_trace_edge_of_the_match() -> None:
    """kg trace barrier reports the statistics of the barrier's cross-paper matches; the edge
    drawn is the match's own hasStatistic (it used to be looked up on the root and fail)."""
    def node(node_id: str, cls: str) -> dict[str, Any]:
        return {"id": node_id, "class": cls, "label": {"en": node_id}, "alt_labels": {},
                "definition": {}, "document": "000", "origin": "annotation", "properties": {},
                "evidence": []}

    def edge(source: str, relation: str, target: str) -> dict[str, Any]:
        return {"source": source, "target": target, "relation": relation, "type": "",
                "modality": "aligned" if relation == "closeMatch" else "stated",
                "origin": "annotation", "evidence": evidence("q")}

    projection = {"documents": {}, "classes": {}, "relations": {},
                  "nodes": [node("barrier/a", "Barrier"), node("barrier/b", "Barrier"),
                            node("statistic/s", "Statistic")],
                  "edges": [edge("barrier/a", "closeMatch", "barrier/b"),
                            edge("barrier/b", "hasStatistic", "statistic/s")]}
    selection = select(GraphView(projection), focus="barrier/a")
    assert [edge_key(e) for e in selection.edges] == [("barrier/a", "closeMatch", "barrier/b"),
                                                     ("barrier/b", "hasStatistic",
                                                      "statistic/s")]


def test_synthetic_graph_is_seeded_and_looks_like_a_corpus() -> None:
    projection = synthetic_projection(2000, 6000)
    assert projection == synthetic_projection(2000, 6000)
    assert projection != synthetic_projection(2000, 6000, seed=8)
    nodes, edges = projection["nodes"], projection["edges"]
    assert len(nodes) == 2000 and len(edges) == 6000
    assert len({n["document"] for n in nodes}) >= 5
    assert len({n["class"] for n in nodes}) >= 15
    assert len({n.get("properties", {}).get("actor") for n in nodes} - {None}) == 3
    assert {e["modality"] for e in edges} == {"stated", "evidenced", "recommended", "aligned"}
    assert any(n.get("status") == "draft" for n in nodes)
    assert any(e.get("status") == "draft" for e in edges)
    view = GraphView(projection)
    dims = {e["target"] for e in edges if e["relation"] == "inDimension"}
    assert len(dims) >= 3 and all(view.nodes[d]["class"] == "Dimension" for d in dims)
    hinders = [e for e in edges if e["relation"] == "hinders"]
    assert hinders and all(view.nodes[e["target"]]["class"] == "Mechanism" for e in hinders)


def test_cli_synthetic_writes_a_large_page_without_a_store(runner: CliRunner,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "big.html"
    result = runner.invoke(app, ["viz", "--synthetic", "3500,6000", "--out", str(out),
                                 "--data-dir", str(tmp_path / "no-store")])
    assert result.exit_code == 0, result.stderr
    assert "(3500 nodes, 6000 edges, model view)" in result.stderr
    data = page_data(out.read_text(encoding="utf-8"))
    assert len(data["nodes"]) == 3500 and data["base"]["edges"] == 6000
    assert data["traces"] == {} and data["traces_omitted"] > 1000  # too many to embed
    again = tmp_path / "again.html"
    runner.invoke(app, ["viz", "--synthetic", "3500,6000", "--out", str(again)])
    assert again.read_bytes() == out.read_bytes()


def test_a_paper_page_is_titled_by_the_paper(view: GraphView) -> None:
    html, _ = make_page(view, document="003", lang="en")
    data = page_data(html)
    title = view.projection["documents"]["003"]["title"]["en"]
    assert data["title"] == f"innovation-kg · paper 003: {title}"
    assert data["document"] == "003"
