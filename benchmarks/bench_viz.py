"""Time `kg viz` as whole processes on the seeds, and page generation on a ~3,000-node graph.

Usage: .venv/bin/python benchmarks/bench_viz.py [--runs 5] [--no-browser]
Prints medians (and min/max). Also times pyvis's own add_node/add_edge on the large graph (the
O(n·e) path the page avoids) and, when /usr/bin/chromium and playwright are there, how long the
large page takes to open and draw in headless Chromium. Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
KG = str(Path(sys.executable).with_name("kg"))
sys.path.insert(0, str(ROOT))

from kg.graphview import GraphView  # noqa: E402
from kg.viz import make_page  # noqa: E402
from kg.viz.synthetic import synthetic_projection  # noqa: E402


def timed(action: Callable[[], object], runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def process(cmd: list[str]) -> Callable[[], object]:
    return lambda: subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)


def pyvis_add_calls(projection: dict) -> None:
    """The naive pyvis way: add_node / add_edge one by one (membership test in a list)."""
    from pyvis.network import Network

    net = Network(directed=True, cdn_resources="in_line")
    for node in projection["nodes"]:
        net.add_node(node["id"], label=node["label"]["en"])
    for edge in projection["edges"]:
        net.add_edge(edge["source"], edge["target"], title=edge["relation"])


def browser_open(path: Path, runs: int) -> list[float] | None:
    """Seconds from navigation to the first drawn frame in headless Chromium, or None."""
    if not Path("/usr/bin/chromium").exists():
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    times = []
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            profile, executable_path="/usr/bin/chromium", args=args,
            viewport={"width": 1400, "height": 900})
        for _ in range(runs):
            page = context.new_page()
            start = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_function("window.kgView && window.kgView.ready === true")
            times.append(time.perf_counter() - start)
            page.close()
        context.close()
    return times


def report(name: str, times: list[float] | None) -> None:
    if times is None:
        print(f"{name:<52} skipped (no chromium/playwright)")
        return
    print(f"{name:<52} median {statistics.median(times):7.3f} s   "
          f"(min {min(times):.3f}, max {max(times):.3f}, n={len(times)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = ["--data-dir", tmp]
        subprocess.run([KG, "build", "--no-validate", *data], cwd=ROOT, check=True,
                       stderr=subprocess.DEVNULL)
        out = str(Path(tmp) / "view.html")
        report("kg viz (whole model, process)",
               timed(process([KG, "viz", "--out", out, *data]), args.runs))
        report("kg viz --focus <barrier> (trace, process)",
               timed(process([KG, "viz", "--focus", "数据质量与安全的双重困境", "--out", out,
                              *data]), args.runs))
        report("kg viz --focus <mechanism> --depth 2 (process)",
               timed(process([KG, "viz", "--focus", "信息赋能机制", "--depth", "2", "--out", out,
                              *data]), args.runs))
        projection = synthetic_projection()
        view = GraphView(projection)
        n, e = len(projection["nodes"]), len(projection["edges"])
        report(f"make_page on a synthetic graph ({n} nodes, {e} edges)",
               timed(lambda: make_page(view), args.runs))
        report("  pyvis add_node/add_edge on it (not used)", timed(
            lambda: pyvis_add_calls(projection), max(1, args.runs // 2)))
        large = Path(tmp) / "large.html"
        html, _ = make_page(view)
        large.write_text(html, encoding="utf-8")
        print(f"{'  page size':<52} {len(html.encode()) / 1e6:7.2f} MB")
        if not args.no_browser:
            report("  open + first draw in headless Chromium", browser_open(large, args.runs))


if __name__ == "__main__":
    main()
