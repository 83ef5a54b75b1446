"""Scale benchmark: build, rebuild, store, queries and exports on generated corpora of the seeds
×1, ×10, ×100, ×300, with pyoxigraph as the anchor in the same run.

Usage: .venv/bin/python benchmarks/bench_scale.py [--scales 1,10,100,300] [--runs 3]
           [--build-runs 1] [--baseline DIR [--baseline-max-scale 100]]
           [--keep DIR] [--seed 0] [--validate-max-scale 10] [--validate-timeout 1800]
           [--timeout 3600] [--skip exports,anchors,...]

Scale S is ``2·S`` papers written by ``benchmarks/corpus.py`` (S = 1 is an exact copy of
``seed_data``; at S ≥ 2 the seeds are two of the papers and the others are varied copies).
Every measurement is a whole child process of the ``kg`` next to this file (``python -m kg``
with ``PYTHONPATH`` set to this checkout), timed on the wall clock; peak RSS is the child's own
``ru_maxrss`` from ``os.wait4``. Every timed build starts after ``os.sync()``, so that it does
not pay for the writes of the step before. Per scale:

* build: ``kg build --no-validate`` into a new data dir, ``--build-runs`` times (the median:
  time, peak RSS, triples), and as many validating builds for scales up to
  ``--validate-max-scale``, each within ``--validate-timeout`` seconds (the median, and its
  ratio to the unvalidated build's);
* baseline: with ``--baseline DIR`` (a checkout of another commit, such as the one an issue
  measured), the same clean builds by that kg, in the same run, up to
  ``--baseline-max-scale``: the speed-up is the ratio of the medians;
* incremental rebuild: one annotation file edited (one label changed), ``kg build
  --no-validate`` again on the same data dir (only the changed units are read again), ``--runs``
  times, each after a new edit (the median, and its share of the clean build's time);
* store: bytes on disk of the data dir after the first build (and its files);
* queries: ``kg trace barrier``, ``kg show``, ``kg search``, ``kg sparql --name
  barrier-mechanisms`` and ``kg cypher``: the first process after the build (per-build copies
  under ``STORE/cache`` removed first, such as the engine copy the first ``kg cypher`` makes;
  its time and the MB it adds there), then the median of ``--runs`` more;
* exports: ``kg export --format F --out …`` once per format: time, MB, MB/s, peak RSS;
* anchors: pyoxigraph ``bulk_load`` of the build's ``graph.nt`` into an on-disk store (child
  process: load time, peak RSS, store size), then a fresh child that opens that store and runs
  a one-barrier 3-hop SPARQL query (open, first and second query time, peak RSS).

One failed measurement prints ``failed: reason`` in its cell and the run goes on. Progress goes
to stderr; the Markdown tables to stdout at the end (and, after every scale, to
``DIR/tables.md`` and ``DIR/results.json`` when ``--keep DIR`` is given). Nothing here is
asserted by the tests: absolute times on shared machines are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "benchmarks" / "corpus.py"
BARRIER = "barrier/data-security-risk"
ID = "https://w3id.org/innovation-kg/id/"
IKG = "https://w3id.org/innovation-kg/ontology#"
QUERIES: dict[str, list[str]] = {
    "trace": ["trace", "barrier", BARRIER],
    "show": ["show", BARRIER],
    "search": ["search", "data security"],
    "sparql": ["sparql", "--name", "barrier-mechanisms", "--bind", f"barrier={BARRIER}"],
    "cypher": ["cypher", f"MATCH (b:Barrier {{id: '{BARRIER}'}})-[:HINDERS]->(m) RETURN m.id"],
}
FORMATS = ["nt", "ttl", "jsonld", "neo4j-csv", "cypher", "graphml"]
THREE_HOPS = f"""SELECT ?mechanism ?strategy ?other WHERE {{
  <{ID}{BARRIER}> <{IKG}hinders> ?mechanism .
  ?strategy <{IKG}strengthens> ?mechanism .
  ?strategy <{IKG}mitigates> ?other .
}}"""
OXI_LOAD = """
import json, sys, time
from pyoxigraph import RdfFormat, Store
start = time.perf_counter()
store = Store(sys.argv[2])
store.bulk_load(path=sys.argv[1], format=RdfFormat.N_TRIPLES)
store.flush()
print(json.dumps({"load_s": time.perf_counter() - start, "quads": len(store)}))
"""
OXI_QUERY = """
import json, sys, time
start = time.perf_counter()
from pyoxigraph import Store
imported = time.perf_counter()
store = Store.read_only(sys.argv[1])
opened = time.perf_counter()
rows = len(list(store.query(sys.argv[2])))
first = time.perf_counter()
list(store.query(sys.argv[2]))
second = time.perf_counter()
print(json.dumps({"import_s": imported - start, "open_s": opened - imported,
                  "query_s": first - opened, "query2_s": second - first, "rows": rows}))
