"""Export throughput and peak memory per format, on the seeds and on an N-times larger graph;
and the numbers behind the Neo4j batch size.

Usage: .venv/bin/python benchmarks/bench_exports.py [--scale 100] [--runs 3]
                                                     [--formats ttl,nt,...] [--no-lint]

* The larger graph repeats the seed coding ``--scale`` times with distinct ids (entity,
  reference, quantity and assertion ids get a ``-rNNN`` suffix; documents and passages, being
  spans of the same two papers, are shared), written as a store like ``kg build`` writes.
* Each export runs in a fresh process: wall time, output size, rows/s (triples for ttl/nt/
  jsonld; nodes + relationships for cypher/neo4j-csv/graphml), peak RSS of the process and its
  growth over the RSS before the export (rdflib and networkx already imported, so the growth
  is what the data needs).
* Batch sizes: per size, the number of push transactions and the Bolt (PackStream) size of the
  ``$rows`` parameter per transaction, encoded with the neo4j driver's own packer; the time
  Neo4j's Cypher linter takes over the cypher script; and, when NEO4J_URI/NEO4J_PASSWORD are
  set, the wall time of a real push.

Absolute times on shared machines are noisy; nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FORMATS = ["nt", "ttl", "jsonld", "cypher", "neo4j-csv", "graphml"]
RDF = {"nt", "ttl", "jsonld"}
ID = "https://w3id.org/innovation-kg/id/"
SHARED = ("document/", "passage/", "section/", "table/")
BATCH_SIZES = [100, 250, 500, 1000, 2000, 5000]


def _suffix(identifier: str, copy: int) -> str:
    if copy == 0 or identifier.startswith(SHARED):
        return identifier
    return f"{identifier}-r{copy:03d}"


def scaled_store(source: Path, target: Path, scale: int) -> dict[str, int]:
    """Write a store that repeats ``source``'s coding ``scale`` times (distinct ids)."""
    from kg.store import load_manifest, load_projection, ntriples_path, save

    projection = load_projection(source)
    nodes, edges = [], []
    for copy in range(scale):
        for node in projection["nodes"]:
            if copy and node["id"].startswith(SHARED):
                continue
            nodes.append({**node, "id": _suffix(node["id"], copy)})
        for edge in projection["edges"]:
            edges.append({**edge, "source": _suffix(edge["source"], copy),
                          "target": _suffix(edge["target"], copy)})
    nodes.sort(key=lambda n: n["id"])
    edges.sort(key=lambda e: (e["source"], e["relation"], e["target"]))
    big = {**projection, "nodes": nodes, "edges": edges}
    iri = re.compile("<" + re.escape(ID) + r"([^>]+)>")
    lines = ntriples_path(source).read_text(encoding="utf-8").splitlines()
    triples: set[str] = set()
    for copy in range(scale):
        for line in lines:
            triples.add(iri.sub(lambda m, k=copy: f"<{ID}{_suffix(m.group(1), k)}>", line))
    ntriples = "\n".join(sorted(triples)) + "\n"
    manifest = {**load_manifest(source), "scale": scale, "triples": len(triples)}
    save(target, ntriples=ntriples, projection=big, manifest=manifest)
    return {"triples": len(triples), "entities": len(nodes), "edges": len(edges)}


def _status_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, in MB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(fmt: str, data_dir: Path) -> dict[str, Any]:
    """Run one export in this (fresh) process and measure it."""
    import networkx  # noqa: F401 - imported before the baseline: memory is the data's, not
    import rdflib  # noqa: F401 - the libraries'

    from kg.exporters import DIRECTORY_FORMATS, exporter
    from kg.neo4j import mapping, statements  # noqa: F401

    export = exporter(fmt)
    before = _status_mb("VmRSS")
    out_dir = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        start = time.perf_counter()
        data = export(data_dir, out_dir / "out" if fmt in DIRECTORY_FORMATS else None)
        seconds = time.perf_counter() - start
        if data is None:
            size = sum(p.stat().st_size for p in (out_dir / "out").rglob("*") if p.is_file())
        else:
            size = len(data)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    # VmHWM, not ru_maxrss: on Linux ru_maxrss carries the parent's peak over fork/exec.
    peak = _status_mb("VmHWM")
    return {"seconds": seconds, "bytes": size, "peak_mb": peak, "before_mb": before}


