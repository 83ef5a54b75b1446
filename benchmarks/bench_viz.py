"""How fast `kg viz` pages are made, open, filter and search, at 227, 5,000 and 20,000 nodes.

Usage: .venv/bin/python benchmarks/bench_viz.py [--runs 3] [--sizes seed,5000,20000]
                                                 [--no-browser] [--no-modules]

Sizes: ``seed`` (or 227) is the seed build's whole model, made by `kg viz` as a process; a
number N is the seeded synthetic graph with N nodes and 3·N edges, made by
`kg viz --synthetic N,3N` when the CLI has that flag, else by ``kg.viz.make_page`` in-process
(the table says which). In headless Chromium (Debian's /usr/bin/chromium through playwright)
each page is timed from navigation start to the first animation frame where
``window.kgView.ready`` is true (or, on a page without it, vis-network's first "afterDrawing");
then ``kgView.filter({classes: [...]})`` until ``visibleNodeIds()`` reflects it and the network
has drawn again, ``kgView.search(text)`` once the page's sliced search index is built
(``kgView.timings.searchIndex``), and the longest main-thread task (PerformanceObserver
"longtask", i.e. over 50 ms) while 10 characters are typed into ``#kg-search``. A feature the
page lacks reads "n/a: reason". A second table times the page modules alone on a blank page:
KGSearch.createIndex / build / query / start (build and start: the longest time the main
thread was blocked) and
KGPath.prepare / shortest, at 20,000 records with 60,000 quotes and 20,000 nodes / 60,000 edges.

Medians of --runs (max in brackets where it matters). Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KG = str(Path(sys.executable).with_name("kg"))
sys.path.insert(0, str(ROOT))

from kg.graphview import GraphView  # noqa: E402
from kg.viz import make_page  # noqa: E402
from kg.viz.synthetic import synthetic_projection  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SEED_SIZES = ("seed", "227")
EDGES_PER_NODE = 3

# Runs before the page's own scripts: notes when kgView.ready first holds at an animation frame,
# and vis-network's first afterDrawing, as performance.now() (ms since navigation start).
FIRST_DRAW_JS = """(() => {
  const t = {ready: null, drawn: null, hooked: false};
  window.__kgBench = t;
  function poll() {
    if (t.ready === null && window.kgView && window.kgView.ready === true) {
      t.ready = performance.now();
    }
    if (!t.hooked && window.network && typeof window.network.once === "function") {
      t.hooked = true;
      window.network.once("afterDrawing", () => { t.drawn = performance.now(); });
    }
    if (t.ready === null) { requestAnimationFrame(poll); }
  }
  requestAnimationFrame(poll);
})();"""

# kgView.filter({classes}) until visibleNodeIds() has changed to `want` ids and vis has drawn.
FILTER_JS = """async ([cls, want]) => {
  const view = window.kgView;
  if (typeof view.filter !== "function") { return {na: "no kgView.filter"}; }
  if (typeof view.visibleNodeIds !== "function") { return {na: "no kgView.visibleNodeIds"}; }
  const net = window.network;
  let drawn = null;
  const t0 = performance.now();
  if (net && net.once) { net.once("afterDrawing", () => { drawn = performance.now(); }); }
  const result = view.filter({classes: [cls]});
  if (result && typeof result.then === "function") { await result; }
  let reflected = null;
  for (let i = 0; i < 600 && reflected === null; i++) {
    const ids = view.visibleNodeIds();
    if (ids.length === want) { reflected = performance.now(); break; }
    await new Promise((ok) => requestAnimationFrame(ok));
  }
  if (reflected === null) { return {na: "visibleNodeIds() never showed the filter"}; }
  for (let i = 0; i < 300 && net && drawn === null; i++) {
    await new Promise((ok) => requestAnimationFrame(ok));
  }
  const end = Math.max(reflected, drawn === null ? reflected : drawn);
  const cleared = view.filter({});
  if (cleared && typeof cleared.then === "function") { await cleared; }
  return {ms: end - t0, drew: drawn !== null};
}"""

SEARCH_JS = """async (text) => {
  const view = window.kgView;
  if (typeof view.search !== "function") { return {na: "no kgView.search"}; }
  const t0 = performance.now();
  let ids = view.search(text);
  if (ids && typeof ids.then === "function") { ids = await ids; }
  return {ms: performance.now() - t0, hits: Array.isArray(ids) ? ids.length : null};
}"""

LONGTASK_START_JS = """() => {
  window.__kgLong = [];
  const seen = window.__kgLong;
  new PerformanceObserver((list) => {
    list.getEntries().forEach((e) => seen.push(e.duration));
  }).observe({type: "longtask"});
}"""


@dataclass
class Row:
    """One line of the page table."""

    size: str
    nodes: int | str = "?"
    edges: int | str = "?"
    made_by: str = ""
    generation: list[float] = field(default_factory=list)
    file_mb: float = 0.0
    first_draw: list[float] = field(default_factory=list)
    draw_note: str = ""
    filter_ms: list[float] = field(default_factory=list)
    search_ms: list[float] = field(default_factory=list)
    longest_task: list[float] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)


def median(values: list[float], unit: str, digits: int = 2) -> str:
    """``1.23 s (max 1.40)`` for a list of runs."""
    if not values:
        return ""
    text = f"{statistics.median(values):.{digits}f} {unit}"
    return text + (f" (max {max(values):.{digits}f})" if len(values) > 1 else "")


def has_synthetic_flag() -> bool:
    """True once `kg viz --synthetic N,M` exists."""
    done = subprocess.run([KG, "viz", "--help"], capture_output=True, text=True, cwd=ROOT)
    return "--synthetic" in done.stdout


def timed_process(cmd: list[str]) -> float:
    """Seconds of one whole process (a failure is one clear line, then exit)."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise SystemExit(f"bench_viz: {' '.join(cmd[1:3])} failed: "
                         f"{lines[-1] if lines else done.returncode}")
    return took


