"""`kg cypher` speed: whole processes beside `kg trace barrier` (the anchor), on the seeds and on
the seed coding copied N times.

Usage: .venv/bin/python benchmarks/bench_cypher.py [--runs 5] [--scale 100]

Builds the seeds (``--no-validate``) into a temporary data dir, then writes a second store whose
projection holds the seed entities and relations N times (copy 0 keeps the real ids, the others
are renamed ``copyK/…``; documents and their passages are shared). Prints, per store:

* the engine copy: time to make it on the first query, its size;
* medians of ``--runs`` whole processes: ``kg trace barrier`` and a few typical `kg cypher`
  queries (the copy already made), and in-process ``run_cypher`` times.

Nothing here is asserted by the tests; absolute times on shared machines are noisy, the ratio to
`kg trace` in the same run is what to compare.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARRIER = "barrier/data-security-risk"
QUERIES = {
    "one barrier's mechanisms": "MATCH (b:Barrier {id: $id})-[:HINDERS]->(m:Mechanism) "
                                "RETURN m.id, m.label_en ORDER BY m.id",
    "strategies against it (2 hops)": "MATCH (b:Barrier {id: $id})<-[:MITIGATES]-(s:Strategy)"
                                      "-[:STRENGTHENS]->(m) RETURN s.id, m.id ORDER BY s.id",
    "count by type": "MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS n ORDER BY n DESC",
    "shortest path": "MATCH p = shortestPath((a:Barrier {id: $id})-[*..6]-"
                     "(m:Mechanism {id: 'mechanism/resource-reconstruction'})) RETURN length(p)",
}


def scaled_projection(projection: dict[str, Any], copies: int) -> dict[str, Any]:
    """The projection with every entity and relation ``copies`` times (documents shared)."""
    documents = {n["id"] for n in projection["nodes"] if n["class"] == "Document"}
    out = dict(projection)
    nodes, edges = [], []
    for k in range(copies):
        def rename(node_id: str, k: int = k) -> str:
            return node_id if k == 0 or node_id in documents else f"copy{k}/{node_id}"
        for node in projection["nodes"]:
            if k and node["id"] in documents:
                continue
            item = copy.deepcopy(node)
            item["id"] = rename(node["id"])
            nodes.append(item)
        for edge in projection["edges"]:
            item = copy.deepcopy(edge)
            item["source"], item["target"] = rename(edge["source"]), rename(edge["target"])
            edges.append(item)
    out["nodes"], out["edges"] = nodes, edges
    return out


def scaled_store(seeds: Path, copies: int, target: Path) -> Path:
    from kg.store import load_build, read_ntriples, save

    projection, manifest = load_build(seeds)
    big = scaled_projection(projection, copies)
    kept = {k: v for k, v in manifest.items() if k not in ("build", "files", "format", "triples")}
    save(target, ntriples=read_ntriples(seeds).decode("utf-8"), projection=big, manifest=kept)
    return target


def median_process(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kg", *args], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(store: Path, runs: int) -> None:
    from kg.cypher import run_cypher
    from kg.cypher.database import CACHE

    for old in (store / CACHE).glob("*"):
        old.unlink()
    start = time.perf_counter()
    run_cypher(store, "RETURN 1 AS one")
    made = time.perf_counter() - start
    size = sum(p.stat().st_size for p in (store / CACHE).glob("*.lbug"))
    print(f"  engine copy: made in {made:.2f} s on the first query, {size / 1e6:.1f} MB")
    trace = median_process(["trace", "barrier", BARRIER, "--data-dir", str(store),
                            "--format", "json"], runs)
    print(f"  {'kg trace barrier (anchor)':34} process {trace:6.3f} s")
    for name, query in QUERIES.items():
        process = median_process(["cypher", query, "--param", f"id={BARRIER}", "--format",
                                  "json", "--data-dir", str(store)], runs)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            run_cypher(store, query, {"id": BARRIER})
            times.append(time.perf_counter() - start)
        print(f"  {name:34} process {process:6.3f} s ({process / trace:4.2f}x trace)"
              f"   in-process {statistics.median(times) * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=int, default=100, help="copies of the seed coding")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        subprocess.run([sys.executable, "-m", "kg", "build", "--no-validate", "--data-dir",
                        str(seeds), "--source", str(ROOT / "seed_data")], check=True,
                       capture_output=True, cwd=ROOT)
        print("seeds")
        report(seeds, args.runs)
        if args.scale > 1:
            big = scaled_store(seeds, args.scale, Path(tmp) / f"x{args.scale}")
            print(f"seeds x{args.scale}")
            report(big, max(1, min(args.runs, 3)))


if __name__ == "__main__":
    main()