"""


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Failed(Exception):
    """One measurement failed; its cell says why."""


def run(args: list[str], *, timeout: float, stdout: Path | None = None,
        cwd: Path | None = None) -> dict[str, Any]:
    """Run a child to completion: wall seconds, peak RSS (MB) and its stdout when captured.
    The kg it runs is the one in ``cwd`` (default: this checkout)."""
    env = {**os.environ, "PYTHONPATH": str(cwd or ROOT)}
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        sink = open(stdout, "wb") if stdout else out  # noqa: SIM115
        try:
            start = time.perf_counter()
            proc = subprocess.Popen(args, stdout=sink, stderr=err, cwd=cwd or ROOT, env=env)
            timer = threading.Timer(timeout, proc.kill)
            timer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                timer.cancel()
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if stdout:
                sink.close()
        if proc.returncode != 0:
            err.seek(0)
            lines = [ln for ln in err.read().decode("utf-8", "replace").splitlines()
                     if ln.strip() and not ln.startswith("warning:")]
            reason = lines[-1].strip() if lines else f"exit status {proc.returncode}"
            if proc.returncode < 0 and wall >= timeout:
                reason = f"timed out after {timeout:.0f} s"
            raise Failed(reason[:160])
        out.seek(0)
        return {"s": wall, "rss_mb": usage.ru_maxrss / 1024,
                "stdout": b"" if stdout else out.read()}


def kg(*args: str, timeout: float, stdout: Path | None = None,
       checkout: Path | None = None) -> dict[str, Any]:
    return run([sys.executable, "-m", "kg", *args], timeout=timeout, stdout=stdout,
               cwd=checkout)


def settled() -> None:
    """Write back what earlier steps left in the page cache, so that a timed step does not pay
    for the last one's writes."""
    os.sync()


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median time (its other figures with it), with every time and the peak RSS."""
    ordered = sorted(runs, key=lambda r: r["s"])
    out = dict(ordered[(len(ordered) - 1) // 2])
    out["all_s"] = [round(r["s"], 2) for r in runs]
    out["rss_mb"] = max(r["rss_mb"] for r in runs)
    return out


def disk_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def current_build(store: Path) -> Path:
    return store / "builds" / (store / "CURRENT").read_text().strip()


def attempt(results: dict[str, Any], key: str, what: str, fn: Callable[[], Any]) -> Any:
    """Run one measurement; a failure is recorded as ``failed: reason`` and the run goes on."""
    say(what)
    try:
        value = fn()
    except Failed as exc:
        value = f"failed: {exc}"
    except Exception as exc:  # noqa: BLE001 - one measurement must not end the run
        value = f"failed: {type(exc).__name__}: {str(exc)[:160]}"
    if isinstance(value, str) and value.startswith("failed"):
        say(f"  {value}")
    results[key] = value
    return value


def edit_one_paper(source: Path) -> str:
    """Change one label in the last annotation file of a paper; returns the file edited."""
    files = sorted(p for p in (source / "annotations").glob("*.yaml") if p.name != "links.yaml")
    path = files[-1]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    entity = data["entities"][0]
    entity["label"]["en"] = entity["label"]["en"] + " (revised)"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False,
                              width=10_000), encoding="utf-8")
    return path.name


def measure_scale(scale: int, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    res: dict[str, Any] = {"scale": scale, "papers": 2 * scale}
    work.mkdir(parents=True, exist_ok=True)
    source, store = work / "src", work / "store"
    for old in (store, work / "store-validated", work / "oxigraph", work / "exports"):
        shutil.rmtree(old, ignore_errors=True)
    gen = attempt(res, "generate", f"x{scale}: generating {2 * scale} papers", lambda: run(
        [sys.executable, str(CORPUS), "--papers", str(2 * scale), "--out", str(source),
         "--seed", str(args.seed)], timeout=args.timeout))
    if isinstance(gen, str):
        return res
    res["source_mb"] = disk_mb(source)

    def build() -> dict[str, Any]:
        runs = []
        for _ in range(args.build_runs):  # each a clean build: a new data dir, no caches
            shutil.rmtree(store, ignore_errors=True)
            settled()
            runs.append(kg("build", "--no-validate", "--source", str(source), "--data-dir",
                           str(store), timeout=args.timeout))
        out = median_of(runs)
        out["triples"] = json.loads((current_build(store) / "manifest.json").read_text())[
            "triples"]
        return out

    built = attempt(res, "build", f"x{scale}: kg build --no-validate ×{args.build_runs}", build)
    if isinstance(built, str):
        return res
    say(f"  {built['triples']} triples, {built['all_s']} s, {built['rss_mb']:.0f} MB")

    if args.baseline and scale <= args.baseline_max_scale:
        def baseline() -> dict[str, Any]:
            target = work / "store-baseline"
            runs = []
            for _ in range(args.build_runs):
                shutil.rmtree(target, ignore_errors=True)
                settled()
                runs.append(kg("build", "--no-validate", "--source", str(source), "--data-dir",
                               str(target), timeout=args.timeout, checkout=args.baseline))
            shutil.rmtree(target, ignore_errors=True)
            return median_of(runs)
        done = attempt(res, "baseline", f"x{scale}: baseline kg build --no-validate "
                       f"×{args.build_runs} ({args.baseline_commit})", baseline)
        if not isinstance(done, str):
            say(f"  baseline {done['all_s']} s, {done['rss_mb']:.0f} MB")
    res["store_mb"] = disk_mb(current_build(store))
    res["units_mb"] = disk_mb(store / "cache" / "units")
    res["store_files"] = {p.name: round(disk_mb(p), 1)
                          for p in sorted(current_build(store).iterdir())}

    if scale <= args.validate_max_scale:
        validated = work / "store-validated"

        def validating() -> dict[str, Any]:
            runs = []
            for _ in range(args.build_runs):
                shutil.rmtree(validated, ignore_errors=True)
                settled()
                runs.append(kg("build", "--source", str(source), "--data-dir", str(validated),
                               timeout=args.validate_timeout))
            shutil.rmtree(validated, ignore_errors=True)
            return median_of(runs)
        done = attempt(res, "build_validated",
                       f"x{scale}: kg build (validating) ×{args.build_runs}", validating)
        if not isinstance(done, str):
            say(f"  validating {done['all_s']} s, {done['rss_mb']:.0f} MB")
    else:
        res["build_validated"] = f"skipped (scale > {args.validate_max_scale})"

    def rebuild() -> dict[str, Any]:
        runs = []
        for _ in range(args.runs):  # each after a new edit of the same paper
            edited = edit_one_paper(source)
            settled()
            runs.append(kg("build", "--no-validate", "--source", str(source), "--data-dir",
                           str(store), timeout=args.timeout))
        out = median_of(runs)
        out["edited"] = edited
        return out

    attempt(res, "rebuild", f"x{scale}: incremental rebuild after editing one paper "
            f"×{args.runs}", rebuild)

    if "queries" not in args.skip:
        cache = store / "cache"
        for old in cache.glob("*") if cache.is_dir() else ():
            if old.name not in ("yaml", "units"):  # per-build copies go; the build's caches stay
                shutil.rmtree(old) if old.is_dir() else old.unlink()
        for name, cmd in QUERIES.items():
            def first(cmd: list[str] = cmd) -> dict[str, Any]:
                before = disk_mb(cache) if cache.is_dir() else 0.0
                out = kg(*cmd, "--data-dir", str(store), timeout=args.timeout)
                out["cache_mb"] = (disk_mb(cache) if cache.is_dir() else 0.0) - before
                return out

            def steady(cmd: list[str] = cmd) -> dict[str, Any]:
                runs = [kg(*cmd, "--data-dir", str(store), timeout=args.timeout)
                        for _ in range(args.runs)]
                return {"s": statistics.median(r["s"] for r in runs),
                        "rss_mb": max(r["rss_mb"] for r in runs),
                        "bytes": len(runs[0]["stdout"])}
            attempt(res, f"q_{name}_first", f"x{scale}: kg {name} (first after the build)", first)
            attempt(res, f"q_{name}", f"x{scale}: kg {name} ×{args.runs}", steady)

    if "exports" not in args.skip:
        exports = work / "exports"
        for fmt in FORMATS:
            def export(fmt: str = fmt) -> dict[str, Any]:
                exports.mkdir(exist_ok=True)
                target = exports / (fmt if fmt == "neo4j-csv" else f"graph.{fmt}")
                out = kg("export", "--format", fmt, "--out", str(target), "--data-dir", str(store),
                         timeout=args.timeout)
                out["mb"] = disk_mb(target)
                out["mb_s"] = out["mb"] / out["s"]
                shutil.rmtree(target) if target.is_dir() else target.unlink()
                return out
            attempt(res, f"export_{fmt}", f"x{scale}: kg export --format {fmt}", export)
        shutil.rmtree(exports, ignore_errors=True)

    if "anchors" not in args.skip:
        oxi = work / "oxigraph"

        def oxi_load() -> dict[str, Any]:
            nt = current_build(store) / "graph.nt"
            out = run([sys.executable, "-c", OXI_LOAD, str(nt), str(oxi)], timeout=args.timeout)
            out.update(json.loads(out.pop("stdout")))
            out["store_mb"] = disk_mb(oxi)
            out["nt_mb"] = disk_mb(nt)
            return out

        loaded = attempt(res, "oxi_load", f"x{scale}: pyoxigraph bulk_load", oxi_load)
        if not isinstance(loaded, str):
            def oxi_query() -> dict[str, Any]:
                out = run([sys.executable, "-c", OXI_QUERY, str(oxi), THREE_HOPS],
                          timeout=args.timeout)
                out.update(json.loads(out.pop("stdout")))
                return out
            attempt(res, "oxi_query", f"x{scale}: pyoxigraph open + 3-hop query", oxi_query)
        shutil.rmtree(oxi, ignore_errors=True)
    return res


# ----------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------

def _cell(value: Any, key: str | None = None, fmt: str = "{:.2f}") -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if key is not None:
        value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            return "–"
    return fmt.format(value)


def _ratio(top: Any, bottom: Any, fmt: str) -> str:
    """``top["s"] / bottom["s"]`` formatted, or – when either is missing or failed."""
    if not (isinstance(top, dict) and isinstance(bottom, dict) and bottom.get("s")):
        return "–"
    return fmt.format(top["s"] / bottom["s"])


def tables(results: list[dict[str, Any]]) -> str:
    out: list[str] = []

    def table(title: str, head: list[str], rows: list[list[str]]) -> None:
        out.append(f"### {title}\n")
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join("---:" if i else "---" for i in range(len(head))) + "|")
        out.extend("| " + " | ".join(r) + " |" for r in rows)
        out.append("")

    rows = []
    for r in results:
        b = r.get("build")
        rows.append([
            f"×{r['scale']}", str(r["papers"]), _cell(b, "triples", "{:,}"),
            _cell(r.get("source_mb"), None, "{:.1f}"), _cell(r.get("generate"), "s", "{:.1f}"),
            _cell(b, "s", "{:.1f}"), _cell(b, "rss_mb", "{:.0f}"),
            _cell(r.get("build_validated"), "s", "{:.1f}"),
            _cell(r.get("build_validated"), "rss_mb", "{:.0f}"),
            _ratio(r.get("build_validated"), b, "{:.2f}×"),
            _cell(r.get("rebuild"), "s", "{:.2f}"), _cell(r.get("rebuild"), "rss_mb", "{:.0f}"),
            _ratio(r.get("rebuild"), b, "{:.1%}"),
            _cell(r.get("store_mb"), None, "{:.1f}"),
            ", ".join(f"{k} {v}" for k, v in (r.get("store_files") or {}).items()) or "–",
            _cell(r.get("units_mb"), None, "{:.1f}")])
    table("Build, rebuild and store (medians)", [
        "scale", "papers", "triples", "source MB", "generate s", "build s (--no-validate)",
        "build peak RSS MB", "build s (validating)", "validating peak RSS MB",
        "validating / build", "rebuild after one edited paper s", "rebuild peak RSS MB", "rebuild / build",
        "build MB", "build files MB", "unit cache MB"], rows)

    rows = []
    for r in results:
        b, old = r.get("build"), r.get("baseline")
        if old is None:
            continue
        rows.append([f"×{r['scale']}", _cell(old, "s", "{:.1f}"), _cell(old, "rss_mb", "{:.0f}"),
                     _cell(b, "s", "{:.1f}"), _cell(b, "rss_mb", "{:.0f}"),
                     _ratio(old, b, "{:.2f}×")])
    if rows:
        table("Build against the baseline checkout, same run (kg build --no-validate, medians)",
              ["scale", "baseline s", "baseline peak RSS MB", "this kg s", "this kg peak RSS MB",
               "speed-up"], rows)

    rows = []
    for r in results:
        row = [f"×{r['scale']}"]
        row.extend(_cell(r.get(f"q_{name}"), "s") for name in QUERIES)
        row.extend(_cell(r.get(f"q_{name}"), "rss_mb", "{:.0f}") for name in QUERIES)
        rows.append(row)
    table("Queries as whole processes (median of the runs after the first, s; peak RSS MB)",
          ["scale", *(f"kg {n}" for n in QUERIES), *(f"{n} MB" for n in QUERIES)], rows)

    rows = []
    for r in results:
        row = [f"×{r['scale']}"]
        for name in QUERIES:
            first = r.get(f"q_{name}_first")
            made = _cell(first, "cache_mb", "{:.1f}")
            row.append(_cell(first, "s") + ("" if made in ("–", "0.0") or isinstance(first, str)
                                            else f" (+{made} MB cache)"))
        rows.append(row)
    table("First run of each query after the build (s; what it added under STORE/cache)",
          ["scale", *(f"kg {n}" for n in QUERIES)], rows)

    rows = []
    for r in results:
        for fmt in FORMATS:
            e = r.get(f"export_{fmt}")
            if e is None:
                continue
            rows.append([f"×{r['scale']}", fmt, _cell(e, "s", "{:.1f}"), _cell(e, "mb", "{:.1f}"),
                         _cell(e, "mb_s", "{:.1f}"), _cell(e, "rss_mb", "{:.0f}")])
    table("Exports (one process each)", ["scale", "format", "s", "MB", "MB/s", "peak RSS MB"],
          rows)

    rows = []
    for r in results:
        load, query = r.get("oxi_load"), r.get("oxi_query")
        rows.append([
            f"×{r['scale']}", _cell(load, "nt_mb", "{:.1f}"), _cell(load, "load_s"),
            _cell(load, "s"), _cell(load, "rss_mb", "{:.0f}"), _cell(load, "store_mb", "{:.1f}"),
            _cell(query, "open_s", "{:.3f}"), _cell(query, "query_s", "{:.3f}"),
            _cell(query, "query2_s", "{:.3f}"), _cell(query, "rows", "{}"),
            _cell(query, "s"), _cell(query, "rss_mb", "{:.0f}")])
    table("Anchors: pyoxigraph on the same graph.nt", [
        "scale", "graph.nt MB", "bulk_load s", "load process s", "load peak RSS MB",
        "on-disk store MB", "open s", "3-hop query s (first)", "3-hop query s (again)",
        "rows", "query process s", "query peak RSS MB"], rows)
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100,300")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it (else a temp dir)")
    parser.add_argument("--seed", type=int, default=0, help="corpus generator seed")
    parser.add_argument("--validate-max-scale", type=int, default=10,
                        help="also build with SHACL validation up to this scale")
    parser.add_argument("--validate-timeout", type=float, default=1800.0,
                        help="seconds a validating build may take")
    parser.add_argument("--timeout", type=float, default=3600.0,
                        help="seconds any other child may take")
    parser.add_argument("--build-runs", type=int, default=1,
                        help="clean builds per scale (the median is reported)")
    parser.add_argument("--baseline", type=Path,
                        help="a checkout of another kg (e.g. `git worktree add DIR <commit>`) to "
                        "build the same corpora with, in the same run")
    parser.add_argument("--baseline-max-scale", type=int, default=100,
                        help="build with the baseline up to this scale")
    parser.add_argument("--skip", default="", help="comma list of: queries, exports, anchors")
    parser.add_argument("--commit", help="the commit measured, when this checkout has no .git "
                        "(e.g. a `git archive` export; default: git rev-parse HEAD)")
    args = parser.parse_args()
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    scales = [int(s) for s in args.scales.split(",")]
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    base.mkdir(parents=True, exist_ok=True)
    commit = args.commit or subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True).stdout.strip() or "unknown"
    args.baseline_commit = ""
    if args.baseline:
        args.baseline = args.baseline.resolve()
        args.baseline_commit = subprocess.run(
            ["git", "-C", str(args.baseline), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True).stdout.strip() or str(args.baseline)
    say(f"kg from {ROOT} (commit {commit}), working in {base}")
    results: list[dict[str, Any]] = []
    try:
        for scale in scales:
            started = time.perf_counter()
            results.append(measure_scale(scale, base / f"x{scale}", args))
            say(f"x{scale} done in {time.perf_counter() - started:.0f} s")
            if args.keep:
                (base / "results.json").write_text(json.dumps(results, indent=1, default=str))
                (base / "tables.md").write_text(tables(results))
            shutil.rmtree(base / f"x{scale}" / "store" / "cache", ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(f"Scale benchmark, kg commit {commit}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
          f", {os.cpu_count()} CPUs, runs={args.runs}, build runs={args.build_runs}"
          + (f", baseline {args.baseline_commit}" if args.baseline else "") + "\n")
    print(tables(results))


if __name__ == "__main__":
    main()