def make_pages(sizes: list[str], runs: int, tmp: Path) -> tuple[list[Row], dict[str, Path]]:
    """Generate every page ``runs`` times; the table rows and one file per size."""
    rows, files = [], {}
    synthetic_cli = has_synthetic_flag()
    store = tmp / "store"
    for size in sizes:
        row = Row(size)
        out = tmp / f"view-{size}.html"
        if size in SEED_SIZES:
            if not store.exists():
                subprocess.run([KG, "build", "--no-validate", "--data-dir", str(store)], cwd=ROOT,
                               check=True, capture_output=True)
            row.made_by = "kg viz"
            row.generation = [timed_process([KG, "viz", "--out", str(out), "--data-dir",
                                             str(store)]) for _ in range(runs)]
            _, selection = make_page(GraphView.from_store(store))
            row.nodes, row.edges = len(selection.nodes), len(selection.edges)
        else:
            n = int(size)
            spec = f"{n},{EDGES_PER_NODE * n}"
            if synthetic_cli:
                row.made_by = f"kg viz --synthetic {spec}"
                row.generation = [timed_process([KG, "viz", "--synthetic", spec, "--out",
                                                 str(out)]) for _ in range(runs)]
                row.nodes, row.edges = n, EDGES_PER_NODE * n
            else:
                row.made_by = "make_page in-process (no kg viz --synthetic yet)"
                view = GraphView(synthetic_projection(n, EDGES_PER_NODE * n))
                for _ in range(runs):
                    start = time.perf_counter()
                    html, selection = make_page(view)
                    row.generation.append(time.perf_counter() - start)
                out.write_text(html, encoding="utf-8")
                row.nodes, row.edges = len(selection.nodes), len(selection.edges)
        row.file_mb = out.stat().st_size / 1e6
        rows.append(row)
        files[size] = out
    return rows, files


def launch(driver: Any, profile: str) -> Any:
    return driver.chromium.launch_persistent_context(
        profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
        viewport={"width": 1440, "height": 900})


def browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"no {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "no playwright"
    return None


def class_count(page: Any, cls: str) -> int | None:
    """How many nodes of ``cls`` the page holds, from its data block (None: unknown format)."""
    return page.evaluate("""(cls) => {
      const block = document.getElementById("kg-data");
      if (!block) { return null; }
      const data = JSON.parse(block.textContent);
      const info = data.info && data.info.nodes;
      if (!info) { return null; }
      return Object.keys(info).filter((id) => info[id]["class"] === cls).length;
    }""", cls)


