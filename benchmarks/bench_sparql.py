"""Time every named SPARQL query with typical bindings: whole `kg sparql` processes and in-process.

Usage: .venv/bin/python benchmarks/bench_sparql.py [--runs 5] [--root DIR] [--scale N]

Builds the seed graph (`--no-validate`) into a temporary data dir with the code under ``--root``
(default: this checkout; point it at an exported older commit to compare before/after), then
prints medians of ``--runs`` runs per query:

* ``process``: ``python -m kg sparql --name Q --bind … --format csv`` as a whole process;
* ``cold``: ``run_sparql`` in-process with nothing loaded (graph load + query);
* ``warm``: ``run_sparql`` again with the graph already loaded, per engine where the code under
  ``--root`` offers several (the older runner re-parses the graph on every call: cold = warm).

``--scale N`` also times the in-process queries on the seed graph copied N times under renamed
entity IRIs (copy 0 keeps the real ids so the bindings still match): how the queries grow.
Nothing here is asserted by the tests; absolute times on shared machines are noisy.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent

#: Each named query with the bindings a researcher would typically give it.
CASES: list[tuple[str, list[str]]] = [
    ("barrier-mechanisms", ["barrier=barrier/data-security-risk"]),
    ("case-indicators", []),
    ("cross-document-matches", []),
    ("relation-evidence", ["entity=mechanism/information-empowerment"]),
    ("strategies-by-actor", ["actor=government"]),
    ("strategies-by-actor", []),
]


def median_time(func: Callable[[], Any], runs: int, before: Callable[[], Any] | None = None) -> float:
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def kg_command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "kg", *args]


def run_env(root: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(root)}


def label(name: str, binds: list[str]) -> str:
    return name + (" " + " ".join(binds) if binds else " (unbound)")


def scaled_graph(ntriples: Path, copies: int, out: Path) -> Path:
    """The graph repeated ``copies`` times, entity IRIs renamed per copy (copy 0 unchanged)."""
    text = ntriples.read_text(encoding="utf-8")
    pattern = re.compile(r"<(https://w3id\.org/innovation-kg/id/[^>]*)>")
    parts = [text] + [pattern.sub(lambda m, k=k: f"<{m.group(1)}-copy{k}>", text)
                      for k in range(1, copies)]
    out.write_text("".join(parts), encoding="utf-8")
    return out


def in_process(runner: Any, ntriples: Path, runs: int) -> dict[str, dict[str, float]]:
    """Cold and warm medians per case (and per engine when the runner has several)."""
    engines = ["oxigraph", "rdflib"] if "engine" in inspect.signature(runner.run_sparql).parameters \
        else [None]
    clear = getattr(runner, "clear_cache", lambda: None)
    out: dict[str, dict[str, float]] = {}
    for name, binds in CASES:
        text = runner.named_queries()[name]
        bindings = dict(runner.parse_binding(b) for b in binds)
        row: dict[str, float] = {}
        for engine in engines:
            kwargs = {"engine": engine} if engine else {}
            suffix = f" {engine}" if engine else ""

            def call(text: str = text, bindings: dict[str, Any] = bindings,
                     kwargs: dict[str, Any] = kwargs) -> Any:
                return runner.run_sparql(ntriples, text, bindings, **kwargs)

            row["cold" + suffix] = median_time(call, runs, before=clear)
            call()
            row["warm" + suffix] = median_time(call, runs)
        out[label(name, binds)] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose kg package to time")
    parser.add_argument("--scale", type=int, default=0, help="also time a graph N times the seeds")
    args = parser.parse_args()
    root = args.root.resolve()
    sys.path.insert(0, str(root))
    from kg import sparql_runner as runner  # noqa: E402 - the package under --root
    from kg.store import ntriples_path

    print(f"code: {Path(runner.__file__).parent.parent}")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        subprocess.run(kg_command(root, "build", "--no-validate", "--data-dir", str(data)),
                       cwd=root, env=run_env(root), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        ntriples = ntriples_path(data)
        print(f"graph: {sum(1 for _ in ntriples.open(encoding='utf-8'))} triples; "
              f"median of {args.runs} runs, seconds\n")
        process = {}
        for name, binds in CASES:
            cmd = kg_command(root, "sparql", "--name", name, "--format", "csv", "--data-dir",
                             str(data), *[x for b in binds for x in ("--bind", b)])
            process[label(name, binds)] = median_time(
                lambda cmd=cmd: subprocess.run(cmd, cwd=root, env=run_env(root), check=True,
                                               stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL), args.runs)
        inproc = in_process(runner, ntriples, args.runs)
        columns = list(next(iter(inproc.values())))
        print("| query | process | " + " | ".join(columns) + " |")
        print("|---|---:|" + "---:|" * len(columns))
        for key, seconds in process.items():
            cells = " | ".join(f"{inproc[key][c]:.4f}" for c in columns)
            print(f"| {key} | {seconds:.3f} | {cells} |")
        if args.scale > 1:
            big = scaled_graph(ntriples, args.scale, Path(tmp) / "scaled.nt")
            triples = sum(1 for _ in big.open(encoding="utf-8"))
            print(f"\nin-process on the seeds x{args.scale} ({triples} triples)\n")
            scaled = in_process(runner, big, max(1, min(args.runs, 3)))
            print("| query | " + " | ".join(columns) + " |")
            print("|---|" + "---:|" * len(columns))
            for key, row in scaled.items():
                print(f"| {key} | " + " | ".join(f"{row[c]:.4f}" for c in columns) + " |")


if __name__ == "__main__":
    main()
