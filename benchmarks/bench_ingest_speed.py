"""Time `kg ingest`: one 25 KB paper, and a folder of 100 papers (issue 10's speed goals).

Usage: .venv/bin/python benchmarks/bench_ingest_speed.py [--papers 100] [--runs 3]

The papers are the two seed texts, each made a new paper by a distinct first line (so none is
recognised as already ingested), ingested into a copy of seed_data/ with the seed graph as the
store to align with. Prints:

- the whole `kg ingest` process for one paper, and `kg --help` (the start-up of any command);
- in-process: the one-time set-up (store, alignment index, ontology) and the work per paper
  (read, propose, align, verify with the loader, write), median over the papers;
- the whole `kg ingest FOLDER` process for the folder.

Absolute times on shared machines are noisy; nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KG = str(Path(sys.executable).with_name("kg"))
SEEDS = sorted((ROOT / "seed_data" / "documents").glob("*.txt"))


def make_papers(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    out = []
    for i in range(count):
        path = folder / f"paper-{i:03d}.txt"
        path.write_text(f"测试论文 {i:03d}\n" + texts[i % len(texts)], encoding="utf-8")
        out.append(path)
    return out


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        store = tmp_path / "store"
        subprocess.run([KG, "build", "--source", str(ROOT / "seed_data"), "--data-dir",
                        str(store), "--no-validate"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        one = make_papers(tmp_path / "one", 1)[0]
        print(f"paper: {one.stat().st_size / 1000:.1f} KB")

        help_times = [wall([KG, "--help"]) for _ in range(args.runs)]
        single = []
        for _ in range(args.runs):
            source = tmp_path / "src-one"
            shutil.rmtree(source, ignore_errors=True)
            shutil.copytree(ROOT / "seed_data", source)
            single.append(wall([KG, "ingest", str(one), "--source", str(source), "--data-dir",
                                str(store)]))
        print(f"kg --help (start-up)           median {statistics.median(help_times):.2f} s")
        print(f"kg ingest one paper (process)  median {statistics.median(single):.2f} s")

        sys.path.insert(0, str(ROOT))
        from kg.ingest import pipeline
        from kg.ingest.propose import propose

        papers = make_papers(tmp_path / "folder", args.papers)
        source = tmp_path / "src-lib"
        shutil.copytree(ROOT / "seed_data", source)
        start = time.perf_counter()
        pipeline.ingest([papers[0]], source=source, data_dir=store, proposer=propose,
                        dry_run=True)
        setup_and_one = time.perf_counter() - start
        per_paper: list[float] = []
        marks: dict[Path, float] = {}

        def progress(path: Path, result: object) -> None:
            if result is None:
                marks[path] = time.perf_counter()
            else:
                per_paper.append(time.perf_counter() - marks[path])

        start = time.perf_counter()
        results = pipeline.ingest(papers, source=source, data_dir=store, proposer=propose,
                                  progress=progress)
        total = time.perf_counter() - start
        failed = [r for r in results if not r.ok]
        print(f"in-process: first call (set-up + one paper, dry run) {setup_and_one:.2f} s")
        print(f"in-process: per paper median {statistics.median(per_paper) * 1000:.0f} ms, "
              f"max {max(per_paper) * 1000:.0f} ms; {len(papers)} papers {total:.1f} s"
              f" ({len(failed)} failed)")

        source = tmp_path / "src-folder"
        shutil.copytree(ROOT / "seed_data", source)
        folder_time = wall([KG, "ingest", str(tmp_path / "folder"), "--source", str(source),
                            "--data-dir", str(store)])
        print(f"kg ingest folder of {len(papers)} papers (process) {folder_time:.1f} s")


if __name__ == "__main__":
    main()