def measure_page(context: Any, path: Path, row: Row, runs: int) -> None:
    """First draw, filter, search and the longest typing task of one page."""
    query = "data secruity" if row.size in SEED_SIZES else "node 123"
    typed = "data secur" if row.size in SEED_SIZES else "node 12345"
    runs += 1  # page 0 for typing; filter and search on the others
    for run in range(runs):
        page = context.new_page()
        page.add_init_script(FIRST_DRAW_JS)
        page.goto(path.as_uri())
        try:
            # predicates are functions: the page's CSP forbids evaluating strings
            page.wait_for_function("() => window.__kgBench.ready !== null || "
                                   "window.__kgBench.drawn !== null", timeout=180_000)
            if page.evaluate("() => window.__kgBench.ready === null"):
                # drawn first: wait for kgView.ready if the page has a kgView (or gets one)
                page.wait_for_function("() => window.__kgBench.ready !== null", timeout=180_000
                                       if page.evaluate("() => !!window.kgView") else 3_000)
        except Exception as exc:  # noqa: BLE001 - a page that never draws is reported, not raised
            if page.evaluate("() => window.__kgBench.drawn === null"):
                row.draw_note = f"n/a: never drawn ({type(exc).__name__})"
                page.close()
                return
        marks = page.evaluate("() => window.__kgBench")
        if marks["ready"] is not None:
            row.first_draw.append(marks["ready"] / 1000)
        else:
            row.first_draw.append(marks["drawn"] / 1000)
            row.draw_note = "(first afterDrawing: no kgView.ready)"
        if run == 0:  # typing first, on a fresh page: the first search pays for any lazy index
            type_into_search(page, row, typed)
            page.close()
            continue
        if not page.evaluate("() => !!window.kgView"):
            row.notes["filter"] = row.notes["search"] = "n/a: no window.kgView"
        else:
            want = class_count(page, "Barrier")
            if want is None:
                row.notes["filter"] = "n/a: cannot count Barrier nodes in the data block"
            else:
                got = page.evaluate(FILTER_JS, ["Barrier", want])
                if "na" in got:
                    row.notes["filter"] = "n/a: " + got["na"]
                else:
                    row.filter_ms.append(got["ms"])
                    if not got["drew"]:
                        row.notes["filter"] = "(no redraw seen)"
            # the page builds its search index in slices after the first draw: search once it
            # is there (kgView.timings.searchIndex), as a reader who starts typing a moment later
            built = None
            if page.evaluate("() => !!window.kgView.timings"):
                page.wait_for_function("() => window.kgView.timings.searchIndex !== undefined",
                                       timeout=120_000)
                built = page.evaluate("() => window.kgView.timings.searchIndex")
            got = page.evaluate(SEARCH_JS, query)
            if "na" in got:
                row.notes["search"] = "n/a: " + got["na"]
            else:
                row.search_ms.append(got["ms"])
                row.notes["search"] = f'("{query}": {got["hits"]} ids' + (
                    f"; index built in {built:.0f} ms of slices)" if built is not None else ")")
        page.close()


def type_into_search(page: Any, row: Row, text: str) -> None:
    """Type 10 characters into #kg-search, 80 ms apart; the longest task meanwhile."""
    box = page.locator("#kg-search")
    if box.count() == 0:
        row.notes["typing"] = "n/a: no #kg-search"
        return
    box.click()
    box.fill("")
    page.evaluate(LONGTASK_START_JS)
    page.keyboard.type(text, delay=80)
    page.wait_for_timeout(2000)
    tasks = page.evaluate("() => window.__kgLong")
    searched = page.evaluate("""(text) => !!(window.kgView && typeof kgView.state === "function"
        && JSON.stringify(kgView.state()).indexOf(text) >= 0)""", text)
    row.longest_task.append(max(tasks, default=0.0))
    row.notes["typing"] = (f"({len(tasks)} over 50 ms" if tasks else "(none over 50 ms") + \
        ("" if searched else "; the typed text is not in kgView.state()") + ")"