def measure(fmt: str, data_dir: Path, runs: int) -> dict[str, Any]:
    results = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, __file__, "--child", fmt, str(data_dir)],
                              cwd=ROOT, check=True, capture_output=True, text=True)
        results.append(json.loads(done.stdout))
    best = sorted(results, key=lambda r: r["seconds"])[len(results) // 2]
    return {**best, "peak_mb": max(r["peak_mb"] for r in results)}


def rows_of(fmt: str, counts: dict[str, int]) -> int:
    return counts["triples"] if fmt in RDF else counts["pg_rows"]


def counts_of(data_dir: Path) -> dict[str, int]:
    from kg.neo4j.mapping import load
    from kg.store import ntriples_path

    graph, _ = load(data_dir)
    with open(ntriples_path(data_dir), encoding="utf-8") as fh:
        triples = sum(1 for _ in fh)
    return {"triples": triples, "nodes": len(graph.nodes), "rels": len(graph.relationships),
            "pg_rows": len(graph.nodes) + len(graph.relationships)}


def batch_table(data_dir: Path) -> list[dict[str, Any]]:
    """Transactions and Bolt parameter size per batch size (the driver's own encoder)."""
    from kg.neo4j.mapping import load
    from kg.neo4j.statements import load_plan

    try:
        from neo4j._codec.packstream.v1 import Packer
    except ImportError:  # a driver without this internal module: fall back to JSON size
        Packer = None  # noqa: N806

    graph, _ = load(data_dir)
    out = []
    for size in BATCH_SIZES:
        plan = load_plan(graph, size)
        sizes, start = [], time.perf_counter()
        for batch in plan:
            if Packer is not None:
                buffer = io.BytesIO()
                Packer(buffer).pack({"rows": batch.rows})
                sizes.append(buffer.tell())
            else:
                sizes.append(len(json.dumps(batch.rows).encode()))
        out.append({"batch": size, "transactions": len(plan),
                    "median_kb": statistics.median(sizes) / 1024, "max_kb": max(sizes) / 1024,
                    "encode_s": time.perf_counter() - start})
    return out


def lint_times(data_dir: Path, sizes: list[int]) -> list[tuple[int, float]]:
    """Seconds Neo4j's Cypher linter takes over the cypher script, per batch size."""
    from kg.neo4j.mapping import load
    from kg.neo4j.statements import script

    node = shutil.which("node")
    linter = ROOT / "tools" / "cypher-lint"
    if node is None or not (linter / "node_modules").is_dir():
        return []
    graph, schema = load(data_dir)
    out = []
    for size in sizes:
        text = script(graph, schema, size)
        start = time.perf_counter()
        subprocess.run([node, "lint.mjs"], cwd=linter, input=json.dumps([text]), text=True,
                       capture_output=True, check=True)
        out.append((size, time.perf_counter() - start))
    return out


def live_push(data_dir: Path, sizes: list[int]) -> list[tuple[int, float, float]]:
    """Wall seconds of a first push (after a wipe) and of a second push, per batch size."""
    if not os.environ.get("NEO4J_URI"):
        return []
    from kg.neo4j.mapping import load
    from kg.neo4j.push import connect, push, wipe

    graph, schema = load(data_dir)
    out = []
    with connect(os.environ["NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j"),
                 os.environ.get("NEO4J_PASSWORD", ""), None) as driver:
        for size in sizes:
            wipe(driver)
            start = time.perf_counter()
            push(driver, graph, schema, batch_size=size)
            first = time.perf_counter() - start
            start = time.perf_counter()
            push(driver, graph, schema, batch_size=size)
            out.append((size, first, time.perf_counter() - start))
        wipe(driver)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3, help="runs per format on the seeds")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--no-lint", action="store_true", help="skip the linter timings")
    parser.add_argument("--child", nargs=2, metavar=("FORMAT", "DATA_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    from kg.build import build

    formats = args.formats.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        seed, big = Path(tmp) / "seed", Path(tmp) / "scaled"
        build(ROOT / "seed_data", seed, validate=False)
        start = time.perf_counter()
        scaled_store(seed, big, args.scale)
        print(f"scaled store ({args.scale}x) written in {time.perf_counter() - start:.1f} s\n")
        print("| graph | format | rows | seconds | rows/s | output MB | peak RSS MB | "
              "RSS growth MB |")
        print("|---|---|---|---|---|---|---|---|")
        for name, data_dir, runs in (("seeds", seed, args.runs),
                                     (f"{args.scale}x", big, 1)):
            counts = counts_of(data_dir)
            for fmt in formats:
                r = measure(fmt, data_dir, runs)
                rows = rows_of(fmt, counts)
                print(f"| {name} | {fmt} | {rows} | {r['seconds']:.2f} | "
                      f"{rows / r['seconds']:,.0f} | {r['bytes'] / 2**20:.1f} | "
                      f"{r['peak_mb']:.0f} | {r['peak_mb'] - r['before_mb']:.0f} |", flush=True)
        for name, data_dir in (("seeds", seed), (f"{args.scale}x", big)):
            print(f"\nbatch sizes ({name}): | batch | transactions | median $rows KB | "
                  "max $rows KB | encode s |")
            for row in batch_table(data_dir):
                print(f"| {row['batch']} | {row['transactions']} | {row['median_kb']:.0f} | "
                      f"{row['max_kb']:.0f} | {row['encode_s']:.2f} |")
        if not args.no_lint:
            for size, seconds in lint_times(seed, [100, 500, 2000]):
                print(f"linter over the seed cypher script, batch {size}: {seconds:.1f} s")
        for size, first, second in live_push(seed, [100, 500, 2000]):
            print(f"live push, batch {size}: first {first:.2f} s, second {second:.2f} s")


if __name__ == "__main__":
    main()
