"""Time `kg build` and the query commands as whole processes, and the library trace call.

Usage: .venv/bin/python benchmarks/bench_cli.py [--runs 5]
Prints medians (and min/max) per command. Absolute times on shared machines are noisy: compare
ratios, run several times. Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KG = str(Path(sys.executable).with_name("kg"))


def timed(cmd: list[str], runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` executions of a command (output discarded)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def library_trace(data_dir: Path, runs: int = 200) -> tuple[float, float]:
    """Median seconds of loading the view once, and of one ``trace_barrier`` call."""
    from kg.graphview import GraphView
    from kg.resolve import resolve
    from kg.traces import trace_barrier

    start = time.perf_counter()
    view = GraphView.from_store(data_dir)
    load = time.perf_counter() - start
    calls = []
    for _ in range(runs):
        start = time.perf_counter()
        node = resolve(view, "数据安全风险", classes=("Barrier",))
        trace_barrier(view, node["id"])
        calls.append(time.perf_counter() - start)
    return load, statistics.median(calls)


def library_search(data_dir: Path, runs: int = 20) -> float:
    """Median seconds of one ``search`` over labels, definitions and every passage."""
    from kg.graphview import GraphView
    from kg.search import search

    view = GraphView.from_store(data_dir)
    calls = []
    for _ in range(runs):
        start = time.perf_counter()
        search(view, "data secruity")
        calls.append(time.perf_counter() - start)
    return statistics.median(calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = ["--data-dir", tmp]
        rows = [("kg --help", [KG, "--help"])]
        rows.append(("kg build (SHACL on)", [KG, "build", *data]))
        rows.append(("kg build --no-validate", [KG, "build", "--no-validate", *data]))
        subprocess.run([KG, "build", *data], cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
        rows += [
            ("kg stats", [KG, "stats", *data]),
            ("kg stats --format json", [KG, "stats", "--format", "json", *data]),
            ("kg validate", [KG, "validate", *data]),
            ("kg trace barrier", [KG, "trace", "barrier", "数据安全风险", *data]),
            ("kg trace barrier --format json", [KG, "trace", "barrier", "数据安全风险",
                                                "--format", "json", *data]),
            ("kg trace strategy", [KG, "trace", "strategy", "strategy/data-governance", *data]),
            ("kg trace mechanism", [KG, "trace", "mechanism", "信息赋能机制", *data]),
            ("kg show", [KG, "show", "case/small-furniture-maker", *data]),
            ("kg list barriers", [KG, "list", "barriers", *data]),
            ("kg cases", [KG, "cases", *data]),
            ("kg search", [KG, "search", "homogenisation", *data]),
            ("kg search (passages)", [KG, "search", "维护好个人隐私", *data]),
            ("kg cite", [KG, "cite", "barrier/data-security-risk", *data]),
            ("kg path", [KG, "path", "barrier/data-security-risk", "theory/digital-empowerment",
                         *data]),
            ("kg sparql --name", [KG, "sparql", "--name", "barrier-mechanisms", "--bind",
                                  "barrier=barrier/data-security-risk", *data]),
            ("kg cypher", [KG, "cypher", "MATCH (b:Barrier)-[:HINDERS]->(m:Mechanism) "
                                         "RETURN b.id, m.id", *data]),
            ("kg export --format ttl", [KG, "export", "--format", "ttl", *data]),
            ("kg export --format jsonld", [KG, "export", "--format", "jsonld", *data]),
        ]
        print(f"{'command':34} {'median':>8} {'min':>8} {'max':>8}   ({args.runs} runs)")
        for name, cmd in rows:
            times = timed(cmd, args.runs)
            print(f"{name:34} {statistics.median(times):8.3f} {min(times):8.3f} {max(times):8.3f}")
        load, call = library_trace(Path(tmp))
        print(f"{'library: GraphView.from_store':34} {load:8.4f}")
        print(f"{'library: resolve + trace_barrier':34} {call:8.5f}   (median of 200)")
        print(f"{'library: search':34} {library_search(Path(tmp)):8.5f}   (median of 20)")


if __name__ == "__main__":
    main()