def note_cell(row: Row, values: list[float], key: str) -> str:
    """A millisecond cell: the median and max, or the row's "n/a: reason" for ``key``."""
    note = row.notes.get(key, "")
    if note.startswith("n/a"):
        return note
    return " ".join(x for x in (median(values, "ms", 0), note) if x) or "n/a: not measured"


def page_table(rows: list[Row]) -> str:
    out = ["| nodes / edges | made by | generation | file | first draw | filter | search "
           "| longest task typing 10 chars |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        draw = r.draw_note if r.draw_note.startswith("n/a") else \
            " ".join(x for x in (median(r.first_draw, "s"), r.draw_note) if x)
        out.append(f"| {r.nodes} / {r.edges} | {r.made_by} | {median(r.generation, 's')} | "
                   f"{r.file_mb:.2f} MB | {draw or 'n/a: not measured'} | "
                   f"{note_cell(r, r.filter_ms, 'filter')} | "
                   f"{note_cell(r, r.search_ms, 'search')} | "
                   f"{note_cell(r, r.longest_task, 'typing')} |")
    return "\n".join(out)


# ------------------------------------------------------------------ the modules alone

def module_records(n_nodes: int, n_edges: int, quotes: int) -> list[dict[str, Any]]:
    """KGSearch records of the synthetic graph: each node's own quotes, topped up to
    ``quotes`` with its relations' passages (the page itself indexes only the former)."""
    projection = synthetic_projection(n_nodes, n_edges)
    extra: dict[str, list[str]] = {}
    have = sum(len(n.get("evidence", [])) for n in projection["nodes"])
    for edge in projection["edges"]:
        for item in edge.get("evidence", []):
            if have >= quotes:
                break
            extra.setdefault(edge["source"], []).append(item["quote"])
            have += 1
    return [{"id": n["id"], "cls": n["class"], "label": n.get("label", {}),
             "alt": n.get("alt_labels", {}), "definition": n.get("definition", {}),
             "quotes": [e["quote"] for e in n.get("evidence", [])] + extra.get(n["id"], [])}
            for n in projection["nodes"]]


MODULE_JS = """async ([records, graph, queries, pairs]) => {
  // a sliced job's total time and the longest time the main thread was not ours (a 0 ms
  // timer loop runs beside it and notes the gaps between its turns)
  async function blocked(job) {
    const gaps = [];
    let last = performance.now();
    let done = false;
    const tick = () => { const now = performance.now(); gaps.push(now - last); last = now;
                         if (!done) { setTimeout(tick, 0); } };
    setTimeout(tick, 0);
    const t0 = performance.now();
    await new Promise((ok) => job(() => { done = true; ok(); }));
    const total = performance.now() - t0;
    await new Promise((ok) => setTimeout(ok, 10));
    return {total: total, block: Math.max(...gaps)};
  }
  const out = {};
  let t = performance.now();
  const index = KGSearch.createIndex(records);
  out.createIndex = performance.now() - t;
  await new Promise((ok) => setTimeout(ok, 1500));   // the page builds it at load, then idles
  out.build = await blocked((done) => KGSearch.build(records, done));
  await new Promise((ok) => setTimeout(ok, 1500));
  out.query = {};
  for (const q of queries) {
    t = performance.now();
    index.query(q, 50);
    out.query[q] = performance.now() - t;
  }
  out.start = {};
  for (const q of queries) {
    out.start[q] = await blocked((done) => index.start(q, 50, done));
  }
  t = performance.now();
  const router = KGPath.prepare(graph);
  out.prepare = performance.now() - t;
  out.shortest = pairs.map(([a, b]) => { const s = performance.now(); router.shortest(a, b);
                                         return performance.now() - s; });
  return out;
}"""

QUERIES = ("node 123", "data secruity", "数据", "privacy platform", "n", "Nod 1999")


def measure_modules(context: Any, runs: int) -> str:
    """The module table: KGSearch and KGPath at 20,000 nodes, 60,000 quotes / edges."""
    n, m, quotes = 20_000, 60_000, 60_000
    records = module_records(n, m, quotes)
    projection = synthetic_projection(n, m)
    graph = {"nodes": {x["id"]: {"cls": x["class"]} for x in projection["nodes"]},
             "edges": [{"id": f"e{k}", "from": e["source"], "to": e["target"],
                        "relation": e["relation"]} for k, e in enumerate(projection["edges"])]}
    ids = sorted(graph["nodes"])
    pairs = [[ids[(k * 7919) % len(ids)], ids[(k * 104729 + 13) % len(ids)]] for k in range(20)]
    results = []
    for _ in range(runs):
        page = context.new_page()
        page.goto("about:blank")
        for name in ("search.js", "path.js"):
            page.add_script_tag(content=resources.files("kg.viz").joinpath(
                "assets", name).read_text(encoding="utf-8"))
        results.append(page.evaluate(MODULE_JS, [records, graph, list(QUERIES), pairs]))
        page.close()
    n_quotes = sum(len(r["quotes"]) for r in records)

    def ms(values: list[float]) -> str:
        return median(values, "ms", 0)

    lines = [f"KGSearch on {len(records):,} records with {n_quotes:,} quotes; KGPath on "
             f"{n:,} nodes / {m:,} edges (medians of {runs}; max in brackets)", "",
             "| figure | time | target |", "|---|---|---|",
             f"| KGSearch.createIndex | {ms([r['createIndex'] for r in results])} | ≤ 1000 ms |",
             f"| KGSearch.build (sliced): longest block / total | "
             f"{ms([r['build']['block'] for r in results])} / "
             f"{ms([r['build']['total'] for r in results])} | block ≤ 100 ms |"]
    for q in QUERIES:
        lines.append(f"| query(\"{q}\") | {ms([r['query'][q] for r in results])} | ≤ 500 ms |")
    for q in QUERIES:
        lines.append(f"| start(\"{q}\"): longest block / total | "
                     f"{ms([r['start'][q]['block'] for r in results])} / "
                     f"{ms([r['start'][q]['total'] for r in results])} | block ≤ 100 ms |")
    lines.append(f"| KGPath.prepare | {ms([r['prepare'] for r in results])} | |")
    worst = [max(r["shortest"]) for r in results]
    lines.append(f"| shortest, worst of {len(pairs)} pairs | {ms(worst)} | ≤ 100 ms |")
    lines.append(f"| prepare + worst shortest | "
                 f"{ms([r['prepare'] + max(r['shortest']) for r in results])} | ≤ 200 ms |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="seed,5000,20000",
                        help="comma-separated: seed (or 227) and/or node counts")
    parser.add_argument("--no-browser", action="store_true", help="generation and size only")
    parser.add_argument("--no-modules", action="store_true", help="skip the module table")
    args = parser.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    bad = [s for s in sizes if s not in SEED_SIZES and not (s.isdigit() and int(s) >= 2)]
    if bad or args.runs < 1:
        raise SystemExit(f"bench_viz: --sizes takes seed or node counts ≥ 2, --runs ≥ 1 "
                         f"(got {args.sizes!r}, {args.runs})")
    with tempfile.TemporaryDirectory() as tmp:
        rows, files = make_pages(sizes, args.runs, Path(tmp))
        missing = None if not args.no_browser else "--no-browser"
        missing = missing or browser_missing()
        module_table = ""
        if missing is None:
            from playwright.sync_api import sync_playwright

            with tempfile.TemporaryDirectory() as profile, sync_playwright() as driver:
                context = launch(driver, profile)
                try:
                    for row in rows:
                        try:
                            measure_page(context, files[row.size], row, args.runs)
                        except Exception as exc:  # noqa: BLE001 - reported in the table
                            line = str(exc).strip().splitlines()[0][:120]
                            for key in ("filter", "search", "typing"):
                                row.notes.setdefault(key, f"n/a: {line}")
                    if not args.no_modules:
                        module_table = measure_modules(context, args.runs)
                finally:
                    context.close()
        else:
            for row in rows:
                row.draw_note = row.notes["filter"] = row.notes["search"] = \
                    row.notes["typing"] = f"n/a: {missing}"
    print(page_table(rows))
    if module_table:
        print()
        print(module_table)


if __name__ == "__main__":
    main()
